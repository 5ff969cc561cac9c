#include "plugin_base.hpp"

#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>
#include <relance/base/text_limits.hpp>
#include <relance/base/utf8.hpp>

namespace relance::host::detail {

namespace {

// A plugin's error message goes to the run's history and the logs: a few KB say enough.
constexpr std::size_t kMaxErrorBytes = 4096;
// When to ask again after a reconcile that could not answer (hung, crashed, failed lookup).
constexpr Millis kReconcileRetry{60'000};

ActionOutcome failed(ActionOutcome::Status status, std::string error, Millis after = Millis{0}) {
    ActionOutcome out;
    out.status = status;
    out.error = std::move(error);
    out.retry_after = after;
    return out;
}

ReconcileOutcome pending(std::string reason, Millis after) {
    ReconcileOutcome rec;
    rec.outcome = ReconcileOutcome::Outcome::pending;
    rec.retry_after = std::max(after, Millis{1000});
    rec.reason = std::move(reason);
    return rec;
}

std::string ms(Millis d) {
    return std::to_string(d.count()) + " ms";
}

}  // namespace

const char* to_string(CallKind kind) {
    switch (kind) {
        case CallKind::invoke:
            return "invoke";
        case CallKind::reconcile:
            return "reconcile";
        case CallKind::inbound:
            return "inbound";
    }
    return "?";
}

PluginBase::PluginBase(std::filesystem::path file, CompiledManifest manifest,
                       const HostConfig& config, Services& services)
    : config_(config),
      services_(services),
      faults_(manifest.manifest.name, config.faults),
      file_(std::move(file)),
      manifest_(std::move(manifest)) {}

const model::ActionSpec* PluginBase::action(const std::string& name) const {
    for (const auto& a : manifest_.manifest.actions)
        if (a.name == name) return &a;
    return nullptr;
}

std::string PluginBase::label(const std::string& action) const {
    return "plugin " + manifest_.manifest.name + ": " + action;
}

Availability PluginBase::availability(TimePoint now) const {
    if (Availability a = faults_.availability(now); !a.available) return a;
    return transport_availability(now);
}

Millis PluginBase::timeout_for(const std::string& action) const {
    // The operator knows the provider in front of them: their setting wins over the manifest's.
    if (auto it = config_.settings.find(manifest_.manifest.name);
        it != config_.settings.end() && it->second.timeout)
        return *it->second.timeout;
    if (auto it = manifest_.manifest.timeouts.find(action); it != manifest_.manifest.timeouts.end())
        return it->second;
    return config_.default_timeout;
}

std::vector<std::string> PluginBase::check_input(const std::string& action,
                                                 const json& input) const {
    auto it = manifest_.schemas.find(action);
    if (it == manifest_.schemas.end())
        return {"plugin " + manifest_.manifest.name + " has no action '" + action + "'"};
    return it->second.input.check(input);
}

CallData PluginBase::call_data(const ActionRequest& request) const {
    CallData data;
    data.action = request.action;
    // Replaced rather than thrown: a stray invalid byte must not turn into a host error.
    data.input_json = request.input->is_null() ? "{}" : json_text(request.input);
    data.message_id = request.message_id;
    data.run_id = request.run_id;
    data.attempt = request.attempt;
    data.started_at_ms = request.started_at_ms;
    return data;
}

std::string PluginBase::clean_text(const std::string& text) const {
    // Redacted before it is cut, so a cut can never leave part of a secret behind.
    std::string redacted = services_.redactor->apply(text);
    return to_valid_utf8(cut_utf8(redacted, kMaxErrorBytes));
}

PluginBase::Prepared PluginBase::prepare(const ActionRequest& request) const {
    Prepared p;
    p.spec = action(request.action);
    if (!p.spec) {
        p.early =
            failed(ActionOutcome::Status::permanent,
                   "plugin " + manifest_.manifest.name + " has no action '" + request.action + "'");
        return p;
    }
    TimePoint start = now();
    if (Availability a = availability(start); !a.available) {
        // Nothing was called: try again when it is back, without spending the lead's attempts.
        p.early =
            failed(ActionOutcome::Status::unavailable, a.reason,
                   std::max(Millis{0}, std::chrono::duration_cast<Millis>(a.retry_at - start)));
        return p;
    }
    p.timeout = request.timeout > Millis{0} ? request.timeout : timeout_for(request.action);
    return p;
}

ActionOutcome PluginBase::invoke(const ActionRequest& request) {
    Prepared p = prepare(request);
    if (p.early) return std::move(*p.early);
    return finish(p, request, call(CallKind::invoke, call_data(request), p.timeout));
}

std::vector<ActionOutcome> PluginBase::invoke_each(const std::vector<ActionRequest>& requests) {
    std::vector<ActionOutcome> out(requests.size());
    std::vector<Prepared> prepared;
    std::vector<std::size_t> called;  // indexes of the requests that go to the plugin
    std::vector<CallData> data;
    std::vector<Millis> timeouts;
    prepared.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        prepared.push_back(prepare(requests[i]));
        if (prepared.back().early) {
            out[i] = std::move(*prepared.back().early);
            continue;
        }
        called.push_back(i);
        data.push_back(call_data(requests[i]));
        timeouts.push_back(prepared.back().timeout);
    }
    std::vector<CallEnd> ends = call_each(CallKind::invoke, data, timeouts);
    for (std::size_t k = 0; k < called.size(); ++k) {
        std::size_t i = called[k];
        out[i] = finish(prepared[i], requests[i], std::move(ends[k]));
    }
    return out;
}

std::vector<CallEnd> PluginBase::call_each(CallKind kind, const std::vector<CallData>& data,
                                           const std::vector<Millis>& timeouts) {
    std::vector<CallEnd> ends;
    ends.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) ends.push_back(call(kind, data[i], timeouts[i]));
    return ends;
}

