// The HTTP API of relance: a server over one app::Workspace. It routes /v1 requests to the
// workspace's operations, checks API keys and bodies, answers errors as RFC 9457 problems, and
// writes an access log line per response. It knows nothing of the command line; `relance serve`
// (engine/cli/cmd_serve.cpp) builds one, and tests can too. docs/api.md describes the routes,
// docs/operations.md the options.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace relance::app {
class Workspace;
}

namespace relance::api {

enum class LogFormat { text, json };

class Metrics;  // relance/api/metrics.hpp

struct ServerOptions {
    std::string host = "127.0.0.1";   // an IP address (or "localhost") to listen on
    int port = 8080;                  // 0 = any free port (port() tells which)
    int threads = 8;                  // requests served at once; more connections wait in a queue
    std::size_t max_body = 1u << 20;  // bytes of a request body (1 MiB)
    std::chrono::milliseconds read_timeout{10'000};   // a whole request: line, headers, body
    std::chrono::milliseconds write_timeout{10'000};  // each write of a response
    std::chrono::milliseconds idle_timeout{30'000};   // a kept-alive connection between requests
    LogFormat log_format = LogFormat::text;
    std::FILE* log = stderr;  // the access log and the errors behind 500 answers
    // What /metrics serves, shared with the worker that reports to it; nullptr: the server
    // makes its own (no token, no worker figures).
    std::shared_ptr<Metrics> metrics;
};

// What the server asks of the process that runs it.
struct ServerHooks {
    // Called after an operation made runs due now (an event that woke or stopped runs, a
    // retry, a resolve): an in-process worker can look at once instead of at its next poll.
    std::function<void()> work_added;
    // /readyz: why the in-process worker is not running, or nullopt when it runs. Empty when
    // the process runs no worker.
    std::function<std::optional<std::string>()> worker_problem;
};

class Server {
  public:
    Server(app::Workspace& workspace, ServerOptions options, ServerHooks hooks = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds the address; returns the port (the real one when the options said 0). Throws
    // std::runtime_error naming the address when it cannot be bound.
    int bind();
    // Accepts connections on a thread of its own; returns once it does.
    void start();
    // Stops accepting, closes idle connections, and lets the requests in progress finish for up
    // to `drain`. True when every connection ended in time; false when some still run, and then
    // the process must exit without destroying the server (its threads still use it).
    bool stop(std::chrono::milliseconds drain);

    int port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::api
