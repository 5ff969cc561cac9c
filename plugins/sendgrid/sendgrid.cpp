// The SendGrid plugin proper: builds the v3 mail/send body, carries the engine's message id in
// custom_args (so an in-doubt send can be reconciled and events matched) and classifies every
// answer. It never retries by itself: the engine decides, knowing whether the step is in doubt.
#include "sendgrid.hpp"

#include <algorithm>
#include <optional>

#include "message_id.hpp"

namespace relance::plugins::sendgrid {
namespace {

const char* const kManifest = R"json({
  "name": "sendgrid",
  "version": "1.0.0",
  "description": "Email through Twilio SendGrid (v3 mail/send), its Event Webhook and Inbound Parse callbacks, with a loopback emulator.",
  "secrets": [
    {"name": "api_key", "description": "SendGrid API key (SG.xxx), mail send permission",
     "required": true},
    {"name": "webhook_public_key",
     "description": "Signed Event Webhook verification key (base64 DER, from Mail Settings); without it the key is fetched with api_key",
     "required": false},
    {"name": "parse_password",
     "description": "HTTP Basic password in the Inbound Parse URL (https://sendgrid:PASSWORD@host/v1/inbound/sendgrid/default); Inbound Parse posts are refused without it",
     "required": false}
  ],
  "inbound": {
    "description": "SendGrid's callbacks to POST /v1/inbound/sendgrid/{account}, told apart by Content-Type.",
    "callbacks": [
      {"name": "event_webhook", "content_type": "application/json",
       "verified_by": "ECDSA P-256 signature (X-Twilio-Email-Event-Webhook-Signature) over timestamp + body",
       "events": ["delivered", "opened", "clicked", "bounced", "unsubscribed", "complained"]},
      {"name": "inbound_parse", "content_type": "multipart/form-data",
       "verified_by": "HTTP Basic credentials (secret parse_password)",
       "events": ["replied"]}
    ],
    "secrets": ["webhook_public_key", "parse_password"],
    "events": ["delivered", "opened", "clicked", "bounced", "unsubscribed", "complained",
               "replied"],
    "timeout_ms": 10000
  },
  "limits": {"per_second": 100},
  "events": ["processed", "deferred", "delivered", "bounce", "dropped", "open", "click",
             "spamreport", "unsubscribe", "group_unsubscribe", "group_resubscribe"],
  "actions": [
    {
      "name": "send",
      "description": "Send one email. Not safe to repeat; reconciled through the Email Activity API.",
      "safe_to_repeat": false,
      "channel": "email",
      "input_schema": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
          "to": {"type": "string", "format": "email"},
          "to_name": {"type": "string"},
          "from": {"type": "string", "format": "email"},
          "from_name": {"type": "string"},
          "subject": {"type": "string", "minLength": 1},
          "text": {"type": "string"},
          "html": {"type": "string"},
          "reply_to": {"type": "string", "format": "email"},
          "categories": {"type": "array", "items": {"type": "string", "maxLength": 255},
                         "maxItems": 10},
          "unsubscribe_url": {"type": "string"},
          "custom_args": {"type": "object", "additionalProperties": {"type": "string"}},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "template_id": {"type": "string"},
          "dynamic_template_data": {"type": "object"},
          "send_at": {"type": "integer"}
        },
        "required": ["to", "from"],
        "anyOf": [
          {"required": ["template_id"]},
          {"required": ["subject", "text"]},
          {"required": ["subject", "html"]}
        ],
        "additionalProperties": false
      },
      "output_schema": {
        "type": "object",
        "properties": {
          "provider_message_id": {"type": "string"},
          "engine_msg_id": {"type": "string"},
          "status": {"type": "integer"}
        },
        "required": ["provider_message_id", "engine_msg_id", "status"]
      }
    }
  ]
})json";

const char* const kDefaultBaseUrl = "https://api.sendgrid.com";

