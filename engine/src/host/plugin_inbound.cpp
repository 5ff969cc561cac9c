// The inbound role, as every loaded plugin offers it whatever its isolation: a provider's
// callback handed to parse_webhook within a deadline, and its answer checked before anything
// of it is believed (a plugin's events go into the store).
#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>
#include <relance/base/text_limits.hpp>
#include <relance/base/utf8.hpp>

#include <relance/signatures/encoding.hpp>

#include "manifest.hpp"
#include "plugin_base.hpp"

namespace relance::host {

const char* to_string(InboundOutcome::Status s) {
    switch (s) {
        case InboundOutcome::Status::ok:
            return "ok";
        case InboundOutcome::Status::no_role:
            return "no_role";
        case InboundOutcome::Status::unauthorized:
            return "unauthorized";
        case InboundOutcome::Status::invalid:
            return "invalid";
        case InboundOutcome::Status::unavailable:
            return "unavailable";
        case InboundOutcome::Status::failed:
            return "failed";
    }
    return "?";
}

namespace detail {

namespace {

// A webhook answer should come back within seconds: providers time out and send again.
constexpr Millis kDefaultInboundTimeout{10'000};
constexpr Millis kRetryAfter{60'000};
// What one callback may bring back: a SendGrid batch holds up to a few thousand events.
constexpr std::size_t kMaxEvents = 10'000;
constexpr JsonLimits kAnswerLimits{32u << 20, 64};
constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxContactBytes = 512;
constexpr std::size_t kMaxTypeBytes = 64;
constexpr std::size_t kMaxNotes = 20;
constexpr std::size_t kMaxNoteBytes = 500;

InboundOutcome outcome(InboundOutcome::Status status, std::string error, Millis after = {}) {
    InboundOutcome out;
    out.status = status;
    out.error = std::move(error);
    out.retry_after = after;
    return out;
}

// A string member within `max` bytes; "" when absent and not `required`. Throws the problem.
std::string text_member(const json& obj, const char* key, std::size_t max, bool required,
                        const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) throw std::invalid_argument(where + "." + key + " is missing");
        return {};
    }
    if (!it->is_string()) throw std::invalid_argument(where + "." + key + " must be a string");
    const std::string& v = it->get_ref<const std::string&>();
    if (required && v.empty()) throw std::invalid_argument(where + "." + key + " is empty");
    if (v.size() > max)
        throw std::invalid_argument(where + "." + key + " is longer than " + std::to_string(max) +
                                    " bytes");
    return v;
}

InboundEvent read_event(const json& e, const std::string& where) {
    if (!e.is_object()) throw std::invalid_argument(where + " is not an object");
    InboundEvent event;
    event.id = text_member(e, "id", kMaxIdBytes, true, where);
    event.type = text_member(e, "type", kMaxTypeBytes, true, where);
    if (!valid_name(event.type))
        throw std::invalid_argument(where + ".type '" + event.type +
                                    "' must match [a-z][a-z0-9_-]*");
    event.contact = text_member(e, "contact", kMaxContactBytes, true, where);
    event.message_id = text_member(e, "message_id", kMaxIdBytes, false, where);
    if (auto at = e.find("at_ms"); at != e.end()) {
        if (!at->is_number_integer() || at->get<std::int64_t>() < 0)
            throw std::invalid_argument(where + ".at_ms must be a whole number of milliseconds");
        event.at_ms = at->get<std::int64_t>();
    }
    if (auto data = e.find("data"); data != e.end() && !data->is_null()) {
        if (!data->is_object()) throw std::invalid_argument(where + ".data must be an object");
        *event.data = *data;
    }
    return event;
}

}  // namespace

InboundOutcome PluginBase::receive(const InboundCall& in) {
    using S = InboundOutcome::Status;
    const std::string& name = manifest_.manifest.name;
    if (!supports_inbound()) return outcome(S::no_role, "plugin " + name + " takes no callbacks");
    TimePoint start = now();
    if (Availability a = availability(start); !a.available)
        return outcome(
            S::unavailable, a.reason,
            std::max(Millis{1000}, std::chrono::duration_cast<Millis>(a.retry_at - start)));
    Millis timeout = in.timeout;
    if (timeout <= Millis{0}) {
        const json& role = *manifest_.manifest.inbound;
        timeout = role.is_object() && role.contains("timeout_ms")
                      ? Millis{role["timeout_ms"].get<std::int64_t>()}
                      : kDefaultInboundTimeout;
    }
    json headers = json::array();
    for (const auto& [n, v] : in.headers) headers.push_back(json::array({n, v}));
    CallData data;
    // Header text is replaced where it is not UTF-8 (never a throw); the body crosses as base64,
    // byte for byte, whatever it holds.
    data.input_json = json_text(json{{"account", in.account},
                                     {"method", in.method},
                                     {"path", in.path},
                                     {"headers", std::move(headers)},
                                     {"body_base64", signatures::base64_encode(in.body)}});
    CallEnd end = call(CallKind::inbound, data, timeout);
    const std::string what = "plugin " + name + ": inbound";
    switch (end.kind) {
        case CallEnd::Kind::answered:
            faults_.record_success(now());
            return read_inbound(std::move(end.answer));
        case CallEnd::Kind::deadline:
            faults_.record(now(), FaultLedger::Kind::hang, "hang in inbound", false);
            return outcome(S::failed, what + " did not answer within " +
                                          std::to_string(timeout.count()) + " ms (its deadline)");
        case CallEnd::Kind::crashed:
            return outcome(S::failed,
                           what + ": the process serving the plugin died (" + end.detail + ")");
        case CallEnd::Kind::not_started:
            return outcome(S::unavailable, what + " could not start before its deadline",
                           kRetryAfter);
        case CallEnd::Kind::unavailable:
            return outcome(S::unavailable, end.detail, kRetryAfter);
    }
    return outcome(S::failed, what + ": unknown call end");
}

InboundOutcome PluginBase::read_inbound(RawAnswer answer) const {
    using S = InboundOutcome::Status;
    const std::string what = "plugin " + manifest_.manifest.name + ": inbound";
    auto error_text = [&] {
        return answer.error.empty() ? what + " refused the request without a message"
                                    : clean_text(answer.error);
    };
    Millis after{std::max<std::int64_t>(0, answer.retry_after_ms)};
    switch (answer.status) {
        case RL_OK:
            break;
        case RL_ACCOUNT:
            return outcome(S::unauthorized, error_text());
        case RL_PERMANENT: {
            InboundOutcome out = outcome(S::invalid, error_text());
            json j = json::parse(answer.output, nullptr, false);
            if (j.is_object() && j.contains("field") && j["field"].is_string())
                out.field = clean_text(std::string(cut_utf8(j["field"].get<std::string>(), 200)));
            if (out.field.empty()) out.field = "body";
            return out;
        }
        case RL_RETRYABLE:
        case RL_RATE_LIMITED:
            return outcome(S::unavailable, error_text(), after > Millis{0} ? after : kRetryAfter);
        default:
            return outcome(S::failed, error_text());
    }
    // Believed only once checked: its events go into the store.
    std::string text = services_.redactor->apply(answer.output);
    if (auto problem = json_limit_error(text, kAnswerLimits))
        return outcome(S::failed, what + " answered something unusable: " + *problem);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("events") || !j["events"].is_array())
        return outcome(S::failed, what + " answered something that is not {\"events\": [...]}");
    const json& events = j["events"];
    if (events.size() > kMaxEvents)
        return outcome(S::failed, what + " answered " + std::to_string(events.size()) +
                                      " events, more than the " + std::to_string(kMaxEvents) +
                                      " one callback may bring");
    InboundOutcome out;
    try {
        out.events.reserve(events.size());
        for (std::size_t i = 0; i < events.size(); ++i)
            out.events.push_back(read_event(events[i], "events[" + std::to_string(i) + "]"));
    } catch (const std::invalid_argument& e) {
        return outcome(S::failed, what + " answered an unusable event: " + clean_text(e.what()));
    }
    if (auto ignored = j.find("ignored"); ignored != j.end() && ignored->is_number_unsigned())
        out.ignored = ignored->get<std::size_t>();
    if (auto notes = j.find("notes"); notes != j.end() && notes->is_array())
        for (const auto& n : *notes)
            if (n.is_string() && out.notes.size() < kMaxNotes)
                out.notes.push_back(
                    clean_text(std::string(cut_utf8(n.get<std::string>(), kMaxNoteBytes))));
    return out;
}

}  // namespace detail
}  // namespace relance::host
