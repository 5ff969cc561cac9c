// The executor: claims due runs in batches, advances each through its steps and commits every
// transition before its effect is acknowledged (DESIGN invariants 1 and 2).
//
// One pass over a batch: advance every run in memory through built-in steps until it reaches an
// action or stops; commit once for the whole batch (action steps are then durably "started");
// call the plugins (in parallel); feed the outcomes back and go again. A batch of N runs doing a
// five-step workflow costs a handful of transactions, not 5N.
#pragma once

#include <relance/host/plugin_host.hpp>
#include <relance/base/clock.hpp>
#include <relance/store/store.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

namespace relance::model {
struct Config;
}

namespace relance::runtime {

struct ExecutorOptions {
    int batch_size = 256;         // runs claimed at once
    int concurrency = 8;          // plugin calls in flight at once
    Millis lease{5 * 60 * 1000};  // how long a claim holds a run
    Millis idle_poll{1000};       // longest sleep while idle (other processes may add runs)
    std::string owner;            // worker id; generated when empty
    int max_steps_per_claim = 1000;  // guards against goto loops that never wait
    // Per plugin: this many failures in a row open its circuit; calls wait this long for a probe.
    int breaker_threshold = 5;
    Millis breaker_open_for{60'000};
    // The workspace config: sender accounts and pools (nullptr: none). Sends of steps whose
    // workflow names senders wait, with a reason, until one is given.
    std::shared_ptr<const model::Config> config;
    // Test seam: called after the batch's actions are committed as started and before the
    // check that runs right before the calls (a reply arriving in between must still win).
    std::function<void()> before_send_check;
};

struct ExecutorStats {
    std::uint64_t steps = 0;    // step records written
    std::uint64_t actions = 0;  // plugin calls made
    std::uint64_t runs_finished = 0;
    std::uint64_t commits = 0;
};

class Executor {
public:
    Executor(store::Store& store, host::PluginHost& host, const Clock& clock,
             ExecutorOptions options = {});
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Executes everything due at the clock's now, batch after batch; returns the number of runs
    // claimed. Returns when nothing is due now.
    std::size_t run_due();

    // Loops until stop is requested: runs due work, then sleeps until the next due time (or
    // idle_poll, or notify()).
    void run_forever(std::stop_token stop);

    // Wakes run_forever (new runs were added by this process).
    void notify();

    ExecutorStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::runtime
