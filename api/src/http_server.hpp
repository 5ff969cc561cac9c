// httplib's server with relance's connection loop: it serves each connection with a
// ConnectionStream (one deadline per request, byte allowances, bounded writes), keeps it alive
// while idle only as long as no other connection waits for a thread, stops serving idle
// connections as soon as the server drains, and closes gracefully after a response that left
// request bytes unread. Routing, problems and logs are set on it by server.cpp.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>

namespace relance::api::detail {

class ThreadPool;

struct ConnectionLimits {
    std::size_t threads = 8;
    std::chrono::milliseconds read_timeout{10'000};   // a whole request: line, headers, body
    std::chrono::milliseconds write_timeout{10'000};  // each write of the response
    std::chrono::milliseconds idle_timeout{30'000};   // keep-alive between two requests
    std::size_t max_head = 64 * 1024;                 // request line and headers
    std::size_t max_requests_per_connection = 1000;
};

class HttpServer final : public httplib::Server {
  public:
    explicit HttpServer(ConnectionLimits limits);

    // Idle connections close, requests in progress get `Connection: close`.
    void begin_drain() { draining_ = true; }
    bool draining() const { return draining_; }
    const ConnectionLimits& limits() const { return limits_; }

  private:
    bool process_and_close_socket(socket_t sock) override;

    ConnectionLimits limits_;
    std::atomic<ThreadPool*> pool_{nullptr};
    std::atomic<bool> draining_{false};
};

}  // namespace relance::api::detail
