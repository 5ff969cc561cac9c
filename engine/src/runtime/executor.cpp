#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <list>
#include <random>
#include <relance/runtime/executor.hpp>
#include <relance/runtime/time_text.hpp>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "dispatcher.hpp"
#include "effect_log.hpp"
#include "gates.hpp"
#include "interpreter.hpp"
#include "sender_desk.hpp"
#include "workflow_cache.hpp"

namespace relance::runtime {

using json = nlohmann::json;
using store::RunStatus;

namespace {

std::string generate_owner() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> d;
    char buf[32];
    std::snprintf(buf, sizeof buf, "w_%08x", d(rd));
    return buf;
}

constexpr Millis kMaxAccountProbe{6 * 3600 * 1000};

// invoke() never throws by contract; a host error that escapes all the same leaves the call in
// doubt (it may have left).
host::ActionOutcome invoke_guarded(host::LoadedPlugin& plugin, const host::ActionRequest& request) {
    try {
        return plugin.invoke(request);
    } catch (const std::exception& e) {
        return host::ActionOutcome{host::ActionOutcome::Status::in_doubt, nullptr,
                                   std::string("host error: ") + e.what(), Millis{0}};
    }
}

// Tells the observer (metrics) of a call that came back. An observer's failure must never cost
// the call's outcome, which is taken before this runs.
void report_call(WorkerObserver* observer, const host::LoadedPlugin& plugin,
                 const host::ActionRequest& request, host::ActionOutcome::Status status,
                 std::chrono::steady_clock::duration took) noexcept {
    try {
        observer->call_finished(plugin.manifest().name, request.action, host::to_string(status),
                                took);
    } catch (...) {
    }
}

}  // namespace

struct Executor::Impl {
    store::Store& store;
    host::PluginHost& host;
    const Clock& clock;
    ExecutorOptions options;
    WorkflowCache workflows;
    policy::BreakerBoard breakers;
    SenderDesk senders;
    EffectLog log;
    Interpreter interpreter;
    GateFacts facts;
    Gates gates;
    Dispatcher dispatcher;

    std::list<ActiveRun> held;  // every run this worker holds (stable addresses)
    std::unordered_map<std::string, ActiveRun*> by_id;  // the same, by run id
    std::deque<ActiveRun*> at_action;  // runs at an action, waiting for a free call slot
    std::vector<ActiveRun*> to_call;   // started (or to reconcile): call once committed
    std::uint64_t claims = 0;
    std::int64_t last_renewal = 0;

    // Lockstep keeps two groups of calls out at once: while one group's calls run, the outcomes
    // of the one before are applied and the next is claimed, admitted and sent, so that the
    // executor's thread and the calls overlap instead of taking turns. What happens stays
    // reproducible: a group's outcomes are applied all together, in claim order, at a point of
    // the executor's own sequence (never when they happen to arrive), and the next group is
    // claimed and admitted after them; the group still out counts at the door and against caps
    // as the calls it started.
    static constexpr std::size_t kLockstepGroups = 2;
    struct GroupOut {
        std::uint64_t id = 0;
        std::size_t left = 0;  // calls not back yet
    };
    std::deque<GroupOut> groups_out;  // oldest first
    std::vector<ActiveRun*> arrived;  // back, not applied yet (their group is not complete)
    std::uint64_t next_group = 0;
    bool nothing_to_overlap = false;  // the last turn sent no group: wait for the oldest

    ExecutorStats stats;
    mutable std::mutex stats_m;
    std::mutex wake_m;
    std::condition_variable wake_cv;
    bool woken = false;

    Impl(store::Store& s, host::PluginHost& h, const Clock& c, ExecutorOptions o)
        : store(s),
          host(h),
          clock(c),
          options(std::move(o)),
          workflows(s, options.config),
          breakers(options.breaker_threshold, options.breaker_open_for),
          senders(s, options.config),
          log(senders, c),
          interpreter(s, h, c, options, log, breakers, senders),
          facts(s),
          gates(h, breakers, senders, facts, options.config),
          dispatcher(std::max(1, options.concurrency)) {
        if (options.owner.empty()) options.owner = generate_owner();
        last_renewal = now_ms();
        log.kinds_on_updates = options.observer != nullptr;  // the observer counts by plugin
    }

