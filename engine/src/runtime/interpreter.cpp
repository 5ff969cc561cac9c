#include "interpreter.hpp"

#include <algorithm>
#include <relance/base/digest.hpp>
#include <relance/base/utf8.hpp>
#include <relance/expr/template.hpp>
#include <relance/model/config.hpp>
#include <relance/policy/retry.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/time_text.hpp>
#include <stdexcept>

#include "timeline_text.hpp"

namespace relance::runtime {

using json = nlohmann::json;
using host::ActionOutcome;
using store::RunStatus;
using store::StepStatus;

Interpreter::Interpreter(store::Store& store, host::PluginHost& host, const Clock& clock,
                         const ExecutorOptions& options, EffectLog& log,
                         policy::BreakerBoard& breakers, SenderDesk& senders)
    : store_(store),
      host_(host),
      clock_(clock),
      options_(options),
      log_(log),
      breakers_(breakers),
      senders_(senders),
      lua_(options.lua),
      tracking_(store, clock, options.tracking_key) {}

// --- run state ------------------------------------------------------------------------------

void Interpreter::load(ActiveRun& a) {
    a.scope = a.run.context->is_object() ? std::move(*a.run.context) : json::object();
    a.run.context = nullptr;
    for (const char* k : {"inputs", "steps", "vars", "senders"})
        if (!a.scope.contains(k)) a.scope[k] = json::object();
    a.output_rows = restore_step_outputs(store_, a.run.id, a.scope);
    a.scope["contact"] = a.scope["inputs"];
    a.scope["run"] = {
        {"id", a.run.id}, {"workflow", a.wf->workflow.name}, {"version", a.wf->workflow.version}};
    if (a.wf->uses_history) a.scope["history"] = history_of(a.run);
    a.keys = identity_keys_from_inputs(a.scope["inputs"]);
    if (!a.run.contact_key.empty() &&
        std::find(a.keys.begin(), a.keys.end(), a.run.contact_key) == a.keys.end())
        a.keys.insert(a.keys.begin(), a.run.contact_key);
}

// What the contact did after each message of this run, for conditions such as
// `history.intro.opened and history.intro.opened.first_after_hours <= 48`:
// history.<step>.<event type> = {count, first_after_hours}. An event counts for the step whose
// message it names, else for the run's last step sent before it.
json Interpreter::history_of(const store::Run& run) {
    json history = json::object();
    if (run.contact_key.empty()) return history;
    struct Sent {
        std::string step, message_id;
        std::int64_t at;
    };
    std::vector<Sent> sent;
    for (const auto& s : store_.list_steps(run.id))
        if ((s.status == StepStatus::succeeded || s.status == StepStatus::reconciled) &&
            !s.message_id.empty())
            sent.push_back({s.step_id, s.message_id, s.finished_at.value_or(s.started_at)});
    if (sent.empty()) return history;
    for (const auto& e : store_.events_for({run.contact_key}, run.created_at)) {
        const Sent* to = nullptr;
        for (const auto& m : sent)
            if (!e.message_id.empty() ? m.message_id == e.message_id : m.at <= e.occurred_at)
                to = &m;
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
void Interpreter::save_scope(ActiveRun& a) {
    // senders: channel -> the account this run sends from (a lead keeps its sender)
    static constexpr const char* kPersistent[] = {"inputs", "steps", "vars", "senders"};
    a.run.context_text = EffectLog::context_text(a, kPersistent, std::size(kPersistent));
}

void Interpreter::stop(ActiveRun& a, store::Batch& batch, RunStatus status,
                       std::optional<std::int64_t> due, std::string reason) {
    a.run.status = status;
    a.run.due_at = due;
    // A waiting run says why it waits (`runs list`): the timeline line that made it wait.
    if (reason.empty() && status == RunStatus::waiting) reason = a.last_note;
    a.run.reason = std::move(reason);
    a.run.updated_at = now_ms();
    save_scope(a);
    batch.update_runs.push_back(a.run);
    a.stopped = true;
    a.candidate.reset();
}

// Each evaluation draws its own random numbers, seeded from the run, the step and the attempt:
// a replay draws the same, and no run can read another's.
expr::EvalOptions Interpreter::eval_options(const ActiveRun& a, const model::Step& step) const {
    expr::EvalOptions o;
    o.seed = stable_hash(a.run.id + "/" + step.id + "/" + std::to_string(a.run.attempt));
    return o;
}

void Interpreter::checkpoint(ActiveRun& a, store::Batch& batch) {
    a.run.updated_at = now_ms();
    save_scope(a);
    batch.checkpoint_runs.push_back(a.run);
}

void Interpreter::go_to(ActiveRun& a, int node) {
    a.run.node = node;
    a.run.attempt = 1;
    a.run.message_id.clear();
}

std::string Interpreter::sender_zone(const ActiveRun& a) const {
    if (!options_.config) return {};
    for (const auto& [channel, id] : a.scope["senders"].items())
        if (const auto* account = options_.config->find_sender(id.get<std::string>()))
            if (!account->timezone.empty()) return account->timezone;
    return {};
}

// A step failed for good (permanent error, retries exhausted, bad input): on_error decides.
void Interpreter::fail_step(ActiveRun& a, store::Batch& batch, const std::string& error,
                            std::optional<std::int64_t> failed_seq) {
    const model::Node& node = a.node();
    const model::Step& step = *node.step;
    auto mark = [&](const std::string& detail) {
        if (failed_seq)
            log_.finish(a, batch, *failed_seq, StepStatus::failed, detail);
        else
            log_.note(a, batch, step, step_kind_label(step), StepStatus::failed, detail);
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

// Exponential backoff with jitter, never shorter than the provider's Retry-After. The jitter is
// drawn from the message id: a replay computes the same delay.
Millis Interpreter::backoff_for(const model::RetryPolicy& p, int attempt, Millis retry_after,
                                const std::string& message_id) const {
    return policy::backoff(attempt, p.backoff, p.factor, p.max_backoff, retry_after, p.jitter,
                           stable_hash(message_id));
}

host::ActionRequest Interpreter::request_for(const ActiveRun& a, const json& input) const {
    host::ActionRequest r;
    r.action = a.node().step->action;
    r.input = input;
    r.message_id = a.run.message_id;
    r.run_id = a.run.id;
    r.attempt = static_cast<unsigned>(a.run.attempt);
    return r;
}

// --- advancing ------------------------------------------------------------------------------

Next Interpreter::advance(ActiveRun& a, store::Batch& batch) {
    if (a.stopped) return Next::stopped;
    if (!a.run.pending.empty()) {
        Next n = recover(a, batch);
        if (n != Next::admit) return n;  // admit here means: go on advancing
    }
    const auto& nodes = a.wf->program.nodes;
    while (!a.stopped) {
        if (a.run.node < 0 || a.run.node >= static_cast<int>(nodes.size())) {
            // No reason: the status says it all (and a million finished runs need not keep
            // the word).
            stop(a, batch, RunStatus::completed, std::nullopt, "");
            return Next::stopped;
        }
        if (++a.steps > options_.max_steps_per_claim) {
            stop(a, batch, RunStatus::failed, std::nullopt,
                 "more than " + std::to_string(options_.max_steps_per_claim) +
                     " steps without waiting: is there a goto loop?");
            return Next::stopped;
        }
        const model::Node& node = nodes[static_cast<std::size_t>(a.run.node)];
        const model::Step& step = *node.step;
        try {
            if (!step.when.empty() &&
                !lua_.eval_condition(step.when, a.scope, eval_options(a, step))) {
                log_.note(a, batch, step, step_kind_label(step), StepStatus::skipped,
                          "when: " + step.when + " is false");
                a.scope["steps"][step.id] = {{"status", "skipped"}};
                go_to(a, node.next);
                continue;
            }
            if (step.kind == model::StepKind::action) {
                ActionCandidate c;
                c.node = &node;
                c.spec = host_.find_action(step.plugin, step.action);
                c.kind = step.plugin + "." + step.action;
                if (c.spec && !c.spec->channel.empty())
                    c.sender_names = step.senders ? *step.senders : a.wf->workflow.senders;
                a.candidate = std::move(c);
                return Next::admit;
            }
            if (execute(a, batch, node)) return Next::stopped;
        } catch (const std::exception& e) {
            fail_step(a, batch, e.what());
        }
    }
    return Next::stopped;
}

// Runs one built-in step. Returns true when the run must leave the advance loop.
bool Interpreter::execute(ActiveRun& a, store::Batch& batch, const model::Node& node) {
    const model::Step& step = *node.step;
    switch (step.kind) {
        case model::StepKind::set: {
            json values = expr::render_value(step.set, a.scope);
            for (auto& [k, v] : values.items()) a.scope["vars"][k] = v;
            log_.note(a, batch, step, "set", StepStatus::done, "", values);
            go_to(a, node.next);
            return false;
        }
        case model::StepKind::if_: {
            bool yes = lua_.eval_condition(step.condition, a.scope, eval_options(a, step));
            int target = yes ? node.then_first : node.else_first;
            log_.note(a, batch, step, "if", StepStatus::done,
                      std::string("condition ") + (yes ? "true: then" : "false: else") +
                          (target < 0 ? " (empty)" : ""));
            go_to(a, target >= 0 ? target : node.next);
            return false;
        }
        case model::StepKind::wait: {
            if (step.wait_until) return wait_until(a, batch, node);
            std::int64_t due = now_ms() + step.wait_for.count();
            std::string detail = "until " + format_short(due);
            if (step.wait_business_days > 0) {
                // Counted from now in the contact's time zone: a run that was deferred earlier
                // shifts every later step instead of catching up.
                std::string how;
                due = to_unix_ms(
                    a.wf->schedule->add_business_days(clock_.now(), step.wait_business_days,
                                                      a.scope["inputs"], &how, sender_zone(a)));
                detail = "until " + format_short(due) + "Z (" + how + ")";
            }
            log_.note(a, batch, step, "wait", StepStatus::waiting, detail);
            go_to(a, node.next);
            stop(a, batch, RunStatus::waiting, due);
            return true;
        }
        case model::StepKind::lua: {
            json out = lua_.run_block(step.lua, a.scope, eval_options(a, step));
            a.output_rows[step.id] = log_.note(a, batch, step, "lua", StepStatus::done, "", out);
            a.scope["steps"][step.id] = {{"status", "succeeded"}, {"output", std::move(out)}};
            go_to(a, node.next);
            return false;
        }
        case model::StepKind::wait_for:
            return wait_for(a, batch, node);
        case model::StepKind::exit:
            log_.note(a, batch, step, "exit", StepStatus::done, step.exit_reason);
            stop(a, batch, RunStatus::exited, std::nullopt,
                 step.exit_reason.empty() ? "exit" : step.exit_reason);
            return true;
        case model::StepKind::action:
            break;  // handled by advance()
    }
    return false;
}

// wait_for: the first visit starts waiting (until the timeout; an event for the contact wakes
// the run early); later visits look for a matching event since the wait began. Returns true
// when the run must leave the advance loop (it keeps waiting).
bool Interpreter::wait_for(ActiveRun& a, store::Batch& batch, const model::Node& node) {
    const model::Step& step = *node.step;
    json& state = a.scope["steps"][step.id];
    std::int64_t now = now_ms();
    if (!state.is_object() || state.value("status", "") != "waiting") {
        std::int64_t deadline = now + step.timeout.count();
        state = {{"status", "waiting"}, {"since", now}, {"deadline", deadline}};
        std::string types;
        for (const auto& t : step.wait_events) types += (types.empty() ? "" : " or ") + t;
        log_.note(a, batch, step, "wait_for", StepStatus::waiting,
                  "for " + types + " until " + format_short(deadline) +
                      (a.keys.empty() ? " (no contact: only the timeout can end it)" : ""));
        stop(a, batch, RunStatus::waiting, deadline);
        return true;
    }
    std::int64_t since = state.value("since", std::int64_t{0});
    std::int64_t deadline = state.value("deadline", now);
    if (!a.keys.empty())
        for (const auto& e : store_.events_for(a.keys, since))
            if (std::find(step.wait_events.begin(), step.wait_events.end(), e.type) !=
                step.wait_events.end()) {
                json event = {{"type", e.type},
                              {"event_id", e.event_id},
                              {"occurred_at", format_iso(e.occurred_at)},
                              {"data", e.data}};
                a.output_rows[step.id] = log_.note(a, batch, step, "wait_for", StepStatus::done,
                                                   e.type + " (event " + e.event_id + " at " +
                                                       format_short(e.occurred_at) + "Z): then",
                                                   event);
                state = {{"status", "succeeded"}, {"output", event}};
                go_to(a, node.then_first >= 0 ? node.then_first : node.next);
                return false;
            }
    if (now < deadline) {  // woken for another event: keep waiting
        stop(a, batch, RunStatus::waiting, deadline, a.run.reason);
        return true;
    }
    log_.note(a, batch, step, "wait_for", StepStatus::done, "timed out: else");
    state = {{"status", "timed_out"}};
    go_to(a, node.else_first >= 0 ? node.else_first : node.next);
    return false;
}

// wait: {until, offset, past}. The template renders here, at the step, to a moment: read in the
// contact's zone when it names none, then moved by the offset in that zone. A moment to come
// makes the run wait (its due_at, durable like any wait); one already past goes by `past`. A
// value that is not a moment fails the step (on_error decides), naming the value.
bool Interpreter::wait_until(ActiveRun& a, store::Batch& batch, const model::Node& node) {
    const model::Step& step = *node.step;
    const model::WaitUntil& w = *step.wait_until;
    auto cut = [](const std::string& text) {
        constexpr std::size_t kMax = 80;  // a hostile value must not flood the timeline
        std::string_view c = cut_utf8(text, kMax);
        return to_valid_utf8(c) + (c.size() < text.size() ? "..." : "");
    };
    const std::string source = expr::is_template(w.until) ? "'until' " + cut(w.until) : "'until'";
    json rendered;
    try {
        rendered = expr::render_string(w.until, a.scope);
    } catch (const expr::UnresolvedVariable& e) {
        throw std::runtime_error(source + ": " + e.what());
    }
    if (!rendered.is_string())
        throw std::runtime_error(source + " gave " + cut(rendered.dump()) +
                                 ", not a moment (an ISO-8601 date and time, e.g. "
                                 "2026-04-02T18:00 or 2026-04-02T16:00:00Z)");
    std::string text = rendered.get<std::string>();
    const auto first = text.find_first_not_of(" \t\r\n");
    text = first == std::string::npos
               ? std::string()
               : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
    std::string how;
    std::int64_t due = 0;
    try {
        due = to_unix_ms(
            a.wf->schedule->moment(text, w.offset, a.scope["inputs"], &how, sender_zone(a)));
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(source + " is not a moment: " + e.what());
    }
    const std::string moment = format_short(due) + "Z (" + cut(text) +
                               (w.offset_text.empty() ? "" : " " + w.offset_text) + ", " + how +
                               ")";
    const std::int64_t now = now_ms();
    if (due >= now) {
        log_.note(a, batch, step, "wait", StepStatus::waiting, "until " + moment);
        go_to(a, node.next);
        stop(a, batch, RunStatus::waiting, due);
        return true;
    }
    if (w.past == model::WaitUntil::Past::run_now || node.next < 0) {
        log_.note(a, batch, step, "wait", StepStatus::done,
                  "the moment has passed: " + moment + "; past: run_now, going on now");
        go_to(a, node.next);
        return false;
    }
    // past: skip. The step after the wait is the one it times (a reminder "one day before"):
    // sent late it would say the wrong thing, so it is passed over, and the run goes on after it.
    const model::Node& next = a.wf->program.nodes[static_cast<std::size_t>(node.next)];
    log_.note(a, batch, step, "wait", StepStatus::done,
              "the moment has passed: " + moment + "; past: skip, skipping " + next.step->id);
    log_.note(a, batch, *next.step, step_kind_label(*next.step), StepStatus::skipped,
              "past: skip: the moment of " + step.id + " had passed (" + format_short(due) + "Z)");
    a.scope["steps"][next.step->id] = {{"status", "skipped"}};
    go_to(a, next.next);
    return false;
}

// The variant this run gets at this step: sticky steps reuse the name an earlier step gave the
// run; otherwise a weighted draw from the run id and step id (the same on every attempt and
// replay, so a retry never switches variant).
const model::Step::Variant* Interpreter::choose_variant(const ActiveRun& a,
                                                        const model::Node& node) const {
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

// --- starting an action ---------------------------------------------------------------------

Next Interpreter::start(ActiveRun& a, store::Batch& batch, const SenderDesk::Choice* sender) {
    const ActionCandidate& c = *a.candidate;
    const model::Node& node = *c.node;
    const model::Step& step = *node.step;
    try {
        json with = step.with;
        std::string variant;
        if (const model::Step::Variant* v = choose_variant(a, node)) {
            variant = v->name;
            for (const auto& [k, val] : v->with->items()) with[k] = val;
            a.scope["steps"][step.id]["variant"] = variant;
        }
        if (sender) {
            // The account's own fields (its address, its name) are what it sends with.
            for (const auto& [k, val] : sender->account->with->items()) with[k] = val;
            a.scope["sender"] = {{"id", sender->account->id},
                                 {"channel", sender->account->channel},
                                 {"vars", sender->account->vars}};
        }
        // The message id this attempt carries (every attempt of the step has the same): the
        // tracking links are made from it, so a retry or a recovery sends the same input.
        std::string message_id = a.run.message_id.empty()
                                     ? store::engine_message_id(a.run.id, step.id, a.run.next_seq)
                                     : a.run.message_id;
        auto tracked =
            tracking_.plan(c.spec, a.wf->workflow, step, message_id, options_.config.get());
        // Templates may place the unsubscribe link themselves: {{ run.unsubscribe_url }}.
        if (tracked && tracked->unsubscribe)
            a.scope["run"]["unsubscribe_url"] = tracking::unsubscribe_url(*tracked);
        json input = expr::render_value(with, a.scope);
        a.scope.erase("sender");
        a.scope["run"].erase("unsubscribe_url");
        if (tracked) tracking::decorate_send(input, *tracked);
        host::LoadedPlugin* plugin = host_.find(step.plugin);
        if (!plugin) throw std::runtime_error("plugin " + step.plugin + " is not loaded");
        auto problems = plugin->check_input(step.action, input);
        if (!problems.empty()) {
            std::string msg = "invalid input for " + c.kind + ": " + problems.front();
            for (std::size_t i = 1; i < problems.size() && i < 4; ++i) msg += "; " + problems[i];
            throw std::runtime_error(msg);
        }
        if (a.run.message_id.empty()) a.run.message_id = message_id;
        std::string detail = variant.empty() ? "" : "variant " + variant;
        if (sender)
            detail += (detail.empty() ? "from " : ", from ") + sender->account->id +
                      (sender->kept ? " (the contact's sender)" : "");
        a.inflight_seq =
            log_.note(a, batch, step, c.kind, StepStatus::started, detail, nullptr, false);
        a.sender.clear();
        if (sender) {
            batch.insert_sends.push_back(senders_.reserve(*sender->account, a.run.contact_key,
                                                          a.run.id, *a.inflight_seq, clock_.now()));
            a.scope["senders"][c.spec->channel] = sender->account->id;
            a.scope["steps"][step.id]["sender"] = sender->account->id;
            a.sender = sender->account->id;
        }
        a.plugin = plugin;
        a.request = request_for(a, input);
        a.request.started_at_ms = now_ms();
        a.reconciling = false;
        a.candidate.reset();
        // Committed with the batch before the call, lease kept. The run stays due (due_at <=
        // now), so after a crash the next worker claims it at once and recovers.
        checkpoint(a, batch);
        return Next::call;
    } catch (const std::exception& e) {
        a.scope.erase("sender");
        if (auto run = a.scope.find("run"); run != a.scope.end() && run->is_object())
            run->erase("unsubscribe_url");
        a.candidate.reset();
        fail_step(a, batch, e.what());
        return a.stopped ? Next::stopped : advance(a, batch);
    }
}

void Interpreter::hold(ActiveRun& a, store::Batch& batch, const Verdict& v) {
    const model::Step& step = *a.candidate->node->step;
    std::string kind = a.candidate->kind;
    if (v.kind == Verdict::Kind::skip) {
        log_.note(a, batch, step, kind, StepStatus::cancelled, "not called: " + v.reason);
        stop(a, batch, RunStatus::exited, std::nullopt, "stopped: " + v.reason);
        return;
    }
    log_.note(a, batch, step, kind, StepStatus::deferred, v.reason);
    stop(a, batch, RunStatus::waiting, v.until);
}

void Interpreter::withdraw(ActiveRun& a, store::Batch& batch, const Verdict& v) {
    if (v.kind == Verdict::Kind::skip) {
        log_.finish_inflight(a, batch, StepStatus::cancelled, "not called: " + v.reason);
        stop(a, batch, RunStatus::exited, std::nullopt, "stopped: " + v.reason);
        return;
    }
    log_.finish_inflight(a, batch, StepStatus::deferred, "not called: " + v.reason);
    stop(a, batch, RunStatus::waiting, v.until);
}

// --- what came back -------------------------------------------------------------------------

Next Interpreter::complete(ActiveRun& a, store::Batch& batch) {
    Next n = a.reconciling ? apply_reconciliation(a, batch) : apply_outcome(a, batch);
    if (n != Next::admit) return n;  // admit here means: go on advancing
    return advance(a, batch);
}

Next Interpreter::wait_without_attempt(ActiveRun& a, store::Batch& batch, StepStatus ended,
                                       const std::string& what, const char* again, Millis wait) {
    std::int64_t due = now_ms() + wait.count();
    log_.finish_inflight(
        a, batch, ended,
        what + "; " + again + " at " + format_short(due) + " (not counted as an attempt)");
    stop(a, batch, RunStatus::waiting, due);
    return Next::stopped;
}

// The attempt failed: the step runs again after a backoff if retry.attempts allow, else it fails
// for good. `ended` is how the attempt's row ends (retry, or abandoned after a reconciliation).
Next Interpreter::retry_or_fail(ActiveRun& a, store::Batch& batch, StepStatus ended,
                                const std::string& failure, Millis retry_after) {
    const auto& policy = a.node().step->retry;
    if (a.run.attempt < policy.attempts) {
        Millis wait = backoff_for(policy, a.run.attempt, retry_after, a.run.message_id);
        std::int64_t due = now_ms() + wait.count();
        log_.finish_inflight(a, batch, ended,
                             "attempt " + std::to_string(a.run.attempt) + " of " +
                                 std::to_string(policy.attempts) + " failed: " + failure +
                                 "; retrying at " + format_short(due));
        ++a.run.attempt;
        stop(a, batch, RunStatus::waiting, due);
        return Next::stopped;
    }
    auto seq = a.inflight_seq;
    a.inflight_seq.reset();
    fail_step(a, batch,
              policy.attempts > 1
                  ? "failed after " + std::to_string(a.run.attempt) + " attempts: " + failure
                  : failure,
              seq);
    return a.stopped ? Next::stopped : Next::admit;
}

// Applies the outcome of the action at the current node. Returns admit to go on advancing.
Next Interpreter::apply_outcome(ActiveRun& a, store::Batch& batch) {
    ActionOutcome out = std::move(*a.outcome);
    a.outcome.reset();
    const model::Node& node = a.node();
    const model::Step& step = *node.step;
    std::int64_t now = now_ms();
    // The provider's health: answers that reached it (even a refusal) close the breaker;
    // transport and server failures count against it; a rate limit or a refused account is
    // neither.
    switch (out.status) {
        case ActionOutcome::Status::ok:
        case ActionOutcome::Status::permanent:
            breakers_.on_success(step.plugin, clock_.now());
            break;
        case ActionOutcome::Status::retryable:
        case ActionOutcome::Status::in_doubt:
            breakers_.on_failure(step.plugin, clock_.now());
            break;
        default:
            break;
    }
    switch (out.status) {
        case ActionOutcome::Status::ok: {
            json& state = a.scope["steps"][step.id];
            std::string variant = state.is_object() ? state.value("variant", "") : "";
            std::string sender = state.is_object() ? state.value("sender", "") : "";
            std::string detail = variant.empty() ? "" : "variant " + variant;
            if (!sender.empty()) detail += (detail.empty() ? "from " : ", from ") + sender;
            a.output_rows[step.id] =
                log_.finish_inflight(a, batch, StepStatus::succeeded, detail, out.output);
            state = {{"status", "succeeded"}, {"output", std::move(*out.output)}};
            if (!variant.empty()) state["variant"] = variant;
            if (!sender.empty()) state["sender"] = sender;
            go_to(a, node.next);
            return Next::admit;
        }
        case ActionOutcome::Status::rate_limited:
            return wait_without_attempt(
                a, batch, StepStatus::rate_limited, "rate limited: " + out.error, "retrying",
                out.retry_after > Millis{0} ? out.retry_after : Millis{60'000});
        case ActionOutcome::Status::retryable:
            return retry_or_fail(a, batch, StepStatus::retry, out.error, out.retry_after);
        case ActionOutcome::Status::unavailable:
            // The plugin was not called (another call crashed it, it is quarantined): the fault
            // is the plugin's, not this lead's, so no attempt is spent (DESIGN invariant 10).
            return wait_without_attempt(a, batch, StepStatus::deferred, "not called: " + out.error,
                                        "trying again", std::max(out.retry_after, Millis{1000}));
        case ActionOutcome::Status::permanent: {
            auto seq = a.inflight_seq;
            a.inflight_seq.reset();
            fail_step(a, batch, out.error, seq);
            return a.stopped ? Next::stopped : Next::admit;
        }
        case ActionOutcome::Status::account: {
            // The provider refused the account, not the lead: nothing was sent, no attempt is
            // spent, and the send waits until the account is fixed (the executor pauses it).
            std::string key = step.plugin + (a.sender.empty() ? "" : "/" + a.sender);
            account_refusal_ = AccountRefusal{key, out.error};
            std::int64_t due = now + options_.account_probe_after.count();
            log_.finish_inflight(a, batch, StepStatus::deferred,
                                 "account " + key + " refused by the provider: " + out.error +
                                     "; its sends wait until it is fixed (next try at " +
                                     format_short(due) + ")");
            stop(a, batch, RunStatus::waiting, due);
            return Next::stopped;
        }
        case ActionOutcome::Status::in_doubt:
            if (const auto* spec = host_.find_action(step.plugin, step.action);
                spec && spec->safe_to_repeat) {
                // Repeating it is harmless: handle it like a temporary failure.
                out.status = ActionOutcome::Status::retryable;
                a.outcome = std::move(out);
                return apply_outcome(a, batch);
            }
            return ask_reconcile(
                a, "the plugin could not tell whether it took effect (" + out.error + ")",
                a.request.started_at_ms);
    }
    return Next::stopped;
}

void Interpreter::pause_in_doubt(ActiveRun& a, store::Batch& batch, const std::string& why) {
    const model::Step& step = *a.node().step;
    std::string reason = "in doubt: step " + step.id + " (" + step.plugin + "." + step.action +
                         ", message " + a.run.message_id + "): " + why +
                         ". It was not repeated, to never send twice. Settle it with "
                         "`relance runs resolve " +
                         a.run.id + " --as sent|retry`.";
    log_.finish_inflight(a, batch, StepStatus::in_doubt, why);
    stop(a, batch, RunStatus::paused, std::nullopt, reason);
}

// Prepares the reconciliation of the effect in flight: the executor makes the call (a lookup at
// the provider, possibly slow) on its dispatcher, never on the thread that advances runs.
Next Interpreter::ask_reconcile(ActiveRun& a, std::string why, std::int64_t started_at) {
    a.reconciling = true;
    a.reconcile_why = std::move(why);
    a.reconciled.reset();
    a.plugin = host_.find(a.node().step->plugin);
    a.request = request_for(a, json::object());
    a.request.started_at_ms = started_at;
    return Next::reconcile;
}

// A run claimed with a pending effect: the worker died mid-call, or an earlier reconciliation
// asked to look again later. Invariant 2: repeat only what is safe to repeat; otherwise
// reconcile or pause. Returns admit when the run may go on advancing.
Next Interpreter::recover(ActiveRun& a, store::Batch& batch) {
    store::PendingEffect effect = a.run.pending.front();
    a.run.pending.clear();  // YAML runs have at most one effect pending
    a.inflight_seq = effect.seq;
    if (a.run.message_id.empty()) a.run.message_id = effect.message_id;
    const model::Step& step = *a.node().step;
    const model::ActionSpec* spec = host_.find_action(step.plugin, step.action);
    if (spec && spec->safe_to_repeat) {
        log_.finish_inflight(a, batch, StepStatus::abandoned,
                             "the worker stopped before the outcome was recorded; the action is "
                             "safe to repeat, so it runs again");
        return Next::admit;
    }
    bool asked_before = false;  // an earlier reconciliation answered "pending"
    for (const auto& r : store_.list_steps(a.run.id))  // rare path: crash or pending
        if (r.seq > effect.seq && r.status == StepStatus::reconciling) asked_before = true;
    a.recovering = true;
    return ask_reconcile(a,
                         asked_before ? "asked again after the provider could not confirm it"
                                      : "the worker stopped before the outcome was recorded",
                         effect.started_at);
}

// What the plugin said about the effect in flight. Returns admit when the run may go on.
Next Interpreter::apply_reconciliation(ActiveRun& a, store::Batch& batch) {
    const model::Step& step = *a.node().step;
    std::optional<host::ReconcileOutcome> rec = std::move(a.reconciled);
    a.reconciled.reset();
    a.reconciling = false;
    bool after_crash = a.recovering;
    a.recovering = false;
    const std::string& why = a.reconcile_why;
    using Outcome = host::ReconcileOutcome::Outcome;
    if (rec && rec->outcome == Outcome::done) {
        a.output_rows[step.id] =
            log_.finish_inflight(a, batch, StepStatus::reconciled,
                                 why + "; the provider confirms message " + a.run.message_id +
                                     " was accepted, so it is not sent again",
                                 rec->output);
        a.scope["steps"][step.id] = {{"status", "succeeded"}, {"output", rec->output}};
        go_to(a, a.node().next);
        return Next::admit;
    }
    if (rec && rec->outcome == Outcome::not_done) {
        if (after_crash) {
            // The worker died: the call may never have left. The provider has no trace of it,
            // so it is sent now, as the same attempt.
            log_.finish_inflight(a, batch, StepStatus::abandoned,
                                 why + "; the provider has no trace of message " +
                                     a.run.message_id + ", so it is sent now");
            return Next::admit;
        }
        // The call left and failed without a clear answer: that was an attempt. A resend obeys
        // retry.attempts and its backoff like any other failure.
        return retry_or_fail(a, batch, StepStatus::abandoned,
                             why + "; the provider has no trace of message " + a.run.message_id,
                             Millis{0});
    }
    if (rec && rec->outcome == Outcome::pending) {
        // Keep the started record pending: the next claim asks again.
        std::int64_t due = now_ms() + std::max<std::int64_t>(1000, rec->retry_after.count());
        if (rec->account_refused)
            account_refusal_ =
                AccountRefusal{step.plugin + (a.sender.empty() ? "" : "/" + a.sender), rec->reason};
        std::string cannot =
            rec->reason.empty()
                ? "the provider cannot confirm message " + a.run.message_id +
                      " yet (it may still be indexing it)"
                : "message " + a.run.message_id + " cannot be confirmed yet: " + rec->reason;
        log_.note(a, batch, step, step.plugin + "." + step.action, StepStatus::reconciling,
                  why + "; " + cannot + "; asking again at " + format_short(due));
        a.inflight_seq.reset();
        stop(a, batch, RunStatus::waiting, due);
        return Next::stopped;
    }
    pause_in_doubt(a, batch,
                   why + "; the provider could not confirm it" +
                       (rec && !rec->reason.empty() ? " (" + rec->reason + ")" : ""));
    return Next::stopped;
}

}  // namespace relance::runtime