// When to ask again after a 429 or 5xx: Retry-After (seconds or HTTP-date), else
// X-RateLimit-Reset (unix seconds), both against the engine clock; nothing when neither is set.
std::optional<std::chrono::milliseconds> retry_after(const sdk::HttpResponse& resp,
                                                     std::int64_t now_ms) {
    auto after = sdk::parse_retry_after(resp.header("retry-after"), now_ms);
    if (after) return after;
    std::string reset = resp.header("x-ratelimit-reset");
    if (!reset.empty() && reset.find_first_not_of("0123456789") == std::string::npos &&
        reset.size() < 15) {
        std::int64_t delta = std::stoll(reset) * 1000 - now_ms;
        return std::chrono::milliseconds{delta > 0 ? delta : 0};
    }
    return std::nullopt;
}

// How long to wait before asking the Email Activity API again when it could not answer.
constexpr std::chrono::milliseconds kLookupRetry{60'000};

// "field: message; field: message" from a SendGrid errors body.
std::string describe_errors(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("errors") || !j["errors"].is_array()) return "";
    std::string out;
    for (const auto& e : j["errors"]) {
        if (!e.is_object()) continue;
        if (!out.empty()) out += "; ";
        if (e.contains("field") && e["field"].is_string())
            out += e["field"].get<std::string>() + ": ";
        out += e.value("message", std::string{"(no message)"});
    }
    return out;
}

}  // namespace

SendGrid::SendGrid(sdk::Host host, json config) : sdk::Plugin(host, std::move(config)) {
    base_url_ = this->config().value("base_url", std::string{kDefaultBaseUrl});
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    if (auto t = this->config().find("timeout_ms"); t != this->config().end() && t->is_number())
        timeout_ = std::chrono::milliseconds{t->get<std::int64_t>()};
    // "reconcile": false makes every reconcile() answer unknown, as when the key lacks Email
    // Activity access: in-doubt sends then pause for a human (used by the crash tests).
    if (auto r = this->config().find("reconcile"); r != this->config().end() && r->is_boolean())
        reconcile_enabled_ = r->get<bool>();
    // SendGrid indexes activity within seconds to minutes: wait 10 minutes before taking "no
    // trace" as "not sent". The same default in sandbox mode, where the emulator may be told to
    // lag too (activity_lag_ms): a shorter settle time there would resend.
    settle_ = std::chrono::milliseconds{10 * 60 * 1000};
    if (auto t = this->config().find("reconcile_settle_ms");
        t != this->config().end() && t->is_number_integer())
        settle_ = std::chrono::milliseconds{t->get<std::int64_t>()};
    // How far an Event Webhook timestamp may be from the engine clock. SendGrid sets none; ten
    // minutes bounds a replay and leaves room for its queues.
    if (auto t = this->config().find("webhook_tolerance_s");
        t != this->config().end() && t->is_number_integer() && t->get<std::int64_t>() > 0)
        tolerance_s_ = t->get<std::int64_t>();
}

std::string SendGrid::api_key() const {
    auto key = host().secret("api_key");
    if (!key || key->empty()) throw sdk::permanent("sendgrid: secret api_key is not set");
    return *key;
}

