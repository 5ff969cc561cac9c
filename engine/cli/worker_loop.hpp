// The worker as `relance worker` and `relance serve` run it: the store with the one-worker lock,
// the leases a dead worker left freed, the plugins loaded and activated, and the executor over
// them. One piece of code, so that the server's worker is exactly the worker.
#pragma once

#include <csignal>
#include <iosfwd>
#include <memory>
#include <relance/base/clock.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/store/store.hpp>
#include <stop_token>

namespace relance::cli {

// SIGINT and SIGTERM, the signals that stop a worker or a server. Blocked (`block` true) before
// any thread starts, they are inherited blocked by every thread, so that only the main thread's
// sigwait on this set sees them.
sigset_t stop_signals(bool block);

struct WorkerSettings {
    // Plugin calls mostly wait on the network: 32 in flight keeps a provider at ~100 calls/s
    // at 300 ms each. Sender limits, not threads, are what should pace sends.
    int concurrency = 32;
    int batch = 256;
    // Metrics (`relance serve`): told of every call and commit; nullptr: none. Not owned.
    runtime::WorkerObserver* observer = nullptr;
};

class WorkerLoop {
  public:
    WorkerLoop(const Clock& clock, WorkerSettings settings);
    ~WorkerLoop();
    WorkerLoop(const WorkerLoop&) = delete;
    WorkerLoop& operator=(const WorkerLoop&) = delete;

    // Opens the store the global options name and takes its worker lock (one worker per
    // database file, whatever path reaches it), frees every lease (this process holds the lock:
    // any lease left is from a worker that died), loads and activates the plugins and builds the
    // executor. Returns kOk, or kBusy (another worker holds the file) or kFailure with the
    // reason printed on stderr.
    int open();

    store::Store& store() { return *store_; }
    runtime::Executor& executor() { return *executor_; }

    // Runs due work until `stop` is requested; then finishes the batch in hand and gives back
    // what it claimed and did not touch (Executor::run_forever).
    void run(std::stop_token stop);

    // The summary line: steps, actions, runs finished, runs waiting and paused; one JSON object
    // when `json`.
    void report(std::ostream& out, bool json);

    // A plugin still inside a call past its deadline cannot be unloaded safely: the process
    // must leave without destroying the plugins (everything acknowledged is committed; the
    // call's effect is pending for the next worker).
    bool has_abandoned_calls() const;

  private:
    const Clock& clock_;
    WorkerSettings settings_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<host::PluginHost> host_;
    std::unique_ptr<runtime::Executor> executor_;
};

}  // namespace relance::cli
