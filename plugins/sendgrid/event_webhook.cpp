#include "event_webhook.hpp"

#include <algorithm>

namespace relance::plugins::sendgrid {

namespace {

using sdk::json;

constexpr std::size_t kMaxBodyBytes = 64u << 20;
constexpr int kMaxDepth = 16;  // events are flat objects; categories an array inside them
constexpr std::size_t kMaxTimestampDigits = 12;
constexpr std::size_t kMaxSignatureText = 256;
constexpr std::size_t kMaxIdBytes = 200;
constexpr std::size_t kMaxEmailBytes = 320;
constexpr std::size_t kMaxDataText = 500;
constexpr std::size_t kMaxNotes = 10;

// The one value of a header the signature depends on: two of them would leave it to chance
// which one a proxy, a framework or this code reads.
std::string single_header(const sdk::InboundRequest& request, std::string_view name) {
    auto values = request.header_values(name);
    if (values.empty())
        throw sdk::unauthorized("the Event Webhook request has no " + std::string(name) +
                                " header: it is not signed (turn on the Signed Event Webhook)");
    if (values.size() > 1)
        throw sdk::unauthorized("the Event Webhook request has " + std::to_string(values.size()) +
                                " " + std::string(name) + " headers; a signed request has one");
    return values.front();
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// A string member, "" when absent or another type.
std::string text(const json& e, const char* key) {
    auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// What relance keeps of a SendGrid event: its kind, ids and the reason, bounded.
json event_data(const json& e) {
    json data = {{"event", text(e, "event")}};
    for (const char* key : {"sg_message_id", "reason", "status", "type", "bounce_classification",
                            "url", "asm_group_id", "sg_machine_open", "response"}) {
        auto it = e.find(key);
        if (it == e.end()) continue;
        if (it->is_string())
            data[key] = std::string(sdk::cut_utf8(it->get_ref<const std::string&>(), kMaxDataText));
        else if (it->is_number() || it->is_boolean())
            data[key] = *it;
    }
    return data;
}

struct Mapped {
    std::string type;  // "" : not a contact event
    bool soft = false;
};

Mapped map_event(const json& e) {
    const std::string event = text(e, "event");
    if (event == "delivered") return {"delivered"};
    if (event == "open") return {"opened"};
    if (event == "click") return {"clicked"};
    if (event == "spamreport") return {"complained"};
    if (event == "unsubscribe" || event == "group_unsubscribe") return {"unsubscribed"};
    if (event == "bounce") {
        // "blocked": the receiving server refused this message for now (reputation, content);
        // "bounce": the address does not take mail. Only the latter suppresses.
        return {"bounced", lower(text(e, "type")) == "blocked"};
    }
    if (event == "dropped") {
        // SendGrid drops a message to an address on one of its own suppression lists: the
        // reason says which, and it is news about the contact.
        const std::string reason = lower(text(e, "reason"));
        if (reason.find("unsubscribed") != std::string::npos) return {"unsubscribed"};
        if (reason.find("spam") != std::string::npos) return {"complained"};
        if (reason.find("bounced") != std::string::npos || reason.find("invalid") == 0)
            return {"bounced"};
    }
    return {};  // processed, deferred, group_resubscribe, dropped for other reasons, unknown
}

}  // namespace

void verify_event_webhook(const sdk::InboundRequest& request, const VerificationKey& key,
                          std::int64_t now_ms, std::int64_t tolerance_s) {
    const std::string signature_text = single_header(request, kSignatureHeader);
    const std::string timestamp = single_header(request, kTimestampHeader);
    if (timestamp.empty() || timestamp.size() > kMaxTimestampDigits ||
        timestamp.find_first_not_of("0123456789") != std::string::npos)
        throw sdk::unauthorized("the Event Webhook timestamp is not a number of seconds");
    // Checked before the signature: a genuine request replayed long after is refused too.
    const std::int64_t age = now_ms / 1000 - std::stoll(timestamp);
    if (age > tolerance_s || -age > tolerance_s)
        throw sdk::unauthorized("the Event Webhook timestamp is " +
                                std::to_string(age < 0 ? -age : age) + " s " +
                                (age < 0 ? "in the future" : "old") + ", beyond the " +
                                std::to_string(tolerance_s) + " s tolerance");
    if (signature_text.size() > kMaxSignatureText)
        throw sdk::unauthorized("the Event Webhook signature is too long");
    auto signature = sdk::base64_decode(signature_text);
    if (!signature) throw sdk::unauthorized("the Event Webhook signature is not base64");
    // The exact bytes: the timestamp's text, then the body as received (never re-serialised).
    std::string signed_bytes;
    signed_bytes.reserve(timestamp.size() + request.body.size());
    signed_bytes += timestamp;
    signed_bytes += request.body;
    if (!key.verifies(signed_bytes, *signature))
        throw sdk::unauthorized(
            "the Event Webhook signature does not match the body and timestamp under the "
            "verification key");
}

sdk::InboundAnswer read_event_batch(std::string_view body) {
    std::string why;
    json batch = sdk::parse_bounded(body, kMaxBodyBytes, kMaxDepth, &why);
    if (batch.is_discarded()) throw sdk::malformed("body", "the Event Webhook body is " + why);
    if (batch.is_object()) batch = json::array({std::move(batch)});
    if (!batch.is_array())
        throw sdk::malformed("body", "the Event Webhook body must be a JSON array of events");
    if (batch.size() > kMaxBatchEvents)
        throw sdk::malformed("body", "the Event Webhook body holds " +
                                         std::to_string(batch.size()) + " events, more than " +
                                         std::to_string(kMaxBatchEvents));
    sdk::InboundAnswer answer;
    auto set_aside = [&](std::size_t i, const std::string& why) {
        ++answer.ignored;
        if (answer.notes.size() < kMaxNotes)
            answer.notes.push_back("events[" + std::to_string(i) + "]: " + why);
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const json& e = batch[i];
        if (!e.is_object()) {
            set_aside(i, "not an object");
            continue;
        }
        Mapped mapped = map_event(e);
        if (mapped.type.empty()) {
            ++answer.ignored;  // not news about a contact: no note needed
            continue;
        }
        std::string email = text(e, "email");
        std::string id = text(e, "sg_event_id");
        if (email.empty() || email.size() > kMaxEmailBytes) {
            set_aside(i, "a " + text(e, "event") + " event without a usable email");
            continue;
        }
        if (id.empty() || id.size() > kMaxIdBytes) {
            set_aside(i, "a " + text(e, "event") + " event without a usable sg_event_id");
            continue;
        }
        sdk::InboundEvent event;
        event.id = id;
        event.type = mapped.type;
        event.contact = email;
        // The plugin's custom_args come back flattened at the top level of each event.
        std::string message = text(e, "engine_msg_id");
        if (message.size() <= kMaxIdBytes) event.message_id = message;
        if (auto ts = e.find("timestamp"); ts != e.end() && ts->is_number_integer() &&
                                           ts->get<std::int64_t>() > 0 &&
                                           ts->get<std::int64_t>() < (std::int64_t{1} << 40))
            event.at_ms = ts->get<std::int64_t>() * 1000;
        event.data = event_data(e);
        if (mapped.soft) event.data["soft"] = true;
        answer.events.push_back(std::move(event));
    }
    return answer;
}

}  // namespace relance::plugins::sendgrid
