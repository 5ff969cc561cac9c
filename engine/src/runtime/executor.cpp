#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <relance/base/digest.hpp>
#include <relance/contacts/identity.hpp>
#include <relance/contacts/suppression.hpp>
#include <relance/expr/lua_sandbox.hpp>
#include <relance/expr/template.hpp>
#include <relance/policy/circuit_breaker.hpp>
#include <relance/policy/retry.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/runtime/time_text.hpp>
#include <thread>

#include "schema_check.hpp"
#include "sender_desk.hpp"
#include "thread_pool.hpp"
#include "timeline_text.hpp"
#include "workflow_cache.hpp"

namespace relance::runtime {

using json = nlohmann::json;
using host::ActionOutcome;
using store::RunStatus;

namespace {

// One claimed run while this worker holds it.
struct Active {
    store::Run run;
    const CompiledWorkflow* wf = nullptr;
    json scope;            // context + "contact" (the inputs) + "run"
    bool stopped = false;  // nothing more to do in this claim
    bool calling = false;  // an action was committed as started and must be called now
    host::LoadedPlugin* plugin = nullptr;
    host::ActionRequest request;
    std::optional<ActionOutcome> outcome;
    int steps = 0;          // steps executed in this claim (loop guard)
    std::string last_note;  // the latest timeline line: why a waiting run waits
};

std::string generate_owner() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> d;
    char buf[32];
    std::snprintf(buf, sizeof buf, "w_%08x", d(rd));
    return buf;
}

}  // namespace

struct Executor::Impl {
    store::Store& store;
    host::PluginHost& host;
    const Clock& clock;
    ExecutorOptions options;
    WorkflowCache workflows;
    SchemaChecker schemas;
    expr::LuaSandbox lua;
    ThreadPool pool;
    policy::BreakerBoard breakers;
    contacts::SuppressionList suppressions;
    std::int64_t suppression_generation = -1;
    SenderDesk senders;
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
          workflows(s),
          pool(std::max(1, options.concurrency)),
          breakers(options.breaker_threshold, options.breaker_open_for),
          senders(s, options.config) {
        if (options.owner.empty()) options.owner = generate_owner();
    }

    std::int64_t now_ms() const { return to_unix_ms(clock.now()); }

    // --- timeline -----------------------------------------------------------------------

    std::int64_t record(Active& a, store::Batch& batch, const model::Step& step,
                        const std::string& kind, const std::string& status, std::string detail,
                        json output = nullptr, bool finished = true) {
        store::StepRecord r;
        r.run_id = a.run.id;
        r.seq = a.run.next_seq++;
        r.step_id = step.id;
        r.kind = kind;
        r.status = status;
        r.attempt = a.run.attempt;
        r.started_at = now_ms();
        if (finished) r.finished_at = r.started_at;
        r.message_id = step.kind == model::StepKind::action ? a.run.message_id : "";
        r.detail = std::move(detail);
        r.output = std::move(output);
        a.last_note = r.step_id + " (" + r.status + ")" + (r.detail.empty() ? "" : ": " + r.detail);
        batch.insert_steps.push_back(std::move(r));
        return batch.insert_steps.back().seq;
    }

    // A send that was counted against its sender account (store::Send) but did not go out no
    // longer counts. Harmless for steps that sent from no account.
    void release_send(Active& a, store::Batch& batch, std::int64_t seq) {
        batch.delete_sends.emplace_back(a.run.id, seq);
        senders.release(a.run.id, seq);
    }

    void update_inflight(Active& a, store::Batch& batch, const std::string& status,
                         std::string detail, json output = nullptr) {
        // Only these may have reached the person; every other end of a call frees its slot.
        if (status != "succeeded" && status != "reconciled" && status != "in_doubt")
            release_send(a, batch, *a.run.inflight_seq);
        store::StepRecord r;
        r.run_id = a.run.id;
        r.seq = *a.run.inflight_seq;
        r.status = status;
        r.finished_at = now_ms();
        r.detail = std::move(detail);
        r.output = std::move(output);
        a.last_note =
            node_of(a).step->id + " (" + r.status + ")" + (r.detail.empty() ? "" : ": " + r.detail);
        batch.update_steps.push_back(std::move(r));
        a.run.inflight_seq.reset();
    }

    // --- run state ------------------------------------------------------------------------

    // The run's context moves into the scope for the claim; save_scope writes it back as text.
    void load_scope(Active& a) {
        a.scope = a.run.context.is_object() ? std::move(a.run.context) : json::object();
        a.run.context = nullptr;
        for (const char* k : {"inputs", "steps", "vars", "senders"})
            if (!a.scope.contains(k)) a.scope[k] = json::object();
        a.scope["contact"] = a.scope["inputs"];
        a.scope["run"] = {{"id", a.run.id},
                          {"workflow", a.wf->workflow.name},
                          {"version", a.wf->workflow.version}};
        if (a.wf->uses_history) a.scope["history"] = history_of(a.run);
    }