json SendGrid::build_body(const json& in, const std::string& message_id,
                          const std::string& run_id) {
    json to = {{"email", in.value("to", "")}};
    if (in.contains("to_name")) to["name"] = in["to_name"];
    json personalization = {{"to", json::array({to})}};

    json custom_args = json::object();
    if (auto it = in.find("custom_args"); it != in.end() && it->is_object())
        for (auto& [k, v] : it->items())
            custom_args[k] = v.is_string() ? v.get<std::string>() : v.dump();
    // Ours last, so a user key of the same name cannot break reconciliation.
    custom_args["engine_msg_id"] = message_id;
    custom_args["engine_run_id"] = run_id;
    personalization["custom_args"] = custom_args;

    json headers = json::object();
    bool has_message_id = false;
    if (auto it = in.find("headers"); it != in.end() && it->is_object())
        for (auto& [k, v] : it->items()) {
            headers[k] = v.is_string() ? v.get<std::string>() : v.dump();
            std::string name = k;
            for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            has_message_id = has_message_id || name == "message-id";
        }
    // A Message-ID that names the engine message: a reply quotes it in In-Reply-To, which is
    // how Inbound Parse finds the run it answers. The user's own wins.
    if (!has_message_id)
        if (auto id = message_id_header(message_id, in.value("from", "")); !id.empty())
            headers["Message-ID"] = id;
    if (auto it = in.find("unsubscribe_url");
        it != in.end() && it->is_string() && !it->get<std::string>().empty()) {
        // RFC 8058 one-click unsubscribe, per recipient.
        headers["List-Unsubscribe"] = "<" + it->get<std::string>() + ">";
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
    }
    if (!headers.empty()) personalization["headers"] = headers;
    if (auto it = in.find("dynamic_template_data"); it != in.end())
        personalization["dynamic_template_data"] = *it;

    json from = {{"email", in.value("from", "")}};
    if (in.contains("from_name")) from["name"] = in["from_name"];
    json body = {{"personalizations", json::array({personalization})}, {"from", from}};
    if (in.contains("reply_to")) body["reply_to"] = {{"email", in["reply_to"]}};
    if (in.contains("subject")) body["subject"] = in["subject"];
    json content = json::array();
    // text/plain must come before text/html (SendGrid rejects the other order).
    if (in.contains("text")) content.push_back({{"type", "text/plain"}, {"value", in["text"]}});
    if (in.contains("html")) content.push_back({{"type", "text/html"}, {"value", in["html"]}});
    if (!content.empty()) body["content"] = content;
    if (in.contains("categories")) body["categories"] = in["categories"];
    if (in.contains("template_id")) body["template_id"] = in["template_id"];
    if (in.contains("send_at")) body["send_at"] = in["send_at"];
    return body;
}

json SendGrid::invoke(const sdk::Call& call) {
    if (call.action != "send") throw sdk::permanent("sendgrid has no action '" + call.action + "'");
    const json& in = call.input;
    // The schema is checked before the call; these guard against a caller that skipped it.
    if (!in.is_object() || !in.contains("to") || !in.contains("from"))
        throw sdk::permanent("sendgrid.send: input needs to and from");
    bool has_template = in.contains("template_id");
    if (!has_template &&
        (!in.contains("subject") || (!in.contains("text") && !in.contains("html"))))
        throw sdk::permanent(
            "sendgrid.send: subject and text or html are required without template_id");

    sdk::HttpRequest req;
    req.method = "POST";
    req.url = base_url_ + "/v3/mail/send";
    req.headers = {{"Authorization", "Bearer " + api_key()}, {"Content-Type", "application/json"}};
    req.body = build_body(in, call.message_id, call.run_id).dump();
    req.timeout = timeout_;

    sdk::HttpResponse resp = host().http(req);
    if (!resp.ok()) throw sdk::transport_failure(resp, "sendgrid mail/send");

    const int s = resp.status;
    if (s == 202 || s == 200) {
        return json{{"provider_message_id", resp.header("x-message-id")},
                    {"engine_msg_id", call.message_id},
                    {"status", s}};
    }
    std::string detail = describe_errors(resp.body);
    std::string msg = "sendgrid answered " + std::to_string(s);
    if (s == 401 || s == 403) {
        // The account, not this message: a revoked or wrong key, a from address that is not a
        // verified Sender Identity. SendGrid's own words tell the operator what to fix.
        throw sdk::account_error(
            msg + ": " + (detail.empty() ? std::string("the account was refused") : detail));
    }
    if (s == 413) throw sdk::permanent(msg + ": message too large");
    if (s == 429) {
        throw sdk::rate_limited(msg + ": too many requests",
                                retry_after(resp, host().now_ms()).value_or(kLookupRetry));
    }
    if (s == 502 || s == 504) {
        // A gateway answered after the request went out: SendGrid may have accepted the message
        // behind it. Only reconciliation can tell; a blind retry could send it twice.
        throw sdk::in_doubt(msg +
                            " after the request went out; the message may have been accepted" +
                            (detail.empty() ? "" : ": " + detail));
    }
    if (s >= 500) throw sdk::retryable(msg + (detail.empty() ? "" : ": " + detail));
    throw sdk::permanent(msg + (detail.empty() ? "" : ": " + detail));
}