    std::int64_t now_ms() const { return to_unix_ms(clock.now()); }

    // --- commits ---------------------------------------------------------------------------

    // Commits the batch with the leases of the runs it writes for. A full disk pauses here:
    // the same batch is committed again until it lands (nothing acknowledged is lost or sent
    // twice: the calls whose outcomes it holds are done, and nothing new leaves meanwhile).
    void commit(store::Batch& batch, const std::stop_token* stop = nullptr) {
        if (batch.empty()) return;
        // A run this batch writes rows for and that goes on in memory (waiting at an action for
        // a call slot) is checkpointed with them: its rows and its position land together, so a
        // crash never leaves rows the run's state does not know of.
        std::set<std::string> with_state;
        for (const auto& r : batch.update_runs) with_state.insert(r.id);
        for (const auto& r : batch.checkpoint_runs) with_state.insert(r.id);
        std::set<std::string> progressed;
        for (const auto& s : batch.insert_steps)
            if (!with_state.count(s.run_id)) progressed.insert(s.run_id);
        for (const auto& id : progressed)
            if (auto it = by_id.find(id); it != by_id.end() && !it->second->stopped)
                interpreter.checkpoint(*it->second, batch);
        std::set<std::string> seen;
        auto lease_of = [&](const std::string& run_id) {
            if (!seen.insert(run_id).second) return;
            auto it = by_id.find(run_id);
            if (it != by_id.end() && !it->second->run.lease.empty())
                batch.leases.emplace_back(run_id, it->second->run.lease);
        };
        for (const auto& s : batch.insert_steps) lease_of(s.run_id);
        for (const auto& s : batch.update_steps) lease_of(s.run_id);
        for (const auto& r : batch.update_runs) lease_of(r.id);
        for (const auto& r : batch.checkpoint_runs) lease_of(r.id);
        std::vector<std::string> lost;
        for (int attempt = 0;; ++attempt) {
            try {
                lost = store.commit(batch);
                if (attempt > 0) spdlog::warn("worker resumed: the commit fits again");
                break;
            } catch (const store::StoreFull& e) {
                if (attempt == 0)
                    spdlog::error("worker paused: {}; committing again every {} ms until it fits",
                                  e.what(), options.store_retry.count());
                if (stop && stop->stop_requested()) throw;
                std::unique_lock lock(wake_m);
                wake_cv.wait_for(lock, options.store_retry);
            }
        }
        {
            std::lock_guard g(stats_m);
            stats.steps += batch.insert_steps.size();
            ++stats.commits;
            for (const auto& r : batch.update_runs)
                if (store::is_terminal(r.status) && !std::count(lost.begin(), lost.end(), r.id))
                    ++stats.runs_finished;
        }
        for (const auto& id : lost)
            if (auto it = by_id.find(id); it != by_id.end()) {
                // Another claim owns it now: forget everything this worker knew of it.
                spdlog::warn("run {}: lease lost; this worker's changes were not written", id);
                it->second->lost = true;
                it->second->stopped = true;
            }
        if (options.observer) {
            try {
                options.observer->committed(batch, lost);
            } catch (...) {
                // Metrics are not worth a worker's turn: what is committed stays committed.
            }
        }
    }

    // --- routing -----------------------------------------------------------------------------

    void route(ActiveRun& a, Next next) {
        switch (next) {
            case Next::stopped:
                break;
            case Next::admit:
                at_action.push_back(&a);
                break;
            case Next::call:
            case Next::reconcile:
                to_call.push_back(&a);
                break;
        }
    }

    // --- claims ------------------------------------------------------------------------------

    std::size_t claim(store::Batch& batch, const std::stop_token* stop) {
        std::int64_t now = now_ms();
        auto runs =
            store.claim_due(options.owner, now, options.batch_size, now + options.lease.count());
        std::vector<std::pair<std::string, std::string>> untouched;
        for (auto& r : runs) {
            if (stop && stop->stop_requested()) {
                // Stopping: what was claimed and not begun goes back as it was.
                untouched.emplace_back(r.id, r.lease);
                continue;
            }
            ActiveRun& a = held.emplace_back();
            a.run = std::move(r);
            a.order = ++claims;
            by_id[a.run.id] = &a;
            try {
                a.wf = workflows.load(a.run.workflow_version_id);
            } catch (const std::exception& e) {
                a.run.status = RunStatus::paused;
                a.run.due_at.reset();
                a.run.reason = std::string("cannot load its workflow version: ") + e.what();
                a.run.updated_at = now;
                a.run.context_text = a.run.context->dump();
                batch.update_runs.push_back(a.run);
                a.stopped = true;
                continue;
            }
            interpreter.load(a);
            route(a, interpreter.advance(a, batch));
        }
        store.release_leases(untouched);
        return runs.size();
    }