    // What the contact did after each message of this run, for conditions such as
    // `history.intro.opened and history.intro.opened.first_after_hours <= 48`:
    // history.<step>.<event type> = {count, first_after_hours}. An event counts for the step
    // whose message it names, else for the run's last step sent before it.
    json history_of(const store::Run& run) {
        json history = json::object();
        if (run.contact_key.empty()) return history;
        struct Sent {
            std::string step, message_id;
            std::int64_t at;
        };
        std::vector<Sent> sent;
        for (const auto& s : store.list_steps(run.id))
            if ((s.status == "succeeded" || s.status == "reconciled") && !s.message_id.empty())
                sent.push_back({s.step_id, s.message_id, s.finished_at.value_or(s.started_at)});
        if (sent.empty()) return history;
        for (const auto& e : store.events_for({run.contact_key}, run.created_at)) {
            const Sent* to = nullptr;
            for (const auto& m : sent) {
                if (!e.message_id.empty() ? m.message_id == e.message_id : m.at <= e.occurred_at)
                    to = &m;
            }
            if (!to) continue;
            json& h = history[to->step][e.type];
            double hours = static_cast<double>(e.occurred_at - to->at) / 3'600'000.0;
            if (!h.is_object()) h = {{"count", 0}, {"first_after_hours", hours}};
            h["count"] = h["count"].get<int>() + 1;
            h["first_after_hours"] = std::min(h["first_after_hours"].get<double>(), hours);
        }
        return history;
    }

    // Serialises the persistent part of the scope without copying it (moves out and back).
    void save_scope(Active& a) {
        // senders: channel -> the account this run sends from (a lead keeps its sender)
        static constexpr const char* kPersistent[] = {"inputs", "steps", "vars", "senders"};
        json context = json::object();
        for (const char* k : kPersistent) context[k] = std::move(a.scope[k]);
        a.run.context_text = context.dump();
        for (const char* k : kPersistent) a.scope[k] = std::move(context[k]);
    }

    // Ends this claim for the run: the state goes to the batch and the lease is released.
    void stop(Active& a, store::Batch& batch, RunStatus status, std::optional<std::int64_t> due,
              std::string reason = {}) {
        a.run.status = status;
        a.run.due_at = due;
        // A waiting run says why it waits (`runs list`): the timeline line that made it wait.
        if (reason.empty() && status == RunStatus::waiting) reason = a.last_note;
        a.run.reason = std::move(reason);
        a.run.updated_at = now_ms();
        save_scope(a);
        batch.update_runs.push_back(a.run);
        a.stopped = true;
        if (store::is_terminal(status)) {
            std::lock_guard g(stats_m);
            ++stats.runs_finished;
        }
    }

    void go_to(Active& a, int node) {
        a.run.node = node;
        a.run.attempt = 1;
        a.run.message_id.clear();
    }

    const model::Node& node_of(const Active& a) const {
        return a.wf->program.nodes.at(static_cast<std::size_t>(a.run.node));
    }

    // A step failed for good (permanent error, retries exhausted, bad input): on_error decides.
    void fail_step(Active& a, store::Batch& batch, const std::string& error,
                   std::optional<std::int64_t> failed_seq = std::nullopt) {
        const model::Node& node = node_of(a);
        const model::Step& step = *node.step;
        std::string kind = step_kind_label(step);
        auto mark = [&](const std::string& detail) {
            if (failed_seq) {
                release_send(a, batch, *failed_seq);
                store::StepRecord r;
                r.run_id = a.run.id;
                r.seq = *failed_seq;
                r.status = "failed";
                r.finished_at = now_ms();
                r.detail = detail;
                batch.update_steps.push_back(std::move(r));
            } else {
                record(a, batch, step, kind, "failed", detail);
            }
        };
        a.scope["steps"][step.id] = {{"status", "failed"}, {"error", error}};
        switch (step.on_error.kind) {
            case model::OnError::Kind::fail:
                mark(error);
                stop(a, batch, RunStatus::failed, std::nullopt,
                     "step " + step.id + " failed: " + error);
                return;
            case model::OnError::Kind::continue_:
                mark(error + "; on_error: continue");
                go_to(a, node.next);
                return;
            case model::OnError::Kind::go_to:
                mark(error + "; on_error: go to " + step.on_error.target);
                go_to(a, node.on_error);
                return;
        }
    }

