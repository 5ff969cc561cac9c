// relance worker: executes due work until stopped (SIGINT/SIGTERM), or until idle.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <relance/app/worker.hpp>
#include <relance/runtime/executor.hpp>
#include <thread>

#include "cli_context.hpp"
#include "stop_signals.hpp"

namespace relance::cli {

namespace {

struct WorkerArgs {
    bool until_idle = false;
    bool fast_forward = false;
    app::WorkerSettings settings;
};

int work(const WorkerArgs& args) {
    if (args.fast_forward && global_options().live) {
        std::cerr << "error: --fast-forward skips waits; with --live it would send a whole "
                     "sequence at once. Use it in sandbox mode only.\n";
        return kUsage;
    }
    // Block SIGINT/SIGTERM before any thread starts (plugin pool, sandbox servers): threads
    // inherit the mask, so only sigwait below sees them and the worker stops cleanly.
    bool long_running = !(args.until_idle || args.fast_forward);
    sigset_t signals_to_wait = stop_signals(long_running);
    SystemClock system_clock;
    VirtualClock virtual_clock(system_clock.now());
    // Fast-forward needs a workspace on the virtual clock (the plugins' sandbox emulators and the
    // executor read it); otherwise the process's workspace, on the system clock.
    std::unique_ptr<app::Workspace> virtual_workspace;
    if (args.fast_forward)
        virtual_workspace = std::make_unique<app::Workspace>(workspace_options(), virtual_clock);
    app::Workspace& ws = virtual_workspace ? *virtual_workspace : workspace();
    app::Worker worker(ws, args.settings);
    report_plugin_failures(ws);
    runtime::Executor& executor = worker.executor();
    store::Store& store = worker.store();

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
            auto next = store.next_due();
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
        worker.run(stop.get_token());
        signals.join();
    }
    // A plugin still inside a call past its deadline cannot be unloaded safely: leave at once
    // (everything acknowledged is committed; the call's effect is pending for the next worker).
    bool abandoned = worker.has_abandoned_calls();
    print_worker_report(std::cout, worker.report(), global_options().json);
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
    cmd->add_option("--concurrency", args.settings.concurrency, "plugin calls in flight at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--batch", args.settings.batch, "runs claimed per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->callback([] { set_exit(guarded([] { return work(args); })); });
}

}  // namespace relance::cli
