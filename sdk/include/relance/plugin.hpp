// relance/plugin.hpp — header-only C++ layer over relance/plugin.h.
//
// A plugin is one class derived from relance::sdk::Plugin (and, for a provider, one derived from
// relance::sdk::Sandbox), plus one line:
//
//     RELANCE_PLUGIN(MyPlugin, MySandbox, kManifestJson)
//
// A plugin that takes its provider's callbacks (the inbound role) also derives from
// relance::sdk::Inbound; RELANCE_PLUGIN then fills the parse_webhook slot.
//
// One boundary policy (detail::boundary): every entry point from the host into the plugin
// (create, destroy, invoke, reconcile, parse_webhook, sandbox_create, sandbox_destroy,
// sandbox_handle) runs its
// whole body inside it, serialisation included, so no exception ever crosses the C boundary.
// What escapes becomes a classified status: an sdk::Error keeps its own; any other exception
// thrown once an action's code has started is in doubt (retryable for an action the manifest
// declares safe_to_repeat), because the effect may already have happened. JSON always leaves
// through sdk::dump, which replaces invalid UTF-8 instead of throwing; text cut to a size is cut
// with sdk::cut_utf8, on a character boundary.
#pragma once

#include <relance/plugin.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace relance::sdk {

using json = nlohmann::json;

enum class Status {
    ok = RL_OK,
    retryable = RL_RETRYABLE,
    rate_limited = RL_RATE_LIMITED,
    permanent = RL_PERMANENT,
    in_doubt = RL_IN_DOUBT,
    account = RL_ACCOUNT,
};

// Thrown by plugin code to report a classified failure.
class Error : public std::runtime_error {
  public:
    Error(Status status, const std::string& message,
          std::chrono::milliseconds retry_after = std::chrono::milliseconds{0},
          std::string field = {})
        : std::runtime_error(message),
          status_(status),
          retry_after_(retry_after),
          field_(std::move(field)) {}
    Status status() const { return status_; }
    std::chrono::milliseconds retry_after() const { return retry_after_; }
    // With an inbound request: the place in it that is wrong ("body", "events[3]"), or "".
    const std::string& field() const { return field_; }

  private:
    Status status_;
    std::chrono::milliseconds retry_after_;
    std::string field_;
};

inline Error retryable(const std::string& m, std::chrono::milliseconds after = {}) {
    return Error(Status::retryable, m, after);
}
inline Error rate_limited(const std::string& m, std::chrono::milliseconds after) {
    return Error(Status::rate_limited, m, after);
}
inline Error permanent(const std::string& m) {
    return Error(Status::permanent, m);
}
inline Error in_doubt(const std::string& m) {
    return Error(Status::in_doubt, m);
}
// The provider refused the account (revoked key, unverified sender): nothing was sent. Pass the
// provider's own message, so the operator reads what to fix.
inline Error account_error(const std::string& m) {
    return Error(Status::account, m);
}

// The inbound role: the request is not genuine (a missing or bad signature, a stale
// timestamp, wrong credentials). Nothing of it is recorded; the server answers 401.
inline Error unauthorized(const std::string& m) {
    return Error(Status::account, m);
}
// The inbound role: the request is malformed at `field` ("body", "headers.content-type").
// The server answers 400 naming the field.
inline Error malformed(const std::string& field, const std::string& m) {
    return Error(Status::permanent, m, std::chrono::milliseconds{0}, field);
}

// JSON text as it leaves the plugin: invalid UTF-8 in a string is replaced by U+FFFD rather than
// thrown as an exception (nlohmann's default), which would turn a harmless byte into a failure.
inline std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8
// character (the engine has its own; the SDK is standalone). Invalid text is cut at most three
// bytes early.
inline std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // text[end] is the first byte left out: while it continues a character (10xxxxxx), that
    // character began before the cut, so the cut moves back to its first byte.
    for (int i = 0; i < 3 && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80; ++i)
        --end;
    return text.substr(0, end);
}