    // Exponential backoff with jitter, never shorter than the provider's Retry-After. The jitter
    // is drawn from the message id: a replay computes the same delay.
    Millis backoff_for(const model::RetryPolicy& p, int attempt, Millis retry_after,
                       const std::string& message_id) const {
        return policy::backoff(attempt, p.backoff, p.factor, p.max_backoff, retry_after, p.jitter,
                               stable_hash(message_id));
    }

    // Applies the outcome of the action at the current node.
    void apply_outcome(Active& a, store::Batch& batch) {
        ActionOutcome out = std::move(*a.outcome);
        a.outcome.reset();
        const model::Node& node = node_of(a);
        const model::Step& step = *node.step;
        const auto& policy = step.retry;
        std::int64_t now = now_ms();
        // The provider's health: answers that reached it (even a refusal) close the breaker;
        // transport and server failures count against it; a rate limit is neither.
        switch (out.status) {
            case ActionOutcome::Status::ok:
            case ActionOutcome::Status::permanent:
                breakers.on_success(step.plugin, clock.now());
                break;
            case ActionOutcome::Status::retryable:
            case ActionOutcome::Status::in_doubt:
                breakers.on_failure(step.plugin, clock.now());
                break;
            case ActionOutcome::Status::rate_limited:
                break;
        }
        switch (out.status) {
            case ActionOutcome::Status::ok: {
                json& state = a.scope["steps"][step.id];
                std::string variant = state.is_object() ? state.value("variant", "") : "";
                std::string sender = state.is_object() ? state.value("sender", "") : "";
                std::string detail = variant.empty() ? "" : "variant " + variant;
                if (!sender.empty()) detail += (detail.empty() ? "from " : ", from ") + sender;
                update_inflight(a, batch, "succeeded", detail, out.output);
                state = {{"status", "succeeded"}, {"output", out.output}};
                if (!variant.empty()) state["variant"] = variant;
                if (!sender.empty()) state["sender"] = sender;
                go_to(a, node.next);
                return;
            }
            case ActionOutcome::Status::rate_limited: {
                Millis wait = out.retry_after > Millis{0} ? out.retry_after : Millis{60'000};
                std::int64_t due = now + wait.count();
                update_inflight(a, batch, "rate_limited",
                                "rate limited: " + out.error + "; retrying at " +
                                    format_short(due) + " (not counted as an attempt)");
                stop(a, batch, RunStatus::waiting, due);
                return;
            }
            case ActionOutcome::Status::retryable:
                if (a.run.attempt < policy.attempts) {
                    Millis wait =
                        backoff_for(policy, a.run.attempt, out.retry_after, a.run.message_id);
                    std::int64_t due = now + wait.count();
                    update_inflight(a, batch, "retry",
                                    "attempt " + std::to_string(a.run.attempt) + " of " +
                                        std::to_string(policy.attempts) + " failed: " + out.error +
                                        "; retrying at " + format_short(due));
                    ++a.run.attempt;
                    stop(a, batch, RunStatus::waiting, due);
                    return;
                }
                {
                    auto seq = a.run.inflight_seq;
                    a.run.inflight_seq.reset();
                    std::string what = policy.attempts > 1
                                           ? "failed after " + std::to_string(a.run.attempt) +
                                                 " attempts: " + out.error
                                           : out.error;
                    fail_step(a, batch, what, seq);
                }
                return;
            case ActionOutcome::Status::permanent: {
                auto seq = a.run.inflight_seq;
                a.run.inflight_seq.reset();
                fail_step(a, batch, out.error, seq);
                return;
            }
            case ActionOutcome::Status::in_doubt:
                if (const auto* spec = host.find_action(step.plugin, step.action);
                    spec && spec->safe_to_repeat) {
                    // Repeating it is harmless: handle it like a temporary failure.
                    out.status = ActionOutcome::Status::retryable;
                    a.outcome = std::move(out);
                    apply_outcome(a, batch);
                    return;
                }
                reconcile_inflight(
                    a, batch,
                    "the plugin could not tell whether it took effect (" + out.error + ")",
                    a.request.started_at_ms);
                return;
        }
    }

    void pause_in_doubt(Active& a, store::Batch& batch, const std::string& why) {
        const model::Step& step = *node_of(a).step;
        std::string reason = "in doubt: step " + step.id + " (" + step.plugin + "." + step.action +
                             ", message " + a.run.message_id + "): " + why +
                             ". It was not repeated, to never send twice. Settle it with "
                             "`relance runs resolve " +
                             a.run.id + " --as sent|retry`.";
        update_inflight(a, batch, "in_doubt", why);
        stop(a, batch, RunStatus::paused, std::nullopt, reason);
    }

    host::ActionRequest request_for(const Active& a, const json& input) const {
        host::ActionRequest r;
        r.action = node_of(a).step->action;
        r.input = input;
        r.message_id = a.run.message_id;
        r.run_id = a.run.id;
        r.attempt = static_cast<unsigned>(a.run.attempt);
        return r;
    }

    // A run claimed with a started action and no outcome: the worker died mid-call, or an
    // earlier reconciliation asked to look again later. Invariant 2: repeat only what is safe
    // to repeat; otherwise reconcile or pause. Returns true when the run may go on advancing.
    bool recover(Active& a, store::Batch& batch) {
        const model::Step& step = *node_of(a).step;
        const model::ActionSpec* spec = host.find_action(step.plugin, step.action);
        if (spec && spec->safe_to_repeat) {
            update_inflight(a, batch, "abandoned",
                            "the worker stopped before the outcome was recorded; the action is "
                            "safe to repeat, so it runs again");
            return true;
        }
        std::int64_t started_at = 0;
        bool asked_before = false;  // an earlier reconciliation answered "pending"
        for (const auto& r : store.list_steps(a.run.id)) {  // rare path: crash or pending
            if (r.seq == *a.run.inflight_seq) started_at = r.started_at;
            if (r.seq > *a.run.inflight_seq && r.status == "reconciling") asked_before = true;
        }
        return reconcile_inflight(a, batch,
                                  asked_before
                                      ? "asked again after the provider could not confirm it"
                                      : "the worker stopped before the outcome was recorded",
                                  started_at);
    }

    // Asks the plugin whether the in-flight call took effect, by its message id. Returns true
    // when the run may go on advancing: past the step (done) or into it again (not done).
    bool reconcile_inflight(Active& a, store::Batch& batch, const std::string& why,
                            std::int64_t started_at) {
        const model::Step& step = *node_of(a).step;
        host::LoadedPlugin* plugin = host.find(step.plugin);
        std::optional<host::ReconcileOutcome> rec;
        if (plugin) {
            host::ActionRequest request = request_for(a, json::object());
            request.started_at_ms = started_at;
            rec = plugin->reconcile(request);
        }
        using Outcome = host::ReconcileOutcome::Outcome;
        if (rec && rec->outcome == Outcome::done) {
            update_inflight(a, batch, "reconciled",
                            why + "; the provider confirms message " + a.run.message_id +
                                " was accepted, so it is not sent again",
                            rec->output);
            a.scope["steps"][step.id] = {{"status", "succeeded"}, {"output", rec->output}};
            go_to(a, node_of(a).next);
            return true;
        }
        if (rec && rec->outcome == Outcome::not_done) {
            update_inflight(a, batch, "abandoned",
                            why + "; the provider has no trace of message " + a.run.message_id +
                                ", so it is sent now");
            return true;
        }
        if (rec && rec->outcome == Outcome::pending) {
            // Keep the started record in flight: the next claim asks again.
            std::int64_t due = now_ms() + std::max<std::int64_t>(1000, rec->retry_after.count());
            record(a, batch, step, step.plugin + "." + step.action, "reconciling",
                   why + "; the provider cannot confirm message " + a.run.message_id +
                       " yet (it may still be indexing it); asking again at " + format_short(due));
            stop(a, batch, RunStatus::waiting, due);
            return false;
        }
        pause_in_doubt(a, batch, why + "; the provider could not confirm it");
        return false;
    }

    // Advances one run through built-in steps until it reaches an action (then a.calling) or
    // stops. Everything it does goes into `batch`.
    void advance(Active& a, store::Batch& batch) {
        if (a.outcome) apply_outcome(a, batch);
        if (a.stopped) return;
        if (a.run.inflight_seq && !recover(a, batch)) return;
        const auto& nodes = a.wf->program.nodes;
        while (!a.stopped) {
            if (a.run.node < 0 || a.run.node >= static_cast<int>(nodes.size())) {
                stop(a, batch, RunStatus::completed, std::nullopt, "completed");
                return;
            }
            if (++a.steps > options.max_steps_per_claim) {
                stop(a, batch, RunStatus::failed, std::nullopt,
                     "more than " + std::to_string(options.max_steps_per_claim) +
                         " steps without waiting: is there a goto loop?");
                return;
            }
            const model::Node& node = nodes[static_cast<std::size_t>(a.run.node)];
            const model::Step& step = *node.step;
            try {
                if (!step.when.empty() && !lua.eval_condition(step.when, a.scope)) {
                    record(a, batch, step, step_kind_label(step), "skipped",
                           "when: " + step.when + " is false");
                    a.scope["steps"][step.id] = {{"status", "skipped"}};
                    go_to(a, node.next);
                    continue;
                }
                if (execute(a, batch, node)) return;
            } catch (const std::exception& e) {
                fail_step(a, batch, e.what());
            }
        }
    }

    // Runs one step. Returns true when the run must leave the advance loop (action to call).
    bool execute(Active& a, store::Batch& batch, const model::Node& node) {
        const model::Step& step = *node.step;
        switch (step.kind) {
            case model::StepKind::set: {
                json values = expr::render_value(step.set, a.scope);
                for (auto& [k, v] : values.items()) a.scope["vars"][k] = v;
                record(a, batch, step, "set", "done", "", values);
                go_to(a, node.next);
                return false;
            }
            case model::StepKind::if_: {
                bool yes = lua.eval_condition(step.condition, a.scope);
                int target = yes ? node.then_first : node.else_first;
                record(a, batch, step, "if", "done",
                       std::string("condition ") + (yes ? "true: then" : "false: else") +
                           (target < 0 ? " (empty)" : ""));
                go_to(a, target >= 0 ? target : node.next);
                return false;
            }
            case model::StepKind::wait: {
                std::int64_t due = now_ms() + step.wait_for.count();
                std::string detail = "until " + format_short(due);
                if (step.wait_business_days > 0) {
                    // Counted from now in the contact's time zone: a run that was deferred
                    // earlier shifts every later step instead of catching up.
                    std::string how;
                    due = to_unix_ms(a.wf->schedule->add_business_days(
                        clock.now(), step.wait_business_days, a.scope["inputs"], &how,
                        run_sender_zone(a)));
                    detail = "until " + format_short(due) + "Z (" + how + ")";
                }
                record(a, batch, step, "wait", "waiting", detail);
                go_to(a, node.next);
                stop(a, batch, RunStatus::waiting, due);
                return true;
            }
            case model::StepKind::lua: {
                json out = lua.run_block(step.lua, a.scope);
                record(a, batch, step, "lua", "done", "", out);
                a.scope["steps"][step.id] = {{"status", "succeeded"}, {"output", out}};
                go_to(a, node.next);
                return false;
            }
            case model::StepKind::wait_for:
                return wait_for(a, batch, node);
            case model::StepKind::exit:
                record(a, batch, step, "exit", "done", step.exit_reason);
                stop(a, batch, RunStatus::exited, std::nullopt,
                     step.exit_reason.empty() ? "exit" : step.exit_reason);
                return true;
            case model::StepKind::action:
                return start_action(a, batch, node);
        }
        return false;
    }

    // The variant this run gets at this step: sticky steps reuse the name an earlier step gave
    // the run; otherwise a weighted draw from the run id and step id (the same on every attempt
    // and replay, so a retry never switches variant).
    const model::Step::Variant* choose_variant(const Active& a, const model::Node& node) const {
        const model::Step& step = *node.step;
        if (step.variants.empty()) return nullptr;
        if (step.sticky_variant) {
            const json& steps = a.scope["steps"];
            for (const auto& other : a.wf->program.nodes) {
                if (other.step == &step) break;
                auto it = steps.find(other.step->id);
                if (it == steps.end() || !it->is_object() || !it->contains("variant")) continue;
                std::string name = (*it)["variant"];
                for (const auto& v : step.variants)
                    if (v.name == name) return &v;
            }
        }
        double total = 0;
        for (const auto& v : step.variants) total += v.weight;
        std::uint64_t h = stable_hash(a.run.id + "/" + step.id);
        double x = static_cast<double>(h % 1'000'000) / 1'000'000.0 * total;
        for (const auto& v : step.variants) {
            if (x < v.weight) return &v;
            x -= v.weight;
        }
        return &step.variants.back();
    }

    // wait_for: the first visit starts waiting (until the timeout; an event for the contact
    // wakes the run early); later visits look for a matching event since the wait began.
    // Returns true when the run must leave the advance loop (it keeps waiting).
    bool wait_for(Active& a, store::Batch& batch, const model::Node& node) {
        const model::Step& step = *node.step;
        json& state = a.scope["steps"][step.id];
        std::int64_t now = now_ms();
        if (!state.is_object() || state.value("status", "") != "waiting") {
            std::int64_t deadline = now + step.timeout.count();
            state = {{"status", "waiting"}, {"since", now}, {"deadline", deadline}};
            std::string types;
            for (const auto& t : step.wait_events) types += (types.empty() ? "" : " or ") + t;
            record(a, batch, step, "wait_for", "waiting",
                   "for " + types + " until " + format_short(deadline) +
                       (a.run.contact_key.empty() ? " (no contact: only the timeout can end it)"
                                                  : ""));
            stop(a, batch, RunStatus::waiting, deadline);
            return true;
        }
        std::int64_t since = state.value("since", std::int64_t{0});
        std::int64_t deadline = state.value("deadline", now);
        if (!a.run.contact_key.empty())
            for (const auto& e : store.events_for({a.run.contact_key}, since))
                if (std::find(step.wait_events.begin(), step.wait_events.end(), e.type) !=
                    step.wait_events.end()) {
                    json event = {{"type", e.type},
                                  {"event_id", e.event_id},
                                  {"occurred_at", format_iso(e.occurred_at)},
                                  {"data", e.data}};
                    record(a, batch, step, "wait_for", "done",
                           e.type + " (event " + e.event_id + " at " + format_short(e.occurred_at) +
                               "Z): then",
                           event);
                    state = {{"status", "succeeded"}, {"output", event}};
                    go_to(a, node.then_first >= 0 ? node.then_first : node.next);
                    return false;
                }
        if (now < deadline) {  // woken for another event: keep waiting
            stop(a, batch, RunStatus::waiting, deadline, a.run.reason);
            return true;
        }
        record(a, batch, step, "wait_for", "done", "timed out: else");
        state = {{"status", "timed_out"}};
        go_to(a, node.else_first >= 0 ? node.else_first : node.next);
        return false;
    }

    // The zone of the account this run last sent from ("" when none): the last fallback of
    // the contact's time zone.
    std::string run_sender_zone(const Active& a) const {
        if (!options.config) return {};
        for (const auto& [channel, id] : a.scope["senders"].items())
            if (const auto* account = options.config->find_sender(id.get<std::string>()))
                if (!account->timezone.empty()) return account->timezone;
        return {};
    }

    // Ends the claim with the step deferred to `due`, saying why in the timeline.
    bool defer(Active& a, store::Batch& batch, const model::Step& step, std::int64_t due,
               std::string why) {
        record(a, batch, step, step.plugin + "." + step.action, "deferred", std::move(why));
        stop(a, batch, RunStatus::waiting, due);
        return true;
    }

    bool start_action(Active& a, store::Batch& batch, const model::Node& node) {
        const model::Step& step = *node.step;
        std::string kind = step.plugin + "." + step.action;
        host::LoadedPlugin* plugin = host.find(step.plugin);
        const model::ActionSpec* spec = host.find_action(step.plugin, step.action);
        if (!plugin || !spec) {
            // Not the run's fault: wait for the plugin to come back rather than fail.
            std::int64_t due = now_ms() + 5 * 60 * 1000;
            return defer(a, batch, step, due,
                         "plugin " + step.plugin +
                             (plugin ? " has no action " + step.action : " is not loaded") +
                             "; trying again at " + format_short(due));
        }
        // The sender account, first: its zone is the window's last fallback.
        std::optional<SenderDesk::Choice> sender;
        const auto& names = step.senders ? *step.senders : a.wf->workflow.senders;
        if (!spec->channel.empty() && !names.empty()) {
            // A contact who replied or is suppressed is stopped here already, before the send
            // takes a slot of an account (the check right before the call still stands).
            if (std::string why = early_stop_reason(a); !why.empty()) {
                record(a, batch, step, kind, "cancelled", "not called: " + why);
                stop(a, batch, RunStatus::exited, std::nullopt, "stopped: " + why);
                return true;
            }
            std::string run_sender = a.scope["senders"].value(spec->channel, "");
            sender = senders.choose(names, spec->channel, run_sender, a.run.contact_key, a.run.id,
                                    clock.now(), stable_hash(a.run.id + "/" + step.id));
            if (!sender->account) {
                // A config problem, not the lead's: hold the send until the config is fixed.
                std::int64_t due = now_ms() + 5 * 60 * 1000;
                return defer(a, batch, step, due,
                             sender->problem + "; trying again at " + format_short(due));
            }
        }
        if (step.in_window) {
            std::string why;
            if (auto opens = a.wf->schedule->window_deferral(
                    clock.now(), a.scope["inputs"], &why,
                    sender ? sender->account->timezone : run_sender_zone(a)))
                // Checked again when it comes due: the window may have other rules by then.
                return defer(a, batch, step, to_unix_ms(*opens), why);
        }
        if (!breakers.allow(step.plugin, clock.now())) {
            // The provider failed repeatedly: hold calls until the next probe instead of
            // spending every run's attempts on it. Not counted as an attempt.
            std::int64_t due =
                std::max(to_unix_ms(breakers.retry_at(step.plugin)), now_ms() + 1000);
            return defer(a, batch, step, due,
                         "circuit open for " + step.plugin +
                             " after repeated failures; next probe at " + format_short(due));
        }
        if (sender && !sender->decision.allowed_now(clock.now())) {
            // Over a limit of the account: deferred to the earliest time every limit allows,
            // never dropped. Checked again then (the window may have closed meanwhile).
            const auto& d = sender->decision;
            bool never = d.earliest == TimePoint::max();
            std::int64_t due = never ? now_ms() + policy::kDay.count() : to_unix_ms(d.earliest);
            senders.enqueue(*sender, a.run.id);
            return defer(
                a, batch, step, due,
                d.reason + " of " + sender->account->id +
                    (sender->queued ? ", then behind the sends already waiting for it" : "") +
                    (never ? ": it may not send at all; looking again at "
                           : "; next send allowed at ") +
                    format_short(due));
        }
        json with = step.with;
        std::string variant;
        if (const model::Step::Variant* v = choose_variant(a, node)) {
            variant = v->name;
            for (const auto& [k, val] : v->with.items()) with[k] = val;
            a.scope["steps"][step.id]["variant"] = variant;
        }
        if (sender) {
            // The account's own fields (its address, its name) are what it sends with.
            for (const auto& [k, val] : sender->account->with.items()) with[k] = val;
            a.scope["sender"] = {{"id", sender->account->id},
                                 {"channel", sender->account->channel},
                                 {"vars", sender->account->vars}};
        }
        json input = expr::render_value(with, a.scope);
        a.scope.erase("sender");
        auto problems = schemas.check(kind, spec->input_schema, input);
        if (!problems.empty()) {
            std::string msg = "invalid input for " + kind + ": " + problems.front();
            for (std::size_t i = 1; i < problems.size() && i < 4; ++i) msg += "; " + problems[i];
            throw std::runtime_error(msg);
        }
        if (a.run.message_id.empty())
            a.run.message_id = a.run.id + "." + step.id + "." + std::to_string(a.run.next_seq);
        std::string detail = variant.empty() ? "" : "variant " + variant;
        if (sender)
            detail += (detail.empty() ? "from " : ", from ") + sender->account->id +
                      (sender->kept ? " (the contact's sender)" : "");
        a.run.inflight_seq = record(a, batch, step, kind, "started", detail, nullptr, false);
        if (sender) {
            batch.insert_sends.push_back(senders.reserve(
                *sender->account, a.run.contact_key, a.run.id, *a.run.inflight_seq, clock.now()));
            a.scope["senders"][spec->channel] = sender->account->id;
            a.scope["steps"][step.id]["sender"] = sender->account->id;
        }
        a.plugin = plugin;
        a.request = request_for(a, input);
        a.request.started_at_ms = now_ms();
        a.calling = true;
        // Checkpoint: committed with the batch before the call, lease kept. The run stays due
        // (due_at <= now), so after a crash the next worker claims it at once and recovers.
        a.run.updated_at = now_ms();
        save_scope(a);
        batch.checkpoint_runs.push_back(a.run);
        return true;
    }

    // --- the last check before calling ------------------------------------------------------

    // Right before the calls, after the batch was committed: a contact who replied, bounced or
    // unsubscribed (the workflow's stop_on), or who is on the suppression list now, is not
    // called, even if the event arrived after this run was claimed. Removes those runs from
    // `calling` and commits their end.
    void screen(std::vector<Active*>& calling) {
        std::vector<std::string> keys;
        std::int64_t since = std::numeric_limits<std::int64_t>::max();
        for (Active* a : calling)
            if (!a->run.contact_key.empty()) {
                keys.push_back(a->run.contact_key);
                since = std::min(since, a->run.created_at);
            }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        std::map<std::string, std::vector<store::Event>> events;
        if (!keys.empty())
            for (auto& e : store.events_for(keys, since)) events[e.contact_key].push_back(e);
        refresh_suppressions();

        store::Batch batch;
        std::vector<Active*> go;
        for (Active* a : calling) {
            std::string why = stop_reason(*a, events);
            if (why.empty()) {
                go.push_back(a);
                continue;
            }
            update_inflight(*a, batch, "cancelled", "not called: " + why);
            stop(*a, batch, RunStatus::exited, std::nullopt, "stopped: " + why);
        }
        if (!batch.empty()) store.commit(batch);
        calling.swap(go);
    }

    // stop_reason for one run, read now (before the batch is committed).
    std::string early_stop_reason(const Active& a) {
        std::map<std::string, std::vector<store::Event>> events;
        if (!a.run.contact_key.empty())
            events[a.run.contact_key] = store.events_for({a.run.contact_key}, a.run.created_at);
        return stop_reason(a, events);
    }

    std::string stop_reason(const Active& a,
                            const std::map<std::string, std::vector<store::Event>>& events) {
        const auto& stop_on = a.wf->workflow.stop_on;
        if (auto it = events.find(a.run.contact_key); it != events.end())
            for (const auto& e : it->second)
                if (e.occurred_at >= a.run.created_at &&
                    std::find(stop_on.begin(), stop_on.end(), e.type) != stop_on.end())
                    return "contact " + e.type + " (event " + e.event_id + " at " +
                           format_short(e.occurred_at) + "Z)";
        if (suppressions.size() == 0) return {};
        std::map<std::string, std::string> fields;
        const json& inputs = a.scope["inputs"];
        for (const auto& [k, v] : inputs.items())
            if (v.is_string()) fields[k] = v.get<std::string>();
        if (auto hit = suppressions.match(contacts::identify(fields, "")))
            return "suppressed " + std::string(contacts::to_string(hit->kind)) + " " + hit->value +
                   " (" + hit->source + ")";
        return {};
    }

    // The worker keeps the suppression list in memory and reloads it when it changed.
    void refresh_suppressions() {
        std::int64_t generation = store.suppression_generation();
        if (generation == suppression_generation) return;
        contacts::SuppressionList fresh;
        for (const auto& s : store.list_suppressions()) {
            auto kind = contacts::parse_kind(s.kind);
            if (kind) fresh.add({*kind, s.value, s.source, s.locked});
        }
        suppressions = std::move(fresh);
        suppression_generation = generation;
    }

    // --- batches ----------------------------------------------------------------------------

    void process(std::vector<Active>& actives) {
        std::vector<Active*> calling;
        for (;;) {
            store::Batch batch;
            calling.clear();
            senders.new_round();
            refresh_suppressions();
            for (auto& a : actives) {
                if (a.stopped) continue;
                a.calling = false;
                advance(a, batch);
                if (a.calling && !a.stopped) calling.push_back(&a);
            }
            std::size_t written = batch.insert_steps.size();
            store.commit(batch);
            {
                std::lock_guard g(stats_m);
                stats.steps += written;
                ++stats.commits;
            }
            if (calling.empty()) return;
            if (options.before_send_check) options.before_send_check();
            screen(calling);
            if (calling.empty()) continue;
            {
                std::lock_guard g(stats_m);
                stats.actions += calling.size();
            }
            pool.parallel_for(calling.size(), [&](std::size_t i) {
                Active& a = *calling[i];
                try {
                    a.outcome = a.plugin->invoke(a.request);
                } catch (const std::exception& e) {
                    a.outcome = ActionOutcome{ActionOutcome::Status::in_doubt, nullptr,
                                              std::string("host error: ") + e.what(), Millis{0}};
                }
            });
        }
    }

    std::size_t claim_and_process() {
        std::int64_t now = now_ms();
        auto runs =
            store.claim_due(options.owner, now, options.batch_size, now + options.lease.count());
        if (runs.empty()) return 0;
        std::vector<Active> actives;
        actives.reserve(runs.size());
        store::Batch broken;
        for (auto& r : runs) {
            Active a;
            a.run = std::move(r);
            try {
                a.wf = &workflows.get(a.run.workflow_version_id);
            } catch (const std::exception& e) {
                a.run.status = RunStatus::paused;
                a.run.due_at.reset();
                a.run.reason = std::string("cannot load its workflow version: ") + e.what();
                a.run.updated_at = now;
                broken.update_runs.push_back(a.run);
                continue;
            }
            load_scope(a);
            actives.push_back(std::move(a));
        }
        store.commit(broken);
        process(actives);
        return runs.size();
    }
};

Executor::Executor(store::Store& store, host::PluginHost& host, const Clock& clock,
                   ExecutorOptions options)
    : impl_(std::make_unique<Impl>(store, host, clock, std::move(options))) {}

Executor::~Executor() = default;

std::size_t Executor::run_due() {
    std::size_t total = 0;
    for (;;) {
        std::size_t n = impl_->claim_and_process();
        if (n == 0) return total;
        total += n;
    }
}

void Executor::run_forever(std::stop_token stop) {
    std::stop_callback on_stop(stop, [this] { notify(); });
    while (!stop.stop_requested()) {
        try {
            run_due();
        } catch (const std::exception& e) {
            // A store error (disk full, locked too long): keep the worker alive, try again.
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
}

void Executor::notify() {
    {
        std::lock_guard g(impl_->wake_m);
        impl_->woken = true;
    }
    impl_->wake_cv.notify_all();
}

ExecutorStats Executor::stats() const {
    std::lock_guard g(impl_->stats_m);
    return impl_->stats;
}

}  // namespace relance::runtime
