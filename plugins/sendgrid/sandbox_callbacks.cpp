#include "sandbox_callbacks.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "event_webhook.hpp"
#include "sandbox_key.hpp"
#include "webhook_crypto.hpp"

namespace relance::plugins::sendgrid {

namespace {

using sdk::json;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kKeepLog = 1000;
constexpr int kAttempts = 3;  // a delivery answered 5xx or not at all is tried this often
constexpr std::chrono::milliseconds kRetryGap{1000};
constexpr std::chrono::milliseconds kPostTimeout{5000};
// SendGrid's own multipart boundary.
constexpr const char* kBoundary = "xYzZY";

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// `*` matches any run of characters; case-insensitive. One backtrack point, so linear enough
// for addresses.
bool glob(const std::string& pattern_in, const std::string& text_in) {
    std::string p = lower(pattern_in), t = lower(text_in);
    std::size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star != std::string::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

bool replaces_delivery(const std::string& event) {
    return event == "bounce" || event == "blocked" || event == "dropped";
}

struct Rule {
    std::string to, event, text;
    std::chrono::milliseconds delay{0};
};

std::string first_recipient(const json& message) {
    const json& to = message.contains("to") ? message["to"] : json();
    return to.is_array() && !to.empty() && to[0].is_string() ? to[0].get<std::string>() : "";
}

std::string domain_of(const std::string& address) {
    auto at = address.rfind('@');
    return at == std::string::npos ? "sandbox.test" : address.substr(at + 1);
}

// One form field of a multipart/form-data body.
void form_field(std::string& body, const std::string& name, const std::string& value) {
    body += "--";
    body += kBoundary;
    body += "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
    body += value;
    body += "\r\n";
}

}  // namespace

struct CallbackDesk::State {
    std::optional<SigningKey> key;
    std::string parse_password;
    std::chrono::milliseconds delay{0};
    bool duplicate = false;
    std::vector<Rule> rules;