// Base64 (RFC 4648, standard alphabet, with padding).
inline std::string base64_encode(std::string_view bytes) {
    static const char* alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 |
                          static_cast<unsigned char>(bytes[i + 1]) << 8 |
                          static_cast<unsigned char>(bytes[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out += alphabet[(v >> k) & 63];
    }
    if (std::size_t rest = bytes.size() - i) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Decodes base64 (standard alphabet; the padding may be left out). std::nullopt for any other
// character, misplaced padding or a length no encoder produces.
inline std::optional<std::string> base64_decode(std::string_view text) {
    std::size_t padding = 0;
    while (padding < 2 && !text.empty() && text.back() == '=') {
        text.remove_suffix(1);
        ++padding;
    }
    // Padding, when present, completes the last group of four.
    if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
    if (text.size() % 4 == 1) return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // Bits left over must be zero: another text would otherwise decode to the same bytes.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

// Parses JSON sent by a stranger (a provider's callback): first one linear pass checks its size
// and how deep it nests, because nlohmann's parser recurses on nesting. Returns a discarded
// value (is_discarded()) with the reason in `why` when it is too large, too deep or not JSON.
inline json parse_bounded(std::string_view text, std::size_t max_bytes, int max_depth,
                          std::string* why = nullptr) {
    auto refuse = [&](const std::string& reason) {
        if (why) *why = reason;
        return json(json::value_t::discarded);
    };
    if (text.size() > max_bytes)
        return refuse("larger than " + std::to_string(max_bytes) + " bytes");
    int depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return refuse("nested deeper than " + std::to_string(max_depth) + " levels");
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    json value = json::parse(text.begin(), text.end(), nullptr, false);
    if (value.is_discarded()) return refuse("not valid JSON");
    return value;
}

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
    std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
    int status = 0;  // 0 when no HTTP answer came back (see transport_error)
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    // Set when no HTTP answer came back: "connect", "timeout", "read", "write" or "other".
    std::string transport_error;
    bool request_sent = false;  // with transport_error: may the server have acted on it?
    std::string message;

    bool ok() const { return transport_error.empty(); }
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

// An rl_buffer that copies what the other side sets into a std::string.
struct StringBuffer : rl_buffer {
    explicit StringBuffer(std::string& target) : rl_buffer{&StringBuffer::assign, &target} {}
    static void assign(rl_buffer* self, const char* data, size_t size) {
        static_cast<std::string*>(self->opaque)->assign(data, size);
    }
};

// Host services, bound to one instance.
class Host {
  public:
    Host(const rl_host_api* api, rl_host_ctx* ctx) : api_(api), ctx_(ctx) {}

    HttpResponse http(const HttpRequest& request) const {
        json req = {{"method", request.method},
                    {"url", request.url},
                    {"headers", request.headers},
                    {"body", request.body},
                    {"timeout_ms", request.timeout.count()}};
        std::string out;
        StringBuffer buf(out);
        api_->http_request(ctx_, dump(req).c_str(), &buf);
        HttpResponse resp;
        json j = json::parse(out, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            resp.transport_error = "other";
            resp.message = "host returned an unreadable HTTP response";
            return resp;
        }
        if (j.contains("error")) {
            const json& e = j["error"];
            resp.transport_error = e.value("kind", "other");
            resp.request_sent = e.value("sent", false);
            resp.message = e.value("message", "");
            return resp;
        }
        resp.status = j.value("status", 0);
        resp.body = j.value("body", "");
        if (j.contains("headers") && j["headers"].is_object())
            for (auto& [k, v] : j["headers"].items())
                if (v.is_string()) resp.headers[k] = v.get<std::string>();
        return resp;
    }

    void log(rl_log_level level, const std::string& message) const {
        api_->log(ctx_, level, message.c_str());
    }
    void info(const std::string& m) const { log(RL_LOG_INFO, m); }
    void warn(const std::string& m) const { log(RL_LOG_WARN, m); }

    std::optional<std::string> secret(const std::string& name) const {
        std::string v;
        StringBuffer buf(v);
        if (api_->secret_get(ctx_, name.c_str(), &buf) == 1) return v;
        return std::nullopt;
    }

    // The engine clock (virtual in tests and simulate). Spelled as a time_point rather than
    // std::chrono::sys_time (C++20) so plugins can be built as C++17.
    std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds> now() const {
        return std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>{
            std::chrono::milliseconds{api_->clock_now_ms(ctx_)}};
    }
    std::int64_t now_ms() const { return api_->clock_now_ms(ctx_); }

    std::optional<std::string> cache_get(const std::string& key) const {
        std::string v;
        StringBuffer buf(v);
        if (api_->cache_get(ctx_, key.c_str(), &buf) == 1) return v;
        return std::nullopt;
    }
    void cache_set(const std::string& key, const std::string& value,
                   std::chrono::milliseconds ttl) const {
        api_->cache_set(ctx_, key.c_str(), value.data(), value.size(), ttl.count());
    }

    void sandbox_record(const std::string& box, const json& entry) const {
        api_->sandbox_record(ctx_, box.c_str(), dump(entry).c_str());
    }

  private:
    const rl_host_api* api_;
    rl_host_ctx* ctx_;
};

struct Call {
    std::string action;
    json input;
    std::string message_id;
    std::string run_id;
    unsigned attempt = 1;
    std::int64_t started_at_ms = 0;  // when the engine committed this attempt as started
};

// What reconcile() learned about an in-doubt call.
struct Reconciled {
    // pending: cannot tell yet (too recent for the provider to show); asked again after
    // retry_after. not_done only when certain: the engine then sends again.
    enum class Outcome { done, not_done, unknown, pending } outcome = Outcome::unknown;
    json output = json::object();
    std::chrono::milliseconds retry_after{0};
    // Why it is unknown or pending, for the run's timeline ("the Activity API answered 503").
    std::string reason;
};

class Plugin {
  public:
    Plugin(Host host, json config) : host_(host), config_(std::move(config)) {}
    virtual ~Plugin() = default;
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    // Run an action; return its output object or throw sdk::Error.
    virtual json invoke(const Call& call) = 0;
    // Say whether an in-doubt call took effect. The default cannot tell.
    virtual Reconciled reconcile(const Call&) { return {}; }

  protected:
    const Host& host() const { return host_; }
    const json& config() const { return config_; }
    bool sandbox_mode() const { return config_.value("mode", "live") == "sandbox"; }

  private:
    Host host_;
    json config_;
};

struct SandboxRequest {
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

struct SandboxResponse {
    int status = 200;
    std::map<std::string, std::string> headers;
    std::string body;
};

class Sandbox {
  public:
    Sandbox(Host host, json config) : host_(host), config_(std::move(config)) {}
    virtual ~Sandbox() = default;
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    // Called from several threads at once.
    virtual SandboxResponse handle(const SandboxRequest& request) = 0;

  protected:
    const Host& host() const { return host_; }
    const json& config() const { return config_; }

  private:
    Host host_;
    json config_;
};

// A stand-in for plugins without a sandbox emulator.
struct NoSandbox {};

// ---- the inbound role: a provider's callbacks ----

// A provider's callback as the server received it (POST /v1/inbound/{plugin}/{account}).
struct InboundRequest {
    std::string account;  // whose secrets verify it; "default" while there is one account
    std::string method;
    std::string path;
    // As received, in order, repeated ones included (a signature header sent twice is seen).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // the exact bytes: a signature is checked over them, never re-serialised

    // The values of a header, by name in any case.
    std::vector<std::string> header_values(std::string_view name) const {
        std::vector<std::string> out;
        for (const auto& [n, v] : headers) {
            bool same = n.size() == name.size();
            for (std::size_t i = 0; same && i < n.size(); ++i) {
                char a = n[i], b = name[i];
                if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
                if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
                same = a == b;
            }
            if (same) out.push_back(v);
        }
        return out;
    }
    // Its first value, "" when absent.
    std::string header(std::string_view name) const {
        auto values = header_values(name);
        return values.empty() ? std::string{} : values.front();
    }
};

// Something that happened to a contact, as the provider reports it.
struct InboundEvent {
    std::string id;       // the provider's event id: the engine records each id once
    std::string type;     // delivered, opened, clicked, replied, bounced, unsubscribed, complained
    std::string contact;  // an email, a phone (E.164) or a LinkedIn URL
    std::string message_id;      // the engine message id it concerns, when known ("" otherwise)
    std::int64_t at_ms = 0;      // when it happened (unix ms); 0: when it was received
    json data = json::object();  // kept with the event ({"soft": true} for a soft bounce)
};

struct InboundAnswer {
    std::vector<InboundEvent> events;
    std::size_t ignored = 0;         // what the request held that is no contact event
    std::vector<std::string> notes;  // why some of it was set aside, for the operator
};

// Derive a plugin from this too to take its provider's callbacks. The manifest declares the
// role ("inbound"). receive() checks that the request is genuine before reading it, and throws
// sdk::unauthorized (not genuine), sdk::malformed (unreadable) or sdk::retryable (cannot be
// checked now). Called from several threads at once.
class Inbound {
  public:
    virtual ~Inbound() = default;
    virtual InboundAnswer receive(const InboundRequest& request) = 0;
};

// ---- helpers for plugin authors ----

// Percent-encodes a string for use in a URL query (RFC 3986 unreserved characters kept).
inline std::string url_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

namespace detail {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), C++17.
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
}  // namespace detail

// Reads a Retry-After header: delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to now_ms (the engine clock). Returns nothing when
// the value is absent or unreadable; a date in the past gives 0.
inline std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value,
                                                                  std::int64_t now_ms) {
    std::string v = value;
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    if (v.empty()) return std::nullopt;
    bool digits = true;
    for (char c : v) digits = digits && c >= '0' && c <= '9';
    if (digits) {
        if (v.size() > 9) return std::chrono::milliseconds{std::int64_t{999999999} * 1000};
        return std::chrono::milliseconds{std::stoll(v) * 1000};
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    char wday[4] = {}, mon[4] = {}, zone[4] = {};
    int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
    if (std::sscanf(v.c_str(), "%3[A-Za-z], %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &hh,
                    &mm, &ss, zone) != 8)
        return std::nullopt;
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned i = 0; i < 12; ++i)
        if (std::string(mon) == months[i]) month = i + 1;
    if (month == 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    std::int64_t secs = detail::days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 +
                        hh * 3600 + mm * 60 + ss;
    std::int64_t delta = secs * 1000 - now_ms;
    return std::chrono::milliseconds{delta > 0 ? delta : 0};
}

// The classified error for an HTTP call that got no answer: if the request may have reached the
// server the effect is in doubt, otherwise it is safe to retry.
inline Error transport_failure(const HttpResponse& resp, const std::string& what) {
    std::string m = what + ": " + resp.transport_error + " error";
    if (!resp.message.empty()) m += " (" + resp.message + ")";
    return resp.request_sent ? in_doubt(m) : retryable(m);
}

namespace detail {

inline void put(rl_buffer* b, const std::string& s) {
    if (b && b->set) b->set(b, s.data(), s.size());
}

// What escaped an entry point's body. `status` is set for an sdk::Error only: any other
// exception is a stray one, and the entry point decides what it means there.
struct Failure {
    std::optional<Status> status;
    std::string message;
    std::chrono::milliseconds retry_after{0};
    std::string field;
};

// Called inside a catch block: the exception being handled, classified.
inline Failure current_failure() {
    try {
        throw;
    } catch (const Error& e) {
        return {e.status(), e.what(), e.retry_after(), e.field()};
    } catch (const std::exception& e) {
        return {std::nullopt, e.what(), {}, {}};
    } catch (...) {
        return {std::nullopt, "unknown exception", {}, {}};
    }
}

// The one boundary policy. `body` is the whole entry point, serialisation included;
// `on_failure(const Failure&)` makes the entry point's answer from what escaped it; if that
// throws too (out of memory), `last_resort` is returned. Nothing ever crosses into C.
template <class R, class Body, class OnFailure>
R boundary(R last_resort, Body&& body, OnFailure&& on_failure) noexcept {
    try {
        return body();
    } catch (...) {
        try {
            return on_failure(current_failure());
        } catch (...) {
            return last_resort;
        }
    }
}

// The same for entry points that answer nothing (destroy) or answer through a buffer.
template <class Body, class OnFailure>
void boundary(Body&& body, OnFailure&& on_failure) noexcept {
    try {
        body();
    } catch (...) {
        try {
            on_failure(current_failure());
        } catch (...) {
        }
    }
}

inline rl_status fail(rl_result* r, Status s, const std::string& msg,
                      std::chrono::milliseconds after = {}) {
    put(r->error, msg);
    r->retry_after_ms = after.count();
    return static_cast<rl_status>(s);
}

// The manifest given to RELANCE_PLUGIN, for the entry points that need it (which actions are
// safe to repeat).
template <class P>
struct Registration {
    static inline const char* manifest_json = nullptr;
};

// Names of the actions the manifest declares safe_to_repeat.
inline std::set<std::string> safe_actions(const char* manifest_json) {
    std::set<std::string> out;
    json m = json::parse(manifest_json ? manifest_json : "{}", nullptr, false);
    if (!m.is_object() || !m.contains("actions") || !m["actions"].is_array()) return out;
    for (const auto& a : m["actions"])
        if (a.is_object() && a.value("safe_to_repeat", false) && a.contains("name") &&
            a["name"].is_string())
            out.insert(a["name"].get<std::string>());
    return out;
}

template <class P>
struct Instance {
    const rl_host_api* api;
    P plugin;
    std::set<std::string> safe_to_repeat;
};

// The host's services table must be the ABI this plugin was built for and hold every member
// the SDK calls: a host older than the plugin would otherwise be read past its end.
inline bool host_api_usable(const rl_host_api* api, rl_buffer* error) {
    if (!api || api->abi_version != RELANCE_ABI_VERSION) {
        put(error, "host ABI version " + std::to_string(api ? api->abi_version : 0) +
                       ", plugin built for " + std::to_string(RELANCE_ABI_VERSION));
        return false;
    }
    if (api->struct_size < sizeof(rl_host_api)) {
        put(error, "host services table too small (" + std::to_string(api->struct_size) +
                       " bytes, plugin needs " + std::to_string(sizeof(rl_host_api)) + ")");
        return false;
    }
    return true;
}

template <class P>
void* create(const rl_host_api* api, rl_host_ctx* ctx, const char* config_json, rl_buffer* error) {
    return boundary<void*>(
        nullptr,
        [&]() -> void* {
            if (!host_api_usable(api, error)) return nullptr;
            json config = json::parse(config_json ? config_json : "{}");
            return new Instance<P>{api, P(Host(api, ctx), std::move(config)),
                                   safe_actions(Registration<P>::manifest_json)};
        },
        [&](const Failure& f) -> void* {
            put(error, f.message);
            return nullptr;
        });
}

template <class T>
void destroy(void* p) {
    boundary([&] { delete static_cast<T*>(p); }, [](const Failure&) {});
}

inline Call to_call(const rl_call* c) {
    Call call;
    call.action = c->action ? c->action : "";
    call.input = json::parse(c->input_json && *c->input_json ? c->input_json : "{}");
    call.message_id = c->message_id ? c->message_id : "";
    call.run_id = c->run_id ? c->run_id : "";
    call.attempt = c->attempt;
    call.started_at_ms = c->started_at_ms;
    return call;
}

template <class P>
rl_status invoke(void* p, const rl_call* c, rl_result* r) {
    auto* inst = static_cast<Instance<P>*>(p);
    bool started = false;  // the action's own code ran: an effect may have happened
    return boundary<rl_status>(
        RL_IN_DOUBT,
        [&] {
            Call call = to_call(c);
            started = true;
            json out = inst->plugin.invoke(call);
            put(r->output, dump(out));
            return RL_OK;
        },
        [&](const Failure& f) {
            if (f.status) return fail(r, *f.status, f.message, f.retry_after);
            // A stray exception. Before the action ran (unreadable call) nothing happened;
            // after, the effect may have: only a repeatable action may simply run again.
            Status s = !started ? Status::permanent
                       : inst->safe_to_repeat.count(c && c->action ? c->action : "")
                           ? Status::retryable
                           : Status::in_doubt;
            return fail(r, s, "plugin error: " + f.message);
        });
}

template <class P>
rl_status reconcile(void* p, const rl_call* c, rl_result* r) {
    auto* inst = static_cast<Instance<P>*>(p);
    return boundary<rl_status>(
        RL_RETRYABLE,
        [&] {
            Reconciled rec = inst->plugin.reconcile(to_call(c));
            const char* names[] = {"done", "not_done", "unknown", "pending"};
            json out = {{"outcome", names[static_cast<int>(rec.outcome)]},
                        {"output", rec.output},
                        {"retry_after_ms", rec.retry_after.count()}};
            if (!rec.reason.empty()) out["reason"] = rec.reason;
            put(r->output, dump(out));
            return RL_OK;
        },
        [&](const Failure& f) {
            // A lookup that failed tells nothing about the call: ask again later.
            if (f.status) return fail(r, *f.status, f.message, f.retry_after);
            return fail(r, Status::retryable, "plugin error: " + f.message);
        });
}

inline InboundRequest parse_inbound_request(const char* request_json) {
    json j = json::parse(request_json ? request_json : "{}");
    InboundRequest req;
    req.account = j.value("account", "default");
    req.method = j.value("method", "POST");
    req.path = j.value("path", "");
    if (auto h = j.find("headers"); h != j.end() && h->is_array())
        for (const auto& pair : *h)
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
                req.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    auto body = base64_decode(j.value("body_base64", ""));
    if (!body) throw std::runtime_error("the host sent a body that is not base64");
    req.body = std::move(*body);
    return req;
}

inline std::string dump_inbound_answer(const InboundAnswer& answer) {
    json events = json::array();
    for (const auto& e : answer.events) {
        json event = {{"id", e.id}, {"type", e.type}, {"contact", e.contact}};
        if (!e.message_id.empty()) event["message_id"] = e.message_id;
        if (e.at_ms > 0) event["at_ms"] = e.at_ms;
        if (e.data.is_object() && !e.data.empty()) event["data"] = e.data;
        events.push_back(std::move(event));
    }
    json out = {{"events", std::move(events)}, {"ignored", answer.ignored}};
    if (!answer.notes.empty()) out["notes"] = answer.notes;
    return dump(out);
}

template <class P>
rl_status parse_webhook(void* p, const char* request_json, rl_result* r) {
    auto* inst = static_cast<Instance<P>*>(p);
    return boundary<rl_status>(
        RL_IN_DOUBT,
        [&] {
            InboundAnswer answer = inst->plugin.receive(parse_inbound_request(request_json));
            put(r->output, dump_inbound_answer(answer));
            return RL_OK;
        },
        [&](const Failure& f) {
            // Nothing was recorded: a stray exception is the plugin's failure (the server
            // answers 500, and the provider sends the callback again later).
            if (!f.status) return fail(r, Status::in_doubt, "plugin error: " + f.message);
            if (!f.field.empty()) put(r->output, dump(json{{"field", f.field}}));
            return fail(r, *f.status, f.message, f.retry_after);
        });
}

template <class S>
void* sandbox_create(const rl_host_api* api, rl_host_ctx* ctx, const char* config_json,
                     rl_buffer* error) {
    return boundary<void*>(
        nullptr,
        [&]() -> void* {
            if (!host_api_usable(api, error)) return nullptr;
            json config = json::parse(config_json ? config_json : "{}");
            return new Instance<S>{api, S(Host(api, ctx), std::move(config)), {}};
        },
        [&](const Failure& f) -> void* {
            put(error, f.message);
            return nullptr;
        });
}

inline SandboxRequest parse_sandbox_request(const char* request_json) {
    json j = json::parse(request_json ? request_json : "{}");
    SandboxRequest req;
    req.method = j.value("method", "GET");
    req.path = j.value("path", "/");
    req.body = j.value("body", "");
    if (j.contains("query") && j["query"].is_object())
        for (auto& [k, v] : j["query"].items())
            if (v.is_string()) req.query[k] = v.get<std::string>();
    if (j.contains("headers") && j["headers"].is_object())
        for (auto& [k, v] : j["headers"].items())
            if (v.is_string()) req.headers[k] = v.get<std::string>();
    return req;
}

inline std::string dump_sandbox_response(const SandboxResponse& resp) {
    return dump(json{{"status", resp.status}, {"headers", resp.headers}, {"body", resp.body}});
}

template <class S>
void sandbox_handle(void* p, const char* request_json, rl_buffer* response_json) {
    auto* inst = static_cast<Instance<S>*>(p);
    boundary(
        [&] {
            put(response_json,
                dump_sandbox_response(inst->plugin.handle(parse_sandbox_request(request_json))));
        },
        [&](const Failure& f) {
            // The emulated provider failed: answer like a provider's own server error.
            SandboxResponse resp;
            resp.status = 500;
            resp.headers = {{"Content-Type", "application/json"}};
            resp.body = dump(json{{"errors", {{{"message", "sandbox error: " + f.message}}}}});
            put(response_json, dump_sandbox_response(resp));
        });
}

}  // namespace detail

// Builds the static rl_plugin table for a Plugin class and an optional Sandbox class.
template <class P, class S>
const rl_plugin* export_plugin(const char* manifest_json) {
    static const rl_plugin table = [&] {
        detail::Registration<P>::manifest_json = manifest_json;
        rl_plugin t{};
        t.abi_version = RELANCE_ABI_VERSION;
        t.struct_size = sizeof(rl_plugin);
        t.manifest_json = manifest_json;
        t.create = &detail::create<P>;
        t.destroy = &detail::destroy<detail::Instance<P>>;
        t.invoke = &detail::invoke<P>;
        t.reconcile = &detail::reconcile<P>;
        t.parse_webhook = nullptr;
        if constexpr (std::is_base_of_v<Inbound, P>) t.parse_webhook = &detail::parse_webhook<P>;
        if constexpr (!std::is_same_v<S, NoSandbox>) {
            t.sandbox_create = &detail::sandbox_create<S>;
            t.sandbox_destroy = &detail::destroy<detail::Instance<S>>;
            t.sandbox_handle = &detail::sandbox_handle<S>;
        }
        return t;
    }();
    return &table;
}

}  // namespace relance::sdk

// The one line a C++ plugin needs. Sandbox may be relance::sdk::NoSandbox.
#define RELANCE_PLUGIN(PluginClass, SandboxClass, manifest_json)                        \
    extern "C" RELANCE_EXPORT const rl_plugin* relance_plugin_entry(void) {             \
        return ::relance::sdk::export_plugin<PluginClass, SandboxClass>(manifest_json); \
    }