    // --- admission, the door, dispatch ------------------------------------------------------

    // Two limits on calls (DESIGN invariant 2). A call that is not safe to repeat may be in
    // doubt after a crash: it holds one of `concurrency` slots from its started commit until its
    // outcome is taken back, so a killed worker leaves at most that many in doubt. A call safe
    // to repeat (and a reconciliation, a lookup) is never in doubt: it is bounded only by the
    // claim size, so that fast harmless steps share their commits. In lockstep (a virtual
    // clock), a whole claim's worth of either, awaited together.
    struct Room {
        std::size_t any = 0;       // calls of any kind that may start now
        std::size_t doubtful = 0;  // of which not safe to repeat
    };
    std::size_t unrepeatable_out = 0;  // dispatched calls holding a doubt slot

    bool takes_doubt_slot(const ActiveRun& a) const {
        if (a.reconciling) return false;
        const model::Step& step = *a.node().step;
        const model::ActionSpec* spec = host.find_action(step.plugin, step.action);
        return !(spec && spec->safe_to_repeat);
    }

    Room room() const {
        auto cap = [](int n) { return static_cast<std::size_t>(std::max(1, n)); };
        std::size_t doubt_cap =
            options.lockstep ? kLockstepGroups * cap(options.batch_size) : cap(options.concurrency);
        std::size_t any_cap = std::max(doubt_cap, cap(options.batch_size));
        std::size_t out = dispatcher.outstanding() + arrived.size() + to_call.size();
        std::size_t doubt = unrepeatable_out;
        for (const ActiveRun* a : to_call) doubt += takes_doubt_slot(*a) ? 1 : 0;
        Room r;
        r.any = any_cap > out ? any_cap - out : 0;
        r.doubtful = std::min(r.any, doubt_cap > doubt ? doubt_cap - doubt : 0);
        return r;
    }

    // Whether a run waiting at an action could be admitted now.
    bool can_admit() const {
        Room r = room();
        if (r.any == 0) return false;
        if (r.doubtful > 0) return !at_action.empty();
        return std::any_of(at_action.begin(), at_action.end(),
                           [&](const ActiveRun* a) { return !takes_doubt_slot(*a); });
    }

    // Whether every run waiting at an action fits in the room: then claiming more feeds calls
    // that can start now, not a queue.
    bool room_for_more() const {
        Room r = room();
        if (at_action.size() > r.any) return false;
        std::size_t doubtful = 0;
        for (const ActiveRun* a : at_action) doubtful += takes_doubt_slot(*a) ? 1 : 0;
        return doubtful <= r.doubtful && r.any > 0;
    }

    // Admits the runs waiting at an action, as many as the room allows, in order; a call not
    // safe to repeat that finds no doubt slot keeps its place for the next turn.
    void admit(store::Batch& batch) {
        Room r = room();
        if (r.any == 0 || at_action.empty()) return;
        std::vector<ActiveRun*> group;
        std::deque<ActiveRun*> later;
        for (ActiveRun* a : at_action) {
            if (r.any == 0) {
                later.push_back(a);
                continue;
            }
            if (!a->stopped && takes_doubt_slot(*a)) {
                if (r.doubtful == 0) {
                    later.push_back(a);
                    continue;
                }
                --r.doubtful;
            }
            --r.any;
            group.push_back(a);
        }
        at_action.swap(later);
        if (group.empty()) return;
        senders.new_round();
        facts.refresh(group);
        TimePoint now = clock.now();
        for (ActiveRun* a : group) {
            if (a->stopped) continue;
            Admission ad = gates.admit(*a, now);
            if (!ad.verdict.allowed()) {
                interpreter.hold(*a, batch, ad.verdict);
                continue;
            }
            a->probing = probe_key(*a, ad.sender ? ad.sender->account->id : std::string{}, now);
            route(*a, interpreter.start(*a, batch, ad.sender ? &*ad.sender : nullptr));
        }
    }

