// The engine's outbound HTTP client, lent to plugins through rl_host_api::http_request.
// Kept behind this thin header so cpp-httplib stays out of everything else.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "redactor.hpp"

namespace relance::host::detail {

class HttpClient {
  public:
    struct Options {
        std::chrono::milliseconds default_timeout{10000};
        std::chrono::milliseconds max_connect_timeout{10000};
        // A pooled connection idle for longer is dropped rather than reused: reusing a
        // connection the server has just closed would turn a harmless retry into an in-doubt
        // failure (the request may count as sent).
        std::chrono::milliseconds max_idle{500};
        size_t max_idle_per_origin = 16;
    };

    explicit HttpClient(const Redactor& redactor);
    HttpClient(const Redactor& redactor, Options options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // request: {"method","url","headers":{},"body","timeout_ms"}. Returns
    // {"status","headers"(lower-case names),"body"} or {"error":{"kind","sent","message"}}.
    // Never throws.
    nlohmann::json perform(const nlohmann::json& request);

    // Closes every pooled connection (the host does this before stopping sandbox servers, so a
    // kept-alive connection does not hold their shutdown).
    void close_all();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::host::detail
