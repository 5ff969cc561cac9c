// The SendGrid emulator: enough of v3 mail/send (auth, validation, ids, size limit, sandbox_mode)
// and of the Email Activity API to exercise the plugin, plus failure injection. Accepted
// messages go to the host's "outbox" box and stay in memory for /__sandbox/outbox and
// /v3/messages. Like SendGrid, it calls back: signed Event Webhook batches and Inbound Parse
// replies (sandbox_callbacks.hpp). See README.md for the knobs.
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "sandbox_callbacks.hpp"
#include "sandbox_faults.hpp"
#include "sendgrid.hpp"

namespace relance::plugins::sendgrid {
namespace {

constexpr std::int64_t kDefaultMaxBody = 30ll * 1024 * 1024;
constexpr size_t kMaxCustomArgsBytes = 10000;
constexpr size_t kRecordTextBytes = 2048;
constexpr size_t kKeepAccepted = 100000;

sdk::SandboxResponse json_response(int status, const json& body) {
    sdk::SandboxResponse r;
    r.status = status;
    r.headers["Content-Type"] = "application/json";
    r.body = sdk::dump(body);
    return r;
}

json error(const std::string& message, const json& field) {
    return json{{"message", message}, {"field", field}, {"help", nullptr}};
}

sdk::SandboxResponse errors_response(int status, const json& errors) {
    return json_response(status, json{{"errors", errors}});
}

// Good enough for an emulator: local@domain.tld, no spaces, one @.
bool valid_email(const json& v) {
    if (!v.is_string()) return false;
    const std::string& s = v.get_ref<const std::string&>();
    auto at = s.find('@');
    if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos)
        return false;
    std::string domain = s.substr(at + 1);
    auto dot = domain.find('.');
    if (dot == std::string::npos || dot == 0 || domain.back() == '.') return false;
    return s.find_first_of(" \t\r\n<>,;\"") == std::string::npos;
}

// The first kRecordTextBytes of a body, cut on a character boundary: a cut inside an "é" would
// make the record invalid UTF-8.
std::string truncated(const json& v) {
    if (!v.is_string()) return "";
    return std::string(sdk::cut_utf8(v.get_ref<const std::string&>(), kRecordTextBytes));
}

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// With a list of verified senders (addresses, or "@domain" for an authenticated domain), is
// this from address one of them? Without a list every sender is verified.
bool verified_sender(const json& verified, const std::string& from) {
    if (!verified.is_array() || verified.empty()) return true;
    std::string address = lower(from);
    std::string domain =
        address.substr(address.find('@') == std::string::npos ? address.size() : address.find('@'));
    for (const auto& v : verified) {
        if (!v.is_string()) continue;
        std::string entry = lower(v.get<std::string>());
        if (entry == address || (!entry.empty() && entry[0] == '@' && entry == domain)) return true;
    }
    return false;
}

// Every rule of providers.md 1.2 the plugin could break; collects all problems, like SendGrid.
json validate(const json& body, std::int64_t now_ms) {
    json errors = json::array();
    const json& ps = body.contains("personalizations") ? body["personalizations"] : json();
    if (!ps.is_array() || ps.empty()) {
        errors.push_back(
            error("The personalizations field is required and must have at least one "
                  "personalization.",
                  "personalizations"));
    } else if (ps.size() > 1000) {
        errors.push_back(error("You may not have more than 1000 personalizations per request.",
                               "personalizations"));
    } else {
        for (size_t i = 0; i < ps.size(); ++i) {
            const json& p = ps[i];
            std::string base = "personalizations." + std::to_string(i);
            const json& to = p.is_object() && p.contains("to") ? p["to"] : json();
            if (!to.is_array() || to.empty()) {
                errors.push_back(
                    error("The to array is required for all personalization objects, "
                          "and must have at least one email object with a valid "
                          "email address.",
                          base + ".to"));
                continue;
            }
            for (size_t j = 0; j < to.size(); ++j)
                if (!to[j].is_object() || !valid_email(to[j].value("email", json())))
                    errors.push_back(error("Does not contain a valid address.",
                                           base + ".to." + std::to_string(j) + ".email"));
            json args = body.contains("custom_args") && body["custom_args"].is_object()
                            ? body["custom_args"]
                            : json::object();
            if (p.contains("custom_args")) {
                if (!p["custom_args"].is_object())
                    errors.push_back(
                        error("custom_args must be an object of strings.", base + ".custom_args"));
                else
                    args.update(p["custom_args"]);
            }
            if (args.dump().size() > kMaxCustomArgsBytes)
                errors.push_back(
                    error("The custom_args may not exceed 10,000 bytes.", base + ".custom_args"));
        }
    }
    const json& from = body.contains("from") ? body["from"] : json();
    if (!from.is_object() || !from.contains("email"))
        errors.push_back(
            error("The from object must be provided for every email send. It is an "
                  "object that requires an email parameter, but may also contain a "
                  "name parameter.",
                  "from.email"));
    else if (!valid_email(from["email"]))
        errors.push_back(error("The from email does not contain a valid address.", "from.email"));
    if (body.contains("reply_to") &&
        (!body["reply_to"].is_object() || !valid_email(body["reply_to"].value("email", json()))))
        errors.push_back(
            error("The reply_to email does not contain a valid address.", "reply_to.email"));

    bool has_template = body.contains("template_id") && body["template_id"].is_string() &&
                        !body["template_id"].get<std::string>().empty();
    if (!has_template) {
        bool subject_ok = body.contains("subject") && body["subject"].is_string() &&
                          !body["subject"].get<std::string>().empty();
        if (!subject_ok && ps.is_array()) {
            subject_ok = !ps.empty();
            for (const auto& p : ps)
                subject_ok = subject_ok && p.is_object() && p.contains("subject") &&
                             p["subject"].is_string() && !p["subject"].get<std::string>().empty();
        }
        if (!subject_ok)
            errors.push_back(
                error("The subject is required. You can get around this requirement "
                      "if you use a template with a subject defined or if every "
                      "personalization has a subject defined.",
                      "subject"));
        const json& content = body.contains("content") ? body["content"] : json();
        if (!content.is_array() || content.empty())
            errors.push_back(
                error("Unless a valid template_id is provided, the content parameter "
                      "is required. There must be at least one defined content block.",
                      "content"));
    }
    if (body.contains("content") && body["content"].is_array()) {
        const json& content = body["content"];
        for (size_t i = 0; i < content.size(); ++i) {
            const json& c = content[i];
            std::string base = "content." + std::to_string(i);
            if (!c.is_object() || !c.contains("type") || !c["type"].is_string())
                errors.push_back(error("Content types must be strings.", base + ".type"));
            else if (!c.contains("value") || !c["value"].is_string() ||
                     c["value"].get<std::string>().empty())
                errors.push_back(
                    error("The content value must be a string at least one "
                          "character in length.",
                          base + ".value"));
            else if (c["type"] == "text/plain" && i != 0)
                errors.push_back(
                    error("If present, text/plain content must be first, followed "
                          "by any other content.",
                          base + ".type"));
        }
    }
    if (body.contains("categories")) {
        const json& cats = body["categories"];
        std::set<std::string> unique;
        bool ok = cats.is_array() && cats.size() <= 10;
        if (ok)
            for (const auto& c : cats)
                ok = ok && c.is_string() && c.get<std::string>().size() <= 255 &&
                     unique.insert(c.get<std::string>()).second;
        if (!ok)
            errors.push_back(
                error("Categories must be an array of at most 10 unique strings of "
                      "at most 255 characters.",
                      "categories"));
    }
    if (body.contains("send_at")) {
        const json& at = body["send_at"];
        if (!at.is_number_integer() || at.get<std::int64_t>() * 1000 > now_ms + 72ll * 3600 * 1000)
            errors.push_back(
                error("send_at must be a unix timestamp at most 72 hours ahead.", "send_at"));
    }
    return errors;
}

// unique_args['engine_msg_id']="<id>" (either quote style) -> id.
std::string engine_msg_id_from_query(const std::string& q) {
    auto key = q.find("engine_msg_id");
    if (key == std::string::npos) return "";
    auto eq = q.find('=', key);
    if (eq == std::string::npos) return "";
    auto open = q.find_first_of("\"'", eq);
    if (open == std::string::npos) return "";
    auto close = q.find(q[open], open + 1);
    if (close == std::string::npos) return "";
    return q.substr(open + 1, close - open - 1);
}

}  // namespace