    // When the call goes out under an account whose pause is due for a probe, it is the probe:
    // the pause moves on so that the other sends keep waiting for its answer.
    std::string probe_key(const ActiveRun& a, const std::string& sender, TimePoint now) {
        for (const auto& key : account_keys(a.node().step->plugin, sender)) {
            const store::AccountPause* p = facts.pause_of(key);
            if (!p) continue;
            store::AccountPause next = *p;
            std::int64_t waited = to_unix_ms(now) - p->since;
            next.probe_at = to_unix_ms(now) +
                            std::clamp<std::int64_t>(waited, options.account_probe_after.count(),
                                                     kMaxAccountProbe.count());
            store.put_account_pause(next);
            facts.note_pause(next);
            return key;
        }
        return {};
    }

    // The door: right before the calls leave, on facts read now, after their started rows are
    // durable. Then the calls go.
    void dispatch(const std::stop_token* stop) {
        if (to_call.empty()) return;
        std::vector<ActiveRun*> calls;
        calls.swap(to_call);
        calls.erase(
            std::remove_if(calls.begin(), calls.end(), [](ActiveRun* a) { return a->lost; }),
            calls.end());
        if (options.before_send_check) options.before_send_check();
        // A run whose lease went to another worker (this one stalled past it) is not called for:
        // the new owner finds its effect pending and reconciles it.
        std::vector<std::pair<std::string, std::string>> leases;
        for (ActiveRun* a : calls) leases.emplace_back(a->run.id, a->run.lease);
        for (const auto& id : store.lost_leases(leases))
            if (auto it = by_id.find(id); it != by_id.end()) {
                spdlog::warn("run {}: lease lost before its call left; not called", id);
                it->second->lost = true;
                it->second->stopped = true;
            }
        std::vector<ActiveRun*> actions;
        for (ActiveRun* a : calls)
            if (!a->reconciling && !a->lost) actions.push_back(a);
        // The door: read the facts, withdraw what they forbid, and read again until a read
        // withdraws nothing, so that the calls leave right after a read that let them through,
        // never after the commit (an fsync) of other runs' withdrawals (DESIGN invariant 8).
        std::int64_t read_at = 0;  // when the read that let the calls through began
        while (!actions.empty()) {
            read_at = now_ms();
            facts.refresh(actions);
            TimePoint now = clock.now();
            store::Batch batch;
            for (ActiveRun* a : actions)
                if (Verdict v = gates.door(*a, now); !v.allowed())
                    interpreter.withdraw(*a, batch, v);
            if (batch.empty()) break;
            commit(batch, stop);
            std::erase_if(actions, [](ActiveRun* a) { return a->stopped; });
        }
        // The audit trail of invariant 8: a message that went out began its last read of the
        // facts (replies, suppressions, run status) at this time, so any stop committed before
        // it was seen. (Its arrival at the provider is later by the call's own transit.)
        if (!actions.empty() && spdlog::should_log(spdlog::level::debug)) {
            std::string ids;
            for (const ActiveRun* a : actions) ids += " " + a->request.message_id;
            spdlog::debug("door: facts read at {} let through:{}", read_at, ids);
        }
        std::size_t sent = 0;
        std::vector<Dispatcher::Job> jobs;
        std::vector<ActiveRun*> harmless;  // invocations safe to repeat
        GroupOut group{++next_group, 0};
        for (ActiveRun* a : calls) {
            if (a->stopped || a->lost) continue;
            a->group = group.id;
            ++group.left;
            a->result = std::make_shared<CallResult>();
            a->holds_doubt_slot = takes_doubt_slot(*a);
            unrepeatable_out += a->holds_doubt_slot ? 1 : 0;
            if (!a->reconciling) ++sent;
            if (!a->reconciling && !a->holds_doubt_slot && a->plugin) {
                harmless.push_back(a);
                continue;
            }
            jobs.push_back({{a},
                            [plugin = a->plugin, request = a->request, reconciling = a->reconciling,
                             result = a->result, observer = options.observer] {
                                if (reconciling) {
                                    try {
                                        if (plugin) result->reconciled = plugin->reconcile(request);
                                    } catch (...) {
                                        // cannot tell: the run pauses for a human
                                    }
                                    return;
                                }
                                if (!observer) {
                                    result->outcome = invoke_guarded(*plugin, request);
                                    return;
                                }
                                auto start = std::chrono::steady_clock::now();
                                result->outcome = invoke_guarded(*plugin, request);
                                report_call(observer, *plugin, request, result->outcome->status,
                                            std::chrono::steady_clock::now() - start);
                            }});
        }
        // Calls safe to repeat go out in as many groups as there are threads, each made in
        // turn by one thread and handed to its plugin once (invoke_each): their outcomes come
        // back together and share one commit, instead of one turn, one commit and one handoff
        // each when calls are quick.
        std::size_t groups =
            std::min(harmless.size(), static_cast<std::size_t>(std::max(1, options.concurrency)));
        for (std::size_t g = 0; g < groups; ++g) {
            Dispatcher::Job job;
            std::vector<
                std::tuple<host::LoadedPlugin*, host::ActionRequest, std::shared_ptr<CallResult>>>
                group;
            for (std::size_t i = g; i < harmless.size(); i += groups) {
                ActiveRun* a = harmless[i];
                job.runs.push_back(a);
                group.emplace_back(a->plugin, a->request, a->result);
            }
            job.call = [group = std::move(group), observer = options.observer] {
                // Consecutive calls to one plugin cross to it together.
                for (std::size_t i = 0; i < group.size();) {
                    host::LoadedPlugin* plugin = std::get<0>(group[i]);
                    std::size_t j = i;
                    std::vector<host::ActionRequest> requests;
                    while (j < group.size() && std::get<0>(group[j]) == plugin)
                        requests.push_back(std::get<1>(group[j++]));
                    std::vector<host::ActionOutcome> outcomes;
                    auto start = observer ? std::chrono::steady_clock::now()
                                          : std::chrono::steady_clock::time_point{};
                    try {
                        outcomes = plugin->invoke_each(requests);
                    } catch (const std::exception& e) {
                        outcomes.assign(
                            requests.size(),
                            host::ActionOutcome{host::ActionOutcome::Status::retryable, nullptr,
                                                std::string("host error: ") + e.what(), Millis{0}});
                    }
                    for (std::size_t k = 0; k < outcomes.size() && i + k < j; ++k)
                        std::get<2>(group[i + k])->outcome = std::move(outcomes[k]);
                    if (observer) {
                        // One crossing for all: each call is given its share of the time.
                        auto each = (std::chrono::steady_clock::now() - start) /
                                    static_cast<long>(std::max<std::size_t>(1, j - i));
                        for (std::size_t k = i; k < j; ++k)
                            if (const auto& out = std::get<2>(group[k])->outcome)
                                report_call(observer, *plugin, std::get<1>(group[k]), out->status,
                                            each);
                    }
                    i = j;
                }
            };
            jobs.push_back(std::move(job));
        }
        dispatcher.dispatch(std::move(jobs));
        if (options.lockstep && group.left > 0) groups_out.push_back(group);
        std::lock_guard g(stats_m);
        stats.actions += sent;
    }

