// The worker of a workspace, as `relance worker` and `relance serve` run it: its own connection
// to the workspace's store with the one-worker lock, the leases a dead worker left freed, the
// workspace's plugins activated (the same host, config and secrets every other operation uses),
// and the executor over them; beside it, once a second, the cron triggers and the outbound
// webhooks. One piece of code, so that the server's worker is exactly the worker.
#pragma once

#include <cstdint>
#include <memory>
#include <relance/runtime/executor.hpp>
#include <relance/store/store.hpp>
#include <stop_token>

namespace relance::app {

class Workspace;

struct WorkerSettings {
    // Plugin calls mostly wait on the network: 32 in flight keeps a provider at ~100 calls/s
    // at 300 ms each. Sender limits, not threads, are what should pace sends.
    int concurrency = 32;
    int batch = 256;
    // Metrics (`relance serve`): told of every call and commit; nullptr: none. Not owned.
    runtime::WorkerObserver* observer = nullptr;
};

// What a worker did, and what it left waiting.
struct WorkerReport {
    std::uint64_t steps = 0, actions = 0, runs_finished = 0;
    std::int64_t runs_waiting = 0, runs_paused = 0;
};

class Worker {
  public:
    // Opens the worker's connection to the workspace's store (its own, so that its commits do
    // not hold up the requests' reads on the workspace's; a private database has only the one)
    // and takes the worker lock (one worker per database file, whatever path reaches it); frees
    // every lease (this process holds the lock: any lease left is from a worker that died);
    // activates the workspace's plugins and builds the executor. Throws app::Error: busy when
    // another worker holds the database, failure when the store or the lock cannot be had.
    Worker(Workspace& workspace, WorkerSettings settings);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    store::Store& store() { return *store_; }
    runtime::Executor& executor() { return *executor_; }

    // Runs due work until `stop` is requested, then finishes the batch in hand and gives back
    // what it claimed and did not touch (Executor::run_forever). Fires the cron triggers and
    // delivers the outbound webhooks beside it.
    void run(std::stop_token stop);

    WorkerReport report();

    // A plugin still inside a call past its deadline cannot be unloaded safely: the process
    // must leave without destroying the plugins (everything acknowledged is committed; the
    // call's effect is pending for the next worker).
    bool has_abandoned_calls() const;

  private:
    Workspace& workspace_;
    std::unique_ptr<store::Store> own_store_;  // none for a private database
    store::Store* store_ = nullptr;
    std::unique_ptr<runtime::Executor> executor_;
};

}  // namespace relance::app