struct Emulator::State {
    std::mutex mutex;
    std::string api_key;
    std::int64_t max_body = kDefaultMaxBody;
    SandboxFaults faults;
    std::vector<json> accepted;             // what this emulator instance accepted, oldest first
    std::int64_t activity_lag_ms = 0;       // how long before GET /v3/messages shows a message
    json verified_senders = json::array();  // empty: every from address is verified
    std::mt19937_64 rng{std::random_device{}()};
    std::uint64_t counter = 0;
    std::unique_ptr<CallbackDesk> callbacks;  // last: its thread stops first

    std::string new_message_id() {
        // 22 URL-safe characters like SendGrid's, unique per emulator (counter) and random-ish.
        static const char* alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        std::lock_guard lock(mutex);
        std::uint64_t a = rng(), b = ++counter;
        std::string id;
        for (int i = 0; i < 11; ++i, a >>= 6) id += alphabet[a & 63];
        for (int i = 0; i < 11; ++i, b >>= 6) id += alphabet[b & 63];
        return id;
    }
};

Emulator::Emulator(sdk::Host host, json config)
    : sdk::Sandbox(host, std::move(config)), state_(std::make_unique<State>()) {
    const json& c = this->config();
    if (auto s = c.find("secrets"); s != c.end() && s->is_object())
        state_->api_key = s->value("api_key", std::string{});
    if (auto m = c.find("max_body_bytes"); m != c.end() && m->is_number_integer())
        state_->max_body = m->get<std::int64_t>();
    if (auto m = c.find("activity_lag_ms"); m != c.end() && m->is_number_integer())
        state_->activity_lag_ms = m->get<std::int64_t>();
    if (auto v = c.find("verified_senders"); v != c.end() && v->is_array())
        state_->verified_senders = *v;
    state_->faults.configure(c);
    state_->callbacks = std::make_unique<CallbackDesk>(this->host(), c);
    // Messages accepted by this emulator in earlier processes (the host keeps them): a worker
    // restarted after a crash must still be able to reconcile them.
    if (auto h = c.find("history"); h != c.end() && h->is_object() && h->contains("outbox"))
        for (const auto& entry : (*h)["outbox"]) {
            if (!entry.is_object()) continue;
            json m = entry;
            m["accepted_at_ms"] = entry.value("recorded_at_ms", std::int64_t{0});
            if (state_->accepted.size() >= kKeepAccepted)
                state_->accepted.erase(state_->accepted.begin());
            state_->accepted.push_back(std::move(m));
        }
}