    // --- completions -------------------------------------------------------------------------

    void complete(ActiveRun& a, store::Batch& batch) {
        if (a.holds_doubt_slot) --unrepeatable_out;
        a.holds_doubt_slot = false;
        std::shared_ptr<CallResult> result = std::move(a.result);
        if (a.lost) {
            a.stopped = true;
            return;
        }
        if (a.reconciling) {
            a.reconciled = std::move(result->reconciled);
        } else {
            a.outcome = std::move(result->outcome);
            if (!a.outcome)
                a.outcome = host::ActionOutcome{host::ActionOutcome::Status::in_doubt, nullptr,
                                                "the call returned nothing", Millis{0}};
            if (!a.probing.empty() && a.outcome->status == host::ActionOutcome::Status::ok) {
                // The probe went through: the account is fixed, its sends resume.
                store.delete_account_pause(a.probing);
                facts.forget_pause(a.probing);
            }
            a.probing.clear();
        }
        route(a, interpreter.complete(a, batch));
        if (auto refusal = interpreter.take_account_refusal()) pause_account(*refusal);
    }

    void pause_account(const Interpreter::AccountRefusal& refusal) {
        std::int64_t now = now_ms();
        store::AccountPause p;
        p.key = refusal.key;
        p.reason = refusal.reason;
        p.since = now;
        if (const store::AccountPause* before = facts.pause_of(refusal.key))
            p.since = before->since;
        std::int64_t waited = now - p.since;
        p.probe_at = now + std::clamp<std::int64_t>(waited, options.account_probe_after.count(),
                                                    kMaxAccountProbe.count());
        spdlog::warn("account {} refused by the provider: {}; its sends wait (next try at {})",
                     p.key, p.reason, format_short(p.probe_at));
        store.put_account_pause(p);
        facts.note_pause(p);
    }