ActionOutcome PluginBase::finish(const Prepared& p, const ActionRequest& request, CallEnd end) {
    const model::ActionSpec* spec = p.spec;
    Millis timeout = p.timeout;
    const bool safe = spec->safe_to_repeat;
    const auto maybe = safe ? ActionOutcome::Status::retryable : ActionOutcome::Status::in_doubt;
    const std::string consequence = safe ? "; the action is safe to repeat"
                                         : "; it may have taken effect, so it is not repeated";
    switch (end.kind) {
        case CallEnd::Kind::answered:
            faults_.record_success(now());
            return read_answer(*spec, std::move(end.answer));
        case CallEnd::Kind::deadline:
            faults_.record(now(), FaultLedger::Kind::hang, "hang in " + request.action, false);
            return failed(maybe, label(request.action) + " did not answer within " + ms(timeout) +
                                     " (its deadline); the call was abandoned" + consequence);
        case CallEnd::Kind::not_started:
            return failed(ActionOutcome::Status::unavailable,
                          label(request.action) + " could not start before its deadline of " +
                              ms(timeout) +
                              " (every call slot of the plugin was busy, or a call before it in "
                              "the same group missed its own); it was not called");
        case CallEnd::Kind::crashed:
            return failed(maybe, label(request.action) + ": the process serving the plugin died (" +
                                     end.detail + ") while the call was in flight" + consequence);
        case CallEnd::Kind::unavailable: {
            // Restarting or quarantined meanwhile: come back when the ledger says it may be up.
            Availability a = availability(now());
            Millis after =
                a.available ? Millis{1000} : std::chrono::duration_cast<Millis>(a.retry_at - now());
            return failed(ActionOutcome::Status::unavailable,
                          end.detail + "; " + request.action + " was not called",
                          std::max(Millis{1000}, after));
        }
    }
    return failed(ActionOutcome::Status::in_doubt, label(request.action) + ": unknown call end");
}

ActionOutcome PluginBase::read_answer(const model::ActionSpec& spec, RawAnswer answer) const {
    ActionOutcome out;
    switch (answer.status) {
        case RL_OK:
            out.status = ActionOutcome::Status::ok;
            break;
        case RL_RETRYABLE:
            out.status = ActionOutcome::Status::retryable;
            break;
        case RL_RATE_LIMITED:
            out.status = ActionOutcome::Status::rate_limited;
            break;
        case RL_PERMANENT:
            out.status = ActionOutcome::Status::permanent;
            break;
        case RL_IN_DOUBT:
            out.status = ActionOutcome::Status::in_doubt;
            break;
        case RL_ACCOUNT:
            out.status = ActionOutcome::Status::account;
            break;
        default:
            // A status this host does not know (a newer plugin): assume the worst.
            return failed(ActionOutcome::Status::in_doubt,
                          label(spec.name) + " answered status " + std::to_string(answer.status) +
                              ", unknown to this host: " + clean_text(answer.error));
    }
    if (out.status != ActionOutcome::Status::ok) {
        out.error = answer.error.empty() ? label(spec.name) + " reported " + to_string(out.status) +
                                               " without a message"
                                         : clean_text(answer.error);
        out.retry_after = Millis{std::max<std::int64_t>(0, answer.retry_after_ms)};
        return out;
    }
    // The action took effect: from here a problem is a permanent failure (never repeated, the
    // effect may have happened) that says what was wrong.
    const std::string unusable = label(spec.name) + " returned output that ";
    const std::string tail = "; the action may have taken effect, so it is not repeated";
    if (answer.output.empty()) answer.output = "{}";
    // Outputs are stored in run history: no secret may reach it (invariant 6).
    std::string text = services_.redactor->apply(answer.output);
    if (auto problem =
            json_limit_error(text, JsonLimits{config_.max_output_bytes, JsonLimits{}.max_depth}))
        return failed(ActionOutcome::Status::permanent,
                      unusable + "cannot be used: " + *problem + tail);
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded())
        return failed(ActionOutcome::Status::permanent, unusable + "is not JSON" + tail);
    if (!parsed.is_object())
        return failed(ActionOutcome::Status::permanent,
                      unusable + "is not a JSON object (" + parsed.type_name() + ")" + tail);
    if (auto it = manifest_.schemas.find(spec.name);
        it != manifest_.schemas.end() && it->second.output) {
        auto problems = it->second.output->check(parsed, "output");
        if (!problems.empty()) {
            std::string list = problems.front();
            for (std::size_t i = 1; i < problems.size() && i < 4; ++i) list += "; " + problems[i];
            return failed(ActionOutcome::Status::permanent,
                          unusable + "violates its output_schema: " + clean_text(list) + tail);
        }
    }
    out.output = std::move(parsed);
    return out;
}