Emulator::~Emulator() = default;

// POST /__sandbox/events {"events": [SendGrid events], "url"?}: signs the batch and posts it now.
// POST /__sandbox/reply {"engine_msg_id" or "to", "from"?, "text"?, "subject"?, "url"?}: posts
// an Inbound Parse reply to that accepted message now. Both answer what relance answered.
sdk::SandboxResponse Emulator::deliver(const sdk::SandboxRequest& req) {
    State& st = *state_;
    json j = json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return errors_response(400, json::array({error("body must be a JSON object", nullptr)}));
    std::string url = j.value("url", st.callbacks->url());
    if (url.empty())
        return errors_response(
            400,
            json::array({error("no callback_url in the emulator's config and no \"url\"", "url")}));
    if (req.path == "/__sandbox/events") {
        if (!j.contains("events") || !j["events"].is_array())
            return errors_response(400, json::array({error("events must be an array", "events")}));
        return json_response(
            200, st.callbacks->deliver_now(st.callbacks->event_batch(j["events"], url)));
    }
    std::string id = j.value("engine_msg_id", std::string{}), to = j.value("to", std::string{});
    json message;
    {
        std::lock_guard lock(st.mutex);
        for (auto it = st.accepted.rbegin(); it != st.accepted.rend() && message.is_null(); ++it)
            if ((!id.empty() && it->value("engine_msg_id", "") == id) ||
                (id.empty() && !to.empty() && (*it)["to"].is_array() && !(*it)["to"].empty() &&
                 lower((*it)["to"][0].get<std::string>()) == lower(to)))
                message = *it;
    }
    if (message.is_null())
        return errors_response(
            404, json::array({error("no accepted message with that engine_msg_id or to",
                                    "engine_msg_id")}));
    return json_response(200, st.callbacks->deliver_now(st.callbacks->reply(message, j, url)));
}

