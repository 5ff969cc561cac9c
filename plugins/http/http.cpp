// http: generic HTTP requests through the engine's client (for webhooks out, Zapier-style
// calls, APIs without a plugin). In sandbox mode every request goes to the bundled echo
// emulator instead, with the original URL in X-Relance-Original-Url: nothing leaves loopback.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <relance/plugin.hpp>
#include <thread>

#include "sandbox_faults.hpp"

namespace {

using relance::sdk::json;
namespace sdk = relance::sdk;

const char* const kManifest = R"json({
  "name": "http",
  "version": "1.0.0",
  "description": "Generic HTTP requests (webhooks out, APIs without a dedicated plugin).",
  "actions": [
    {
      "name": "request",
      "description": "Any HTTP request. Not safe to repeat: it may have effects.",
      "safe_to_repeat": false,
      "input_schema": {
        "type": "object",
        "properties": {
          "method": {"type": "string",
                     "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]},
          "url": {"type": "string", "pattern": "^https?://"},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "body": {"type": "string"},
          "json": {},
          "timeout_ms": {"type": "integer", "minimum": 1}
        },
        "required": ["url"],
        "additionalProperties": false
      },
      "output_schema": {
        "type": "object",
        "properties": {"status": {"type": "integer"}, "headers": {"type": "object"},
                       "body": {"type": "string"}, "json": {}},
        "required": ["status", "headers", "body"]
      }
    },
    {
      "name": "get",
      "description": "An HTTP GET. Safe to repeat.",
      "safe_to_repeat": true,
      "input_schema": {
        "type": "object",
        "properties": {
          "url": {"type": "string", "pattern": "^https?://"},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "timeout_ms": {"type": "integer", "minimum": 1}
        },
        "required": ["url"],
        "additionalProperties": false
      },
      "output_schema": {
        "type": "object",
        "properties": {"status": {"type": "integer"}, "headers": {"type": "object"},
                       "body": {"type": "string"}, "json": {}},
        "required": ["status", "headers", "body"]
      }
    }
  ]
})json";

// "/path?query" of an absolute URL ("/" if it has none).
std::string path_and_query(const std::string& url) {
    auto scheme = url.find("://");
    auto start = url.find_first_of("/?#", scheme == std::string::npos ? 0 : scheme + 3);
    if (start == std::string::npos) return "/";
    std::string rest = url.substr(start);
    if (auto hash = rest.find('#'); hash != std::string::npos) rest.erase(hash);
    if (rest.empty() || rest[0] != '/') rest.insert(0, "/");
    return rest;
}

std::string snippet(const std::string& body) {
    return body.size() > 300 ? body.substr(0, 300) + "..." : body;
}

class Http final : public sdk::Plugin {
  public:
    Http(sdk::Host host, json config) : sdk::Plugin(host, std::move(config)) {
        base_url_ = this->config().value("base_url", "");
        while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
        if (sandbox_mode() && base_url_.empty())
            throw std::runtime_error("sandbox mode needs base_url (the echo emulator)");
    }

    json invoke(const sdk::Call& call) override {
        const json& in = call.input;
        sdk::HttpRequest req;
        if (call.action == "get") {
            req.method = "GET";
        } else if (call.action == "request") {
            req.method = in.value("method", "GET");
        } else {
            throw sdk::permanent("http has no action '" + call.action + "'");
        }
        std::string url = in.value("url", "");
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            throw sdk::permanent("url must start with http:// or https://");
        if (auto it = in.find("headers"); it != in.end() && it->is_object())
            for (auto& [k, v] : it->items())
                req.headers[k] = v.is_string() ? v.get<std::string>() : v.dump();
        if (call.action == "request") {
            if (auto it = in.find("json"); it != in.end()) {
                req.body = it->dump();
                bool has_type = std::any_of(req.headers.begin(), req.headers.end(), [](auto& h) {
                    std::string k = h.first;
                    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
                    return k == "content-type";
                });
                if (!has_type) req.headers["Content-Type"] = "application/json";
            } else {
                req.body = in.value("body", "");
            }
        }
        req.timeout = std::chrono::milliseconds{in.value("timeout_ms", std::int64_t{10000})};
        if (sandbox_mode()) {
            req.headers["X-Relance-Original-Url"] = url;
            req.url = base_url_ + path_and_query(url);
        } else {
            req.url = url;
        }

        sdk::HttpResponse resp = host().http(req);
        const std::string what = req.method + " " + url;
        if (!resp.ok()) throw sdk::transport_failure(resp, what);

        json out = {{"status", resp.status}, {"headers", resp.headers}, {"body", resp.body}};
        json parsed = json::parse(resp.body, nullptr, false);
        out["json"] = parsed.is_discarded() ? json(nullptr) : parsed;

        int s = resp.status;
        if (s >= 200 && s < 300) return out;
        std::string msg = what + " answered " + std::to_string(s) + ": " + snippet(resp.body);
        if (s == 429) {
            auto after = sdk::parse_retry_after(resp.header("retry-after"), host().now_ms());
            throw sdk::rate_limited(msg, after.value_or(std::chrono::milliseconds{0}));
        }
        if (s == 408 || s >= 500) {
            auto after = sdk::parse_retry_after(resp.header("retry-after"), host().now_ms());
            throw sdk::retryable(msg, after.value_or(std::chrono::milliseconds{0}));
        }
        throw sdk::permanent(msg);  // other 4xx, and 1xx/3xx the client did not follow
    }

  private:
    std::string base_url_;
};

// The echo emulator: records every request in box "requests" and answers 200 with what it got.
class EchoSandbox final : public sdk::Sandbox {
  public:
    EchoSandbox(sdk::Host host, json config) : sdk::Sandbox(host, std::move(config)) {
        faults_.configure(this->config());
    }

    sdk::SandboxResponse handle(const sdk::SandboxRequest& req) override {
        if (req.path == "/__sandbox/fail" && req.method == "POST") {
            json j = json::parse(req.body, nullptr, false);
            if (j.is_discarded() || !j.is_object())
                return json_response(400, {{"error", "bad JSON"}});
            faults_.configure(j);
            return json_response(200, {{"ok", true}});
        }
        if (req.path == "/__sandbox/requests" && req.method == "GET") {
            std::lock_guard lock(mutex_);
            return json_response(200, {{"requests", seen_}});
        }
        if (auto f = faults_.next()) return relance::plugins::SandboxFaults::response(*f);

        json echo = {
            {"method", req.method}, {"path", req.path},
            {"query", req.query},   {"headers", req.headers},
            {"body", req.body},     {"original_url", req.header("x-relance-original-url")}};
        json parsed = json::parse(req.body, nullptr, false);
        if (!parsed.is_discarded()) echo["json"] = parsed;
        json record = echo;
        if (record["body"].get<std::string>().size() > 2048)
            record["body"] = record["body"].get<std::string>().substr(0, 2048);
        host().sandbox_record("requests", record);
        {
            std::lock_guard lock(mutex_);
            if (seen_.size() < 1000) seen_.push_back(record);
        }
        if (auto ms = faults_.latency_ms(); ms > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds{ms});
        return json_response(200, echo);
    }

  private:
    static sdk::SandboxResponse json_response(int status, const json& body) {
        sdk::SandboxResponse r;
        r.status = status;
        r.headers["Content-Type"] = "application/json";
        r.body = body.dump();
        return r;
    }

    relance::plugins::SandboxFaults faults_;
    std::mutex mutex_;
    json seen_ = json::array();
};

}  // namespace

RELANCE_PLUGIN(Http, EchoSandbox, kManifest)
