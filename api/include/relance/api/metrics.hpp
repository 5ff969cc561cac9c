// The server's metrics, served as Prometheus text on GET /metrics (docs/operations.md#metrics).
// Events are counted as they happen: plugin calls and step rows (told by the worker, through
// runtime::WorkerObserver), HTTP responses (told by the server). The state the store holds (runs
// by workflow and status, the queue, runs in doubt) is read from it at a scrape. prometheus-cpp
// stays inside api/src/metrics.cpp: nothing that includes this header compiles it.
#pragma once

#include <chrono>
#include <memory>
#include <relance/runtime/telemetry.hpp>
#include <string>
#include <string_view>

namespace relance::app {
class Workspace;
}

namespace relance::api {

struct MetricsOptions {
    // When not empty, /metrics needs `Authorization: Bearer <token>` (compared in constant
    // time); empty: /metrics needs no key, as /healthz.
    std::string bearer_token;
    // The store's figures are read again at most this often, whatever the number of scrapes:
    // counting runs by workflow reads every run, and /metrics may need no key.
    std::chrono::milliseconds store_every{5000};
};

class Metrics final : public runtime::WorkerObserver {
  public:
    explicit Metrics(MetricsOptions options = {});
    ~Metrics() override;
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // runtime::WorkerObserver: the worker's calls and commits. Thread-safe.
    void call_finished(std::string_view plugin, std::string_view action, std::string_view outcome,
                       std::chrono::nanoseconds duration) override;
    void committed(const store::Batch& batch, const std::vector<std::string>& lost) override;

    // A response the server sent: the route's pattern ("/v1/runs/{id}", never the raw path:
    // one series per route, not per id), "" when no route matched; its method; its status.
    void request_served(std::string_view method, std::string_view route, int status);

    // Whether /metrics needs a bearer token, and whether `token` is it (constant time: the
    // SHA-256 of both are compared, so not even the length shows).
    bool needs_token() const;
    bool token_matches(std::string_view token) const;

    // The exposition text (format 0.0.4): the counters, and the store's figures (read again
    // when older than store_every). Throws what the store throws.
    std::string scrape(app::Workspace& workspace);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::api