std::optional<ReconcileOutcome> PluginBase::reconcile(const ActionRequest& request) {
    if (!supports_reconcile()) return std::nullopt;
    const model::ActionSpec* spec = action(request.action);
    TimePoint start = now();
    if (Availability a = availability(start); !a.available)
        return pending(a.reason, std::chrono::duration_cast<Millis>(a.retry_at - start));
    Millis timeout = request.timeout > Millis{0} ? request.timeout : timeout_for(request.action);
    CallEnd end = call(CallKind::reconcile, call_data(request), timeout);
    const std::string what = label(request.action) + " reconcile";
    switch (end.kind) {
        case CallEnd::Kind::answered:
            faults_.record_success(now());
            return read_reconcile(spec, std::move(end.answer));
        case CallEnd::Kind::deadline:
            faults_.record(now(), FaultLedger::Kind::hang, "hang in reconcile", false);
            return pending(what + " did not answer within " + ms(timeout) + " (its deadline)",
                           kReconcileRetry);
        case CallEnd::Kind::not_started:
            return pending(what + " could not start before its deadline", kReconcileRetry);
        case CallEnd::Kind::crashed:
            return pending(what + ": the process serving the plugin died (" + end.detail + ")",
                           kReconcileRetry);
        case CallEnd::Kind::unavailable:
            return pending(end.detail, kReconcileRetry);
    }
    return pending(what + ": unknown call end", kReconcileRetry);
}

ReconcileOutcome PluginBase::read_reconcile(const model::ActionSpec* spec, RawAnswer answer) const {
    ReconcileOutcome rec;  // unknown
    const std::string what = label(spec ? spec->name : "?") + " reconcile";
    Millis after{std::max<std::int64_t>(0, answer.retry_after_ms)};
    if (answer.status != RL_OK) {
        std::string why =
            answer.error.empty() ? what + " failed without a message" : clean_text(answer.error);
        // The lookup failed for now, which tells nothing about the call: ask again later.
        if (answer.status == RL_RETRYABLE || answer.status == RL_RATE_LIMITED)
            return pending(why, after > Millis{0} ? after : kReconcileRetry);
        if (answer.status == RL_ACCOUNT) {
            ReconcileOutcome out = pending(why, after > Millis{0} ? after : kReconcileRetry);
            out.account_refused = true;
            return out;
        }
        rec.reason = why;
        return rec;
    }
    std::string text = services_.redactor->apply(answer.output);
    if (auto problem =
            json_limit_error(text, JsonLimits{config_.max_output_bytes, JsonLimits{}.max_depth})) {
        rec.reason = what + " answered something unusable: " + *problem;
        return rec;
    }
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        rec.reason = what + " answered something that is not a JSON object";
        return rec;
    }
    if (auto it = j.find("reason"); it != j.end() && it->is_string())
        rec.reason = clean_text(it->get<std::string>());
    // Read without trusting the types: a plugin's JSON may say anything.
    std::string outcome = j.contains("outcome") && j["outcome"].is_string()
                              ? j["outcome"].get<std::string>()
                              : "unknown";
    if (auto it = j.find("output"); it != j.end() && it->is_object()) rec.output = *it;
    if (outcome == "done") {
        // The output stands for the call's: it must satisfy the same schema.
        if (spec)
            if (auto s = manifest_.schemas.find(spec->name);
                s != manifest_.schemas.end() && s->second.output)
                if (auto problems = s->second.output->check(rec.output, "output");
                    !problems.empty()) {
                    rec.output = json::object();
                    rec.reason = what +
                                 " answered done with an output that violates the "
                                 "output_schema: " +
                                 clean_text(problems.front());
                    return rec;
                }
        rec.outcome = ReconcileOutcome::Outcome::done;
    } else if (outcome == "not_done") {
        rec.outcome = ReconcileOutcome::Outcome::not_done;
    } else if (outcome == "pending") {
        rec.outcome = ReconcileOutcome::Outcome::pending;
        auto it = j.find("retry_after_ms");
        rec.retry_after = Millis{it != j.end() && it->is_number_integer()
                                     ? std::max<std::int64_t>(0, it->get<std::int64_t>())
                                     : 0};
    }
    return rec;
}

}  // namespace relance::host::detail
