// relance worker: executes due work until stopped (SIGINT/SIGTERM), or until idle.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/executor.hpp>
#include <thread>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct WorkerArgs {
    bool until_idle = false;
    bool fast_forward = false;
    // Plugin calls mostly wait on the network: 32 in flight keeps a provider at ~100 calls/s
    // at 300 ms each. Sender limits, not threads, are what should pace sends.
    int concurrency = 32;
    int batch = 256;
};

int work(const WorkerArgs& args) {
    if (args.fast_forward && global_options().live) {
        std::cerr << "error: --fast-forward skips waits; with --live it would send a whole "
                     "sequence at once. Use it in sandbox mode only.\n";
        return kUsage;
    }
    // Block SIGINT/SIGTERM before any thread starts (plugin pool, sandbox servers): threads
    // inherit the mask, so only sigwait below sees them and the worker stops cleanly.
    sigset_t signals_to_wait;
    sigemptyset(&signals_to_wait);
    sigaddset(&signals_to_wait, SIGINT);
    sigaddset(&signals_to_wait, SIGTERM);
    bool long_running = !(args.until_idle || args.fast_forward);
    if (long_running) pthread_sigmask(SIG_BLOCK, &signals_to_wait, nullptr);
    SystemClock system_clock;
    VirtualClock virtual_clock(system_clock.now());
    const Clock& clock = args.fast_forward ? static_cast<const Clock&>(virtual_clock)
                                           : static_cast<const Clock&>(system_clock);
    auto store = open_store();
    // One worker per database file, whatever path reaches it (the lock is on the file itself).
    auto lock = store->lock_worker();
    if (lock.state == store::WorkerLock::State::busy) {
        std::cerr << "error: " << lock.message << "\n";
        return kBusy;
    }
    if (lock.state != store::WorkerLock::State::acquired) {
        std::cerr << "error: " << lock.message << "\n";
        return kFailure;
    }
    // This process holds the lock: any lease left is from a worker that died.
    store->release_all_leases();
    auto host = load_host(clock, store.get());
    activate_host(*host);

    runtime::ExecutorOptions options;
    options.config = workspace_config();
    options.concurrency = args.concurrency;
    options.batch_size = args.batch;
    runtime::Executor executor(*store, *host, clock, options);

    if (args.until_idle || args.fast_forward) {
        // A run that can never proceed (its senders are not configured, its plugin is missing)
        // is retried forever: fast-forward gives up after many clock jumps in a row in which
        // nothing was called and no run finished (a real sequence progresses every few jumps).
        constexpr int kIdleJumps = 500;
        int idle_jumps = 0;
        auto progress = [&] {
            auto st = executor.stats();
            return st.actions + st.runs_finished;
        };
        for (;;) {
            auto before = progress();
            executor.run_due();
            if (!args.fast_forward) break;
            idle_jumps = progress() == before ? idle_jumps + 1 : 0;
            auto next = store->next_due();
            if (!next) break;
            if (idle_jumps >= kIdleJumps) {
                std::cerr << "worker: stopped fast-forwarding: " << kIdleJumps
                          << " clock jumps in a row without a call or a finished run; `relance "
                             "runs list` says why the remaining runs wait\n";
                break;
            }
            virtual_clock.set(from_unix_ms(*next));
        }
    } else {
        // Signals go to one thread that asks the executor to stop; the loop finishes its batch.
        std::stop_source stop;
        std::thread signals([&] {
            int sig = 0;
            sigwait(&signals_to_wait, &sig);
            stop.request_stop();
        });
        if (!global_options().json)
            std::cerr << "worker: running on " << global_options().db << " ("
                      << (global_options().live ? "live" : "sandbox") << " mode); Ctrl-C stops\n";
        executor.run_forever(stop.get_token());
        signals.join();
    }
    // A plugin still inside a call past its deadline cannot be unloaded safely: leave at once
    // (everything acknowledged is committed; the call's effect is pending for the next worker).
    bool abandoned = executor.abandoned_calls() > 0;
    auto stats = executor.stats();
    auto counts = store->count_runs();
    if (global_options().json) {
        std::cout << nlohmann::json{{"steps", stats.steps},
                                    {"actions", stats.actions},
                                    {"runs_finished", stats.runs_finished},
                                    {"runs_waiting", counts.by_status[1]},
                                    {"runs_paused", counts.by_status[2]}}
                         .dump()
                  << "\n";
    } else {
        std::cout << "worker: " << stats.steps << " step(s), " << stats.actions
                  << " action call(s), " << stats.runs_finished << " run(s) finished; "
                  << counts.by_status[1] << " waiting, " << counts.by_status[2] << " paused\n";
    }
    if (abandoned) {
        std::cout.flush();
        std::fflush(nullptr);
        std::_Exit(kOk);
    }
    return kOk;
}

}  // namespace

void register_worker(CLI::App& app) {
    static WorkerArgs args;
    auto* cmd = app.add_subcommand("worker", "execute due work: steps, timers, retries");
    cmd->add_flag("--until-idle", args.until_idle, "exit when nothing is due now");
    cmd->add_flag("--fast-forward", args.fast_forward,
                  "virtual time: jump to each next due time instead of waiting, exit when no "
                  "run is scheduled or nothing progresses any more (sandbox testing)");
    cmd->add_option("--concurrency", args.concurrency, "plugin calls in flight at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--batch", args.batch, "runs claimed per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->callback([] { set_exit(guarded([] { return work(args); })); });
}

}  // namespace relance::cli