    std::mutex mutex;
    std::condition_variable wake;
    struct Queued {
        Steady::time_point due;
        Delivery delivery;
        int attempt = 1;
    };
    std::deque<Queued> queue;  // in no order: the thread takes the earliest due
    bool stopping = false;
    std::thread thread;  // started by the first delivery queued
    std::deque<json> log;
    std::uint64_t replies = 0;
};

CallbackDesk::CallbackDesk(sdk::Host host, const json& c)
    : host_(host), state_(std::make_unique<State>()) {
    State& st = *state_;
    std::string why;
    std::string pem = c.value("webhook_private_key", std::string(kSandboxWebhookPrivateKeyPem));
    st.key = SigningKey::from_pem(pem, &why);
    if (!st.key) throw std::invalid_argument("webhook_private_key: " + why);
    url_ = c.value("callback_url", std::string{});
    if (auto d = c.find("callback_delay_ms"); d != c.end() && d->is_number_integer())
        st.delay = std::chrono::milliseconds{d->get<std::int64_t>()};
    st.duplicate = c.value("duplicate_events", false);
    if (auto s = c.find("secrets"); s != c.end() && s->is_object())
        st.parse_password = s->value("parse_password", std::string{});
    if (auto rules = c.find("auto_events"); rules != c.end()) {
        if (!rules->is_array()) throw std::invalid_argument("auto_events must be an array");
        for (const auto& r : *rules) {
            Rule rule;
            rule.to = r.is_object() ? r.value("to", std::string{}) : std::string{};
            rule.event = r.is_object() ? r.value("event", std::string{}) : std::string{};
            static const std::vector<std::string> known = {"bounce",     "blocked", "dropped",
                                                           "open",       "click",   "unsubscribe",
                                                           "spamreport", "reply"};
            if (rule.to.empty() || std::find(known.begin(), known.end(), rule.event) == known.end())
                throw std::invalid_argument(
                    "auto_events: each rule needs \"to\" (a pattern) and \"event\" (bounce, "
                    "blocked, dropped, open, click, unsubscribe, spamreport or reply)");
            rule.text = r.value("text", std::string{"Thanks, happy to talk. (sandbox reply)"});
            rule.delay = std::chrono::milliseconds{r.value("delay_ms", std::int64_t{0})};
            st.rules.push_back(std::move(rule));
        }
    }
}

CallbackDesk::~CallbackDesk() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    if (state_->thread.joinable()) state_->thread.join();
}

std::string CallbackDesk::public_key() const {
    return state_->key->public_key_base64();
}

Delivery CallbackDesk::event_batch(const json& events, const std::string& url) const {
    Delivery d;
    d.kind = "event_webhook";
    d.url = url;
    // SendGrid's own framing: events on lines of their own, CRLF after each.
    std::string body = "[";
    for (std::size_t i = 0; i < events.size(); ++i)
        body += (i ? ",\r\n" : "") + sdk::dump(events[i]);
    body += "]\r\n";
    d.headers = {{"Content-Type", "application/json"}, {"User-Agent", "SendGrid Event API"}};
    d.body = std::move(body);
    return d;  // signed as it leaves (deliver_now), with the time it leaves
}

Delivery CallbackDesk::reply(const json& message, const json& options,
                             const std::string& url) const {
    std::string recipient = first_recipient(message);
    std::string from = options.value("from", recipient);
    std::string sender = message.value("from", std::string{"sender@sandbox.test"});
    std::string subject =
        options.value("subject", "Re: " + message.value("subject", std::string{}));
    std::string text = options.value("text", std::string{"Thanks, happy to talk. (sandbox reply)"});
    // The message it answers: the Message-ID the plugin gave it, else SendGrid's own smtp-id.
    std::string original;
    if (auto h = message.find("headers"); h != message.end() && h->is_object())
        for (auto& [k, v] : h->items())
            if (lower(k) == "message-id" && v.is_string()) original = v.get<std::string>();
    if (original.empty())
        original =
            "<" + message.value("provider_message_id", std::string{"x"}) + "@sandbox.sendgrid>";
    std::uint64_t n;
    {
        std::lock_guard lock(state_->mutex);
        n = ++state_->replies;
    }
    std::string own_id = "<sandbox-reply-" + std::to_string(n) + "-" +
                         message.value("provider_message_id", std::string{"x"}) + "@" +
                         domain_of(from) + ">";
    std::string headers = "From: " + from + "\r\nTo: " + sender + "\r\nSubject: " + subject +
                          "\r\nMessage-ID: " + own_id + "\r\nIn-Reply-To: " + original +
                          "\r\nReferences: " + original + "\r\nMIME-Version: 1.0\r\n" +
                          "Content-Type: text/plain; charset=UTF-8\r\n";
    std::string body;
    form_field(body, "headers", headers);
    form_field(body, "dkim", "{@" + domain_of(from) + " : pass}");
    form_field(body, "to", sender);
    form_field(body, "from", from);
    form_field(body, "subject", subject);
    form_field(body, "text", text + "\r\n");
    form_field(body, "sender_ip", "127.0.0.1");
    form_field(body, "envelope", sdk::dump(json{{"to", json::array({sender})}, {"from", from}}));
    form_field(body, "attachments", "0");
    form_field(body, "charsets",
               R"({"to":"UTF-8","from":"UTF-8","subject":"UTF-8","text":"UTF-8"})");
    form_field(body, "SPF", "pass");
    body += "--" + std::string(kBoundary) + "--\r\n";
    Delivery d;
    d.kind = "inbound_parse";
    d.url = url;
    d.headers = {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary},
                 {"User-Agent", "Sendlib/1.0 (sandbox)"}};
    // SendGrid signs nothing here: the password rides in the Parse URL as Basic credentials.
    if (!state_->parse_password.empty())
        d.headers["Authorization"] =
            "Basic " + sdk::base64_encode("sendgrid:" + state_->parse_password);
    d.body = std::move(body);
    return d;
}