    // --- the loop ----------------------------------------------------------------------------

    void renew_leases() {
        std::int64_t now = now_ms();
        if (now - last_renewal < options.lease.count() / 3) return;
        last_renewal = now;
        std::vector<std::pair<std::string, std::string>> leases;
        for (const auto& a : held)
            if (!a.stopped && !a.lost) leases.emplace_back(a.run.id, a.run.lease);
        for (const auto& id : store.renew_leases(leases, now + options.lease.count()))
            if (auto it = by_id.find(id); it != by_id.end()) {
                spdlog::warn("run {}: lease lost while held", id);
                it->second->lost = true;
            }
    }

    // Forgets the runs whose claim ended (their state is committed, nothing is in flight).
    // A run whose call was dispatched holds its result until complete() takes it back, so the
    // dispatcher never hands back a run that is gone (and no search of the calls in flight).
    void retire() {
        held.remove_if([&](const ActiveRun& a) {
            bool done = a.stopped && !a.result;
            if (done) by_id.erase(a.run.id);
            return done;
        });
    }

    // One turn: completions, claims, admissions, one commit, the door, dispatch. Returns the
    // number of runs claimed. `wait_until`: how long to block for completions when there is
    // nothing else to do (steady clock); none = do not block.
    std::size_t turn(std::optional<std::chrono::steady_clock::time_point> wait_until,
                     const std::stop_token* stop, bool allow_claims) {
        store::Batch batch;
        bool lockstep = options.lockstep;
        bool block =
            wait_until.has_value() && dispatcher.in_flight() > 0 && (lockstep || !can_admit());
        std::vector<ActiveRun*> done;
        if (lockstep) {
            // The oldest group whole, when two are out or nothing else can go on meanwhile.
            if (!groups_out.empty() && wait_until.has_value() &&
                (groups_out.size() >= kLockstepGroups || nothing_to_overlap))
                done = oldest_group();
        } else {
            done = dispatcher.wait(wait_until.value_or(std::chrono::steady_clock::now()), block);
        }
        for (ActiveRun* a : done) complete(*a, batch);
        std::size_t claimed = 0;
        bool stopping = stop && stop->stop_requested();
        // Claim while calls can be made: a run claimed now is advanced at once, and waits for
        // a slot only if it reached an action.
        if (allow_claims && !stopping && room_for_more() &&
            (!lockstep || (groups_out.size() < kLockstepGroups && at_action.empty())))
            claimed = claim(batch, stop);
        if (!stopping) admit(batch);
        commit(batch, stop);
        std::size_t groups_before = groups_out.size();
        dispatch(stop);
        nothing_to_overlap = groups_out.size() == groups_before;
        renew_leases();
        retire();
        return claimed;
    }

    // Lockstep: waits until every call of the oldest group is back, and returns its runs in
    // claim order, whatever order they came back in.
    std::vector<ActiveRun*> oldest_group() {
        while (groups_out.front().left > 0) {
            for (ActiveRun* a :
                 dispatcher.wait(std::chrono::steady_clock::now() + Millis{100}, true)) {
                for (auto& g : groups_out)
                    if (g.id == a->group) --g.left;
                arrived.push_back(a);
            }
        }
        std::uint64_t id = groups_out.front().id;
        groups_out.pop_front();
        std::vector<ActiveRun*> done;
        std::erase_if(arrived, [&](ActiveRun* a) {
            if (a->group != id) return false;
            done.push_back(a);
            return true;
        });
        std::sort(done.begin(), done.end(),
                  [](const ActiveRun* x, const ActiveRun* y) { return x->order < y->order; });
        return done;
    }

