// The executor: claims due runs, advances each through its steps and commits every transition
// before its effect is acknowledged (DESIGN invariants 1 and 2). Four parts, one job each
// (docs/design.md):
// - the interpreter says what a run does next (interpreter.hpp);
// - the effect log records each call started before it leaves and its outcome as soon as it
//   completes (effect_log.hpp);
// - the gates decide, right before a call leaves, whether it may (gates.hpp);
// - the dispatcher holds the calls in flight (dispatcher.hpp).
//
// The loop: take the calls that completed, claim due runs, advance them all in memory, admit
// as many actions as there are free call slots, commit once (outcomes, progress, started
// effects), check each started call at the door, dispatch it. Only calls that leave at once
// are committed as started, and no call waits for the slowest of a group.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <relance/base/clock.hpp>
#include <relance/expr/lua_sandbox.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/runtime/telemetry.hpp>
#include <relance/store/store.hpp>
#include <stop_token>
#include <string>

namespace relance::model {
struct Config;
}

namespace relance::runtime {

struct ExecutorOptions {
    int batch_size = 256;            // runs claimed at once
    int concurrency = 8;             // plugin calls in flight at once (the dispatcher's threads)
    Millis lease{5 * 60 * 1000};     // how long a claim holds a run
    Millis idle_poll{1000};          // longest sleep while idle (other processes may add runs)
    std::string owner;               // worker id; generated when empty
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
    // Lockstep: each group of calls is awaited whole and its outcomes applied in claim order,
    // so a run on a virtual clock is reproducible (simulate). The worker pipelines instead.
    bool lockstep = false;
    // On a stop request, how long calls in flight may take to come back before the worker
    // leaves them pending (found in doubt, and reconciled, by the next worker).
    Millis drain_timeout{4000};
    // A provider that refused an account (a revoked key): its sends wait this long before one
    // of them probes it again (then twice as long each time, up to 6 h).
    Millis account_probe_after{15 * 60 * 1000};
    // Caps of every condition, template expression and `lua:` block (CPU and wall time,
    // instructions, memory): over them the step fails, the worker goes on.
    expr::LuaLimits lua;
    // A full disk pauses the worker: the same commit is tried again this often (real time).
    Millis store_retry{5000};
    // Told of every call and commit, for metrics (telemetry.hpp); nullptr: none. Not owned: it
    // must outlive the executor (and a call abandoned at shutdown, which may still report).
    WorkerObserver* observer = nullptr;
    // The key that signs tracking links (docs/tracking.md): the workspace's, opened with its
    // master key. None: tracking::load_key on the store, unsealed (a private store).
    std::function<std::string()> tracking_key;
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

    // Calls still inside a plugin when the executor stopped (a plugin past its deadline): the
    // process should exit without unloading plugins.
    std::size_t abandoned_calls() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::runtime