sdk::SandboxResponse Emulator::handle(const sdk::SandboxRequest& req) {
    State& st = *state_;
    // Control endpoints: no auth, not counted by failure injection.
    if (req.path == "/__sandbox/fail" && req.method == "POST") {
        json j = json::parse(req.body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            return errors_response(400,
                                   json::array({error("body must be a JSON object", nullptr)}));
        st.faults.configure(j);
        return json_response(200, {{"ok", true}});
    }
    if (req.path == "/__sandbox/outbox" && req.method == "GET") {
        std::lock_guard lock(st.mutex);
        return json_response(200, {{"messages", st.accepted}});
    }
    if (req.path == "/__sandbox/callbacks" && req.method == "GET")
        return json_response(200, {{"deliveries", st.callbacks->log()}});
    if ((req.path == "/__sandbox/events" || req.path == "/__sandbox/reply") && req.method == "POST")
        return deliver(req);

    bool send = req.path == "/v3/mail/send";
    bool activity = req.path == "/v3/messages";
    bool signing_key = req.path == "/v3/user/webhooks/event/settings/signed";
    if (!send && !activity && !signing_key)
        return errors_response(404, json::array({error("not found", nullptr)}));
    if ((send && req.method != "POST") || ((activity || signing_key) && req.method != "GET"))
        return errors_response(405, json::array({error("method not allowed", nullptr)}));

    std::optional<InjectedFailure> fault = st.faults.next();
    if (fault && (!fault->after_accept || activity)) return SandboxFaults::response(*fault);

    std::string auth = req.header("authorization");
    bool authorized = st.api_key.empty() ? auth.rfind("Bearer ", 0) == 0 && auth.size() > 7
                                         : auth == "Bearer " + st.api_key;
    if (!authorized)
        return errors_response(
            401, json::array({error("The provided authorization grant is invalid, expired, or "
                                    "revoked",
                                    nullptr)}));

    if (signing_key)  // the Signed Event Webhook settings: the key callbacks are signed with
        return json_response(200, {{"enabled", true}, {"public_key", st.callbacks->public_key()}});

    if (activity) {
        std::string id =
            engine_msg_id_from_query(req.query.count("query") ? req.query.at("query") : "");
        if (id.empty()) return errors_response(400, json::array({error("invalid query", "query")}));
        json messages = json::array();
        std::lock_guard lock(st.mutex);
        std::int64_t visible_before = host().now_ms() - st.activity_lag_ms;
        for (const auto& m : st.accepted) {
            if (m.value("engine_msg_id", "") != id) continue;
            // Like the real Activity API, a message shows up only some time after it was sent.
            if (m.value("accepted_at_ms", std::int64_t{0}) > visible_before) continue;
            messages.push_back(
                {{"msg_id", m["provider_message_id"].get<std::string>() + ".filterdrecv-sandbox-0"},
                 {"from_email", m["from"]},
                 {"to_email", m["to"].empty() ? json("") : m["to"][0]},
                 {"subject", m["subject"]},
                 {"status", "delivered"},
                 {"opens_count", 0},
                 {"clicks_count", 0},
                 {"last_event_time", m["accepted_at_ms"]}});
            break;  // limit=1 is all the plugin asks for
        }
        return json_response(200, {{"messages", messages}});
    }

    if (static_cast<std::int64_t>(req.body.size()) > st.max_body)
        return errors_response(413, json::array({error("Payload Too Large", nullptr)}));
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return errors_response(400, json::array({error("Bad Request", nullptr)}));
    json errors = validate(body, host().now_ms());
    if (!errors.empty()) return errors_response(400, errors);
    if (!verified_sender(st.verified_senders, body["from"]["email"].get<std::string>()))
        // SendGrid's words, field and all: the plugin must show them as they are.
        return errors_response(
            403, json::array({error("The from address does not match a verified Sender Identity. "
                                    "Mail cannot be sent until this error is resolved. Visit "
                                    "https://sendgrid.com/docs/for-developers/sending-email/"
                                    "sender-identity/ to see the Sender Identity requirements",
                                    "from")}));

    const json& p = body["personalizations"][0];
    json custom_args = body.value("custom_args", json::object());
    if (p.contains("custom_args")) custom_args.update(p["custom_args"]);
    json headers = body.value("headers", json::object());
    if (p.contains("headers") && p["headers"].is_object()) headers.update(p["headers"]);
    json to = json::array();
    for (const auto& ps : body["personalizations"])
        for (const auto& t : ps["to"]) to.push_back(t["email"]);
    std::string text, html;
    if (body.contains("content"))
        for (const auto& c : body["content"]) {
            if (c["type"] == "text/plain" && text.empty()) text = truncated(c["value"]);
            if (c["type"] == "text/html" && html.empty()) html = truncated(c["value"]);
        }

    std::string id = st.new_message_id();
    json entry = {
        {"provider_message_id", id},
        {"engine_msg_id", custom_args.value("engine_msg_id", "")},
        {"engine_run_id", custom_args.value("engine_run_id", "")},
        {"to", to},
        {"from", body["from"]["email"]},
        {"subject", body.contains("subject") ? body["subject"] : p.value("subject", json())},
        {"text", text},
        {"html", html},
        {"headers", headers},
        {"categories", body.value("categories", json::array())},
        {"custom_args", custom_args}};
    if (body.contains("template_id")) entry["template_id"] = body["template_id"];
    bool sandbox_mode =
        body.contains("mail_settings") &&
        body["mail_settings"].value("sandbox_mode", json::object()).value("enable", false);
    if (!sandbox_mode) {
        host().sandbox_record("outbox", entry);
        entry["accepted_at_ms"] = host().now_ms();
        {
            std::lock_guard lock(st.mutex);
            if (st.accepted.size() >= kKeepAccepted) st.accepted.erase(st.accepted.begin());
            st.accepted.push_back(entry);
        }
        st.callbacks->accepted(entry);  // queued: they leave after this answer
    }
    // The message is recorded before the delay: a worker killed while waiting leaves a message
    // that was sent but never acknowledged, which is exactly what reconcile() is for.
    if (auto ms = st.faults.latency_ms(); ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds{ms});

    if (fault) return SandboxFaults::response(*fault);  // accepted, but the answer is lost
    sdk::SandboxResponse r;
    r.status = sandbox_mode ? 200 : 202;
    r.headers["X-Message-Id"] = id;
    return r;
}

}  // namespace relance::plugins::sendgrid