    // On a stop request: the runs waiting at an action go back, due now, untouched; the calls
    // in flight get until the drain timeout to come back, and their outcomes are committed.
    void drain(const std::stop_token* stop) {
        store::Batch batch;
        for (ActiveRun* a : at_action)
            if (!a->stopped)
                interpreter.stop(*a, batch, RunStatus::waiting, now_ms(),
                                 "the worker stopped before this step; due again now");
        at_action.clear();
        commit(batch, stop);
        auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;
        while (dispatcher.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
            store::Batch done_batch;
            for (ActiveRun* a : dispatcher.wait(deadline, true)) {
                complete(*a, done_batch);
                // No new call after a stop: whatever the run reached next waits for the next
                // worker, due now.
                for (ActiveRun* x : at_action)
                    if (!x->stopped)
                        interpreter.stop(*x, done_batch, RunStatus::waiting, now_ms(),
                                         "the worker stopped before this step; due again now");
                at_action.clear();
            }
            commit(done_batch, stop);
            // Calls a completion led to (a reconciliation) are not made: the run's effect stays
            // pending, and the next worker reconciles it.
            to_call.clear();
        }
        retire();
        std::vector<std::pair<std::string, std::string>> leases;
        for (const auto& a : held)
            if (!a.lost && !a.stopped) leases.emplace_back(a.run.id, a.run.lease);
        // What is still in flight stays started: the next worker finds it pending. Its lease
        // goes so that it does not wait for the lease to expire.
        store.release_leases(leases);
        if (dispatcher.in_flight() > 0)
            spdlog::warn(
                "worker: {} call(s) still in flight after {} ms; left pending for the "
                "next worker to reconcile",
                dispatcher.in_flight(), options.drain_timeout.count());
    }
};

Executor::Executor(store::Store& store, host::PluginHost& host, const Clock& clock,
                   ExecutorOptions options)
    : impl_(std::make_unique<Impl>(store, host, clock, std::move(options))) {}

Executor::~Executor() = default;

std::size_t Executor::run_due() {
    std::size_t total = 0;
    for (;;) {
        auto wait = std::chrono::steady_clock::now() + std::chrono::hours(1);
        std::size_t n = impl_->turn(wait, nullptr, true);
        total += n;
        if (n == 0 && impl_->held.empty()) return total;
    }
}

void Executor::run_forever(std::stop_token stop) {
    std::stop_callback on_stop(stop, [this] { notify(); });
    while (!stop.stop_requested()) {
        try {
            bool busy = !impl_->held.empty();
            std::size_t claimed = 0;
            if (busy) {
                // Calls in flight: wait for completions, no longer than the next due time.
                claimed = impl_->turn(std::chrono::steady_clock::now() + Millis{50}, &stop, true);
            } else {
                claimed = impl_->turn(std::nullopt, &stop, true);
            }
            if (claimed > 0 || !impl_->held.empty()) continue;
        } catch (const std::exception& e) {
            // A store error (locked too long, I/O): keep the worker alive, try again.
            spdlog::error("worker: {}", e.what());
        }
        std::unique_lock lock(impl_->wake_m);
        if (impl_->woken || stop.stop_requested()) {
            impl_->woken = false;
            continue;
        }
        TimePoint deadline = impl_->clock.now() + impl_->options.idle_poll;
        if (auto next = impl_->store.next_due()) deadline = std::min(deadline, from_unix_ms(*next));
        impl_->clock.wait_until(lock, impl_->wake_cv, deadline);
        impl_->woken = false;
    }
    try {
        impl_->drain(&stop);
    } catch (const std::exception& e) {
        spdlog::error("worker: while stopping: {}", e.what());
    }
}

void Executor::notify() {
    {
        std::lock_guard g(impl_->wake_m);
        impl_->woken = true;
    }
    impl_->wake_cv.notify_all();
    impl_->dispatcher.wake();
}

ExecutorStats Executor::stats() const {
    std::lock_guard g(impl_->stats_m);
    return impl_->stats;
}

std::size_t Executor::abandoned_calls() const {
    return impl_->dispatcher.in_flight();
}

}  // namespace relance::runtime
