// Outbound HTTP for plugins over cpp-httplib: one pool of kept-alive clients per origin
// (scheme://host:port). A client is used by one request at a time and goes back to the pool
// afterwards, so concurrent plugin calls never queue behind one connection.
#include "http_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace relance::host::detail {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct ParsedUrl {
    std::string origin;  // scheme://host[:port]
    std::string target;  // /path?query
};

// Splits an absolute http(s) URL; returns false (with a reason) for anything else.
bool parse_url(const std::string& url, ParsedUrl& out, std::string& why) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        why = "URL has no scheme";
        return false;
    }
    std::string scheme = url.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme != "http" && scheme != "https") {
        why = "unsupported URL scheme '" + scheme + "'";
        return false;
    }
    auto host_begin = scheme_end + 3;
    auto path_begin = url.find_first_of("/?#", host_begin);
    std::string authority = url.substr(
        host_begin, path_begin == std::string::npos ? std::string::npos : path_begin - host_begin);
    if (authority.empty() || authority.find('@') != std::string::npos) {
        // Credentials in the URL would end up in logs and pool keys: refuse them.
        why = authority.empty() ? "URL has no host" : "credentials in URLs are not supported";
        return false;
    }
    // A DNS name is at most 253 characters; with an IPv6 literal's brackets and a port, an
    // authority has no reason to be longer. Checked before cpp-httplib sees it: its client
    // parses the origin with std::regex, whose recursion overflows the stack on a long one.
    constexpr std::size_t kMaxHost = 253;
    if (authority.size() > kMaxHost + std::string_view("[]:65535").size()) {
        why = "URL host is longer than " + std::to_string(kMaxHost) + " characters";
        return false;
    }
    out.origin = scheme + "://" + authority;
    out.target = path_begin == std::string::npos ? "/" : url.substr(path_begin);
    if (auto hash = out.target.find('#'); hash != std::string::npos) out.target.erase(hash);
    if (out.target.empty() || out.target[0] == '?') out.target.insert(0, "/");
    return true;
}

json transport_error(const std::string& kind, bool sent, const std::string& message) {
    return json{{"error", {{"kind", kind}, {"sent", sent}, {"message", message}}}};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

struct HttpClient::Impl {
    struct Pooled {
        std::unique_ptr<httplib::Client> client;
        Clock::time_point last_used;
    };

    const Redactor& redactor;
    Options options;
    std::mutex mutex;
    std::map<std::string, std::vector<Pooled>> idle;  // by origin

    Impl(const Redactor& r, Options o) : redactor(r), options(o) {}

    std::unique_ptr<httplib::Client> acquire(const std::string& origin) {
        {
            std::lock_guard lock(mutex);
            auto& list = idle[origin];
            auto now = Clock::now();
            while (!list.empty()) {
                Pooled p = std::move(list.back());
                list.pop_back();
                if (now - p.last_used <= options.max_idle) return std::move(p.client);
                // Too old: the server may have closed it; destroy it outside the lock below.
                p.client.reset();
            }
        }
        auto client = std::make_unique<httplib::Client>(origin);
        client->set_keep_alive(true);
        // Headers and body go out in separate writes: without NODELAY, Nagle plus delayed ACK
        // adds ~40 ms to every request with a body.
        client->set_tcp_nodelay(true);
        client->set_follow_location(false);  // a redirect is the plugin's decision
        client->enable_server_certificate_verification(true);
        return client;
    }

    void release(const std::string& origin, std::unique_ptr<httplib::Client> client) {
        std::lock_guard lock(mutex);
        auto& list = idle[origin];
        if (list.size() < options.max_idle_per_origin)
            list.push_back(Pooled{std::move(client), Clock::now()});
    }
};

HttpClient::HttpClient(const Redactor& redactor) : HttpClient(redactor, Options{}) {}
HttpClient::HttpClient(const Redactor& redactor, Options options)
    : impl_(std::make_unique<Impl>(redactor, options)) {}
HttpClient::~HttpClient() = default;

void HttpClient::close_all() {
    std::map<std::string, std::vector<Impl::Pooled>> doomed;
    {
        std::lock_guard lock(impl_->mutex);
        doomed.swap(impl_->idle);
    }
}

json HttpClient::perform(const json& request) {
    const Redactor& redactor = impl_->redactor;
    std::string method = "GET";
    std::string url;
    try {
        method = request.value("method", "GET");
        std::transform(method.begin(), method.end(), method.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        url = request.value("url", "");
    } catch (const std::exception&) {
        return transport_error("other", false, "request: method and url must be strings");
    }
    ParsedUrl target;
    std::string why;
    if (!parse_url(url, target, why))
        return transport_error("other", false, redactor.apply(why + ": " + url));

    std::chrono::milliseconds timeout = impl_->options.default_timeout;
    if (auto it = request.find("timeout_ms");
        it != request.end() && it->is_number() && it->get<double>() > 0)
        timeout = std::chrono::milliseconds{it->get<int64_t>()};

    httplib::Request req;
    req.method = method;
    req.path = target.target;
    try {
        if (auto it = request.find("headers"); it != request.end() && it->is_object())
            for (auto& [k, v] : it->items())
                req.headers.emplace(k, v.is_string() ? v.get<std::string>() : v.dump());
        if (auto it = request.find("body"); it != request.end() && it->is_string())
            req.body = it->get<std::string>();
    } catch (const std::exception& e) {
        return transport_error("other", false, std::string("request: ") + e.what());
    }

    auto client = impl_->acquire(target.origin);
    client->set_connection_timeout(std::min(timeout, impl_->options.max_connect_timeout));
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);

    auto started = Clock::now();
    httplib::Result result = client->send(req);
    auto elapsed = Clock::now() - started;
    const std::string what = method + " " + url;

    if (!result) {
        httplib::Error err = result.error();
        std::string detail = httplib::to_string(err);
        std::string kind;
        bool sent = true;  // when unsure, assume the server may have acted on it
        switch (err) {
            case httplib::Error::Connection:
            case httplib::Error::BindIPAddress:
            case httplib::Error::SSLConnection:
            case httplib::Error::SSLLoadingCerts:
            case httplib::Error::SSLServerVerification:
                kind = "connect";
                sent = false;
                break;
            case httplib::Error::ConnectionTimeout:
                // Raised while connecting: nothing was written yet.
                kind = "timeout";
                sent = false;
                break;
            case httplib::Error::Read:
                // httplib reports a read timeout and a reset alike; the elapsed time tells.
                kind = elapsed >= timeout - std::chrono::milliseconds{timeout.count() / 10}
                           ? "timeout"
                           : "read";
                break;
            case httplib::Error::Write:
                kind = "write";
                break;
            default:
                kind = "other";
                break;
        }
        // The client is not returned to the pool: its connection state is unknown.
        return transport_error(kind, sent,
                               redactor.apply(what + ": " + kind + " error (" + detail + ")"));
    }

    json headers = json::object();
    for (const auto& [k, v] : result->headers) {
        std::string name = lower(k);
        if (headers.contains(name))
            headers[name] = headers[name].get<std::string>() + ", " + v;
        else
            headers[name] = v;
    }
    json out{{"status", result->status},
             {"headers", std::move(headers)},
             {"body", std::move(result->body)}};
    impl_->release(target.origin, std::move(client));
    return out;
}

}  // namespace relance::host::detail