sdk::Reconciled SendGrid::reconcile(const sdk::Call& call) {
    sdk::Reconciled rec;  // unknown unless the provider says otherwise
    if (call.message_id.empty()) return rec;
    if (!reconcile_enabled_) {
        rec.reason = "reconciliation is off for sendgrid (\"reconcile\": false)";
        return rec;
    }
    sdk::HttpRequest req;
    req.method = "GET";
    std::string query = "unique_args['engine_msg_id']=\"" + call.message_id + "\"";
    req.url = base_url_ + "/v3/messages?query=" + sdk::url_encode(query) + "&limit=1";
    std::string key;
    try {
        key = api_key();
    } catch (const sdk::Error& e) {
        rec.reason = e.what();
        return rec;
    }
    req.headers = {{"Authorization", "Bearer " + key}};
    req.timeout = timeout_;
    sdk::HttpResponse resp = host().http(req);
    const std::string what = "the Email Activity lookup of message " + call.message_id;
    auto ask_again = [&](const std::string& why, std::chrono::milliseconds after) {
        // The lookup failed, which says nothing about the message: ask again later, never
        // pause the run for a human over a busy or unreachable API.
        rec.outcome = sdk::Reconciled::Outcome::pending;
        rec.retry_after = std::max(after, std::chrono::milliseconds{1000});
        rec.reason = why;
        return rec;
    };
    if (!resp.ok())
        return ask_again(what + " got no answer (" + resp.transport_error + " error)",
                         kLookupRetry);
    const int s = resp.status;
    std::string detail = describe_errors(resp.body);
    std::string msg = "sendgrid answered " + std::to_string(s) + " to " + what;
    if (s == 429 || s >= 500)
        return ask_again(msg + (detail.empty() ? "" : ": " + detail),
                         retry_after(resp, host().now_ms()).value_or(kLookupRetry));
    if (s == 401 || s == 403)
        throw sdk::account_error(msg + ": " +
                                 (detail.empty() ? "the account was refused" : detail));
    if (s != 200) {
        rec.reason = msg + (detail.empty() ? "" : ": " + detail);
        return rec;  // unknown
    }
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || !j.contains("messages") || !j["messages"].is_array()) {
        rec.reason = what + " answered something unreadable";
        return rec;
    }
    if (j["messages"].empty()) {
        if (call.started_at_ms <= 0) {  // cannot tell how recent it is: unknown
            rec.reason = "no trace of message " + call.message_id +
                         ", and the attempt's start time is unknown";
            return rec;
        }
        std::int64_t age = host().now_ms() - call.started_at_ms;
        if (age < settle_.count()) {
            rec.outcome = sdk::Reconciled::Outcome::pending;
            rec.retry_after =
                std::chrono::milliseconds{std::max<std::int64_t>(1000, settle_.count() - age)};
            return rec;
        }
        rec.outcome = sdk::Reconciled::Outcome::not_done;
        return rec;
    }
    std::string msg_id = j["messages"][0].value("msg_id", std::string{});
    // Activity ids are "<X-Message-Id>.filter...": the prefix is what send() returned.
    std::string provider_id = msg_id.substr(0, msg_id.find('.'));
    rec.outcome = sdk::Reconciled::Outcome::done;
    rec.output = json{
        {"provider_message_id", provider_id}, {"engine_msg_id", call.message_id}, {"status", 202}};
    return rec;
}

}  // namespace relance::plugins::sendgrid

RELANCE_PLUGIN(relance::plugins::sendgrid::SendGrid, relance::plugins::sendgrid::Emulator,
               relance::plugins::sendgrid::kManifest)