void CallbackDesk::accepted(const json& message) {
    if (url_.empty()) return;
    State& st = *state_;
    std::string to = first_recipient(message);
    std::string provider_id = message.value("provider_message_id", std::string{});
    std::int64_t now_s = host_.now_ms() / 1000;
    auto event = [&](const std::string& name) {
        json e = {{"email", to},
                  {"timestamp", now_s},
                  {"event", name},
                  {"sg_event_id", "sandbox." + provider_id + "." + name},
                  {"sg_message_id", provider_id + ".filterdrecv-sandbox-0"},
                  {"smtp-id", "<" + provider_id + "@sandbox.sendgrid>"}};
        // custom_args come back flattened at the top level, engine_msg_id among them.
        if (auto args = message.find("custom_args"); args != message.end() && args->is_object())
            for (auto& [k, v] : args->items()) e[k] = v;
        if (message.contains("categories")) e["category"] = message["categories"];
        if (name == "delivered") e["response"] = "250 2.0.0 OK (sandbox)";
        if (name == "bounce" || name == "blocked") {
            e["event"] = "bounce";
            e["sg_event_id"] = "sandbox." + provider_id + ".bounce";
            e["type"] = name;
            e["status"] = name == "bounce" ? "5.1.1" : "4.7.1";
            e["reason"] = name == "bounce" ? "550 5.1.1 The email account does not exist (sandbox)"
                                           : "421 4.7.1 Try again later (sandbox)";
        }
        if (name == "dropped") e["reason"] = "Bounced Address";
        if (name == "click") e["url"] = "https://relance-demo.test/";
        return e;
    };
    std::vector<std::pair<std::chrono::milliseconds, Delivery>> out;
    std::string first = "delivered";
    for (const auto& r : st.rules)
        if (replaces_delivery(r.event) && glob(r.to, to)) first = r.event;
    out.emplace_back(st.delay, event_batch(json::array({event("processed"), event(first)}), url_));
    for (const auto& r : st.rules) {
        if (replaces_delivery(r.event) || !glob(r.to, to)) continue;
        if (r.event == "reply")
            out.emplace_back(st.delay + r.delay, reply(message, json{{"text", r.text}}, url_));
        else
            out.emplace_back(st.delay + r.delay, event_batch(json::array({event(r.event)}), url_));
    }
    std::lock_guard lock(st.mutex);
    if (st.stopping) return;
    auto now = Steady::now();
    for (auto& [delay, d] : out) {
        int copies = st.duplicate && d.kind == "event_webhook" ? 2 : 1;
        for (int i = 0; i < copies; ++i) st.queue.push_back({now + delay, d, 1});
    }
    if (!st.thread.joinable())
        st.thread = std::thread([this] {
            State& s = *state_;
            std::unique_lock lk(s.mutex);
            while (!s.stopping) {
                if (s.queue.empty()) {
                    s.wake.wait(lk);
                    continue;
                }
                auto next =
                    std::min_element(s.queue.begin(), s.queue.end(),
                                     [](const auto& a, const auto& b) { return a.due < b.due; });
                if (next->due > Steady::now()) {
                    s.wake.wait_until(lk, next->due);
                    continue;
                }
                State::Queued q = std::move(*next);
                s.queue.erase(next);
                lk.unlock();
                json result = deliver_now(q.delivery);
                lk.lock();
                bool failed = result.contains("error") || result.value("status", 0) >= 500;
                if (failed && q.attempt < kAttempts && !s.stopping)
                    s.queue.push_back({Steady::now() + kRetryGap * q.attempt, std::move(q.delivery),
                                       q.attempt + 1});
            }
        });
    st.wake.notify_all();
}

json CallbackDesk::deliver_now(const Delivery& d) {
    sdk::HttpRequest req;
    req.method = "POST";
    req.url = d.url;
    req.headers = d.headers;
    req.body = d.body;
    if (d.kind == "event_webhook") {
        // Each attempt is signed anew, like SendGrid's: a retry an hour later is not stale.
        std::string timestamp = std::to_string(host_.now_ms() / 1000);
        req.headers[std::string(kSignatureHeader)] =
            sdk::base64_encode(state_->key->sign(timestamp + d.body));
        req.headers[std::string(kTimestampHeader)] = timestamp;
    }
    req.timeout = kPostTimeout;
    sdk::HttpResponse resp = host_.http(req);
    json result = {{"kind", d.kind}, {"url", d.url}, {"at_ms", host_.now_ms()}};
    if (!resp.ok()) {
        result["error"] = resp.transport_error + (resp.message.empty() ? "" : ": " + resp.message);
    } else {
        result["status"] = resp.status;
        result["body"] = std::string(sdk::cut_utf8(resp.body, 2000));
    }
    std::lock_guard lock(state_->mutex);
    state_->log.push_back(result);
    if (state_->log.size() > kKeepLog) state_->log.pop_front();
    return result;
}

json CallbackDesk::log() const {
    std::lock_guard lock(state_->mutex);
    return json(state_->log);
}

}  // namespace relance::plugins::sendgrid
