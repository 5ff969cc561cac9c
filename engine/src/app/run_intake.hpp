// Starting runs for concurrent requests (webhooks, POST /v1/runs) in shared commits. Each
// request waits until its run is on the disk; requests that arrive while a commit is syncing
// go together in the next one, so a burst of N requests costs a few syncs, not N. This is
// SQLite's group commit done one level up: its WAL syncs once per transaction.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <relance/app/workspace.hpp>
#include <relance/runtime/runs.hpp>
#include <thread>

namespace relance::app {

class Workspace::RunIntake {
  public:
    // At most this many requests per commit: a bound on the transaction and on the wait of the
    // first request in it.
    static constexpr std::size_t kMaxBatch = 512;

    RunIntake(store::Store& store, const Clock& clock);
    ~RunIntake();
    RunIntake(const RunIntake&) = delete;
    RunIntake& operator=(const RunIntake&) = delete;

    // Starts one run of `workflow` (the deployed version `version_id`) and returns once it is
    // committed, or throws what the commit threw.
    runtime::StartOutcome start(std::shared_ptr<const model::Workflow> workflow,
                                std::int64_t version_id, runtime::KeyedRecord record);

  private:
    struct Request {
        std::shared_ptr<const model::Workflow> workflow;
        std::int64_t version_id = 0;
        runtime::KeyedRecord record;
        std::promise<runtime::StartOutcome> done;
    };

    void loop();
    void commit(std::vector<Request>& batch);

    store::Store& store_;
    const Clock& clock_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Request> queue_;
    bool stopping_ = false;
    std::thread thread_;  // started with the first request
};

}  // namespace relance::app
