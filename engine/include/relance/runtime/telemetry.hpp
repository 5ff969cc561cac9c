// What the worker tells an observer as it works, for metrics (the server's /metrics). The engine
// knows no metrics library: a front end implements this (api/ with prometheus-cpp) and hands it
// to the executor through ExecutorOptions::observer. Without one, the executor pays one null
// check per commit and per call, nothing more.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace relance::store {
struct Batch;
}

namespace relance::runtime {

class WorkerObserver {
  public:
    virtual ~WorkerObserver() = default;

    // A plugin call came back: its plugin, action, outcome (host::to_string of its status: ok,
    // retryable, rate_limited, permanent, in_doubt, account, unavailable) and how long it took.
    // Called from the dispatcher's threads, several at once: implementations must be
    // thread-safe and quick. Calls safe to repeat that crossed to their plugin together
    // (invoke_each) are each given the group's average duration.
    virtual void call_finished(std::string_view plugin, std::string_view action,
                               std::string_view outcome, std::chrono::nanoseconds duration) = 0;

    // A batch was committed: its step rows (inserted and updated) are durable, except those of
    // the runs in `lost` (their lease was lost, nothing of theirs was written). With an
    // observer, the rows that end an effect carry its kind (plugin.action) like the others.
    // Called on the executor's thread, right after the commit.
    virtual void committed(const store::Batch& batch, const std::vector<std::string>& lost) = 0;
};

}  // namespace relance::runtime
