#include "worker_loop.hpp"

#include <condition_variable>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/workspace.hpp>
#include <thread>

#include "cli_context.hpp"

namespace relance::cli {

sigset_t stop_signals(bool block) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (block) pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

WorkerLoop::WorkerLoop(const Clock& clock, WorkerSettings settings)
    : clock_(clock), settings_(settings) {}

// The executor goes first: it uses the plugins and the store.
WorkerLoop::~WorkerLoop() {
    executor_.reset();
    host_.reset();
    store_.reset();
}

int WorkerLoop::open() {
    store_ = open_store();
    auto lock = store_->lock_worker();
    if (lock.state == store::WorkerLock::State::busy) {
        std::cerr << "error: " << lock.message << "\n";
        return kBusy;
    }
    if (lock.state != store::WorkerLock::State::acquired) {
        std::cerr << "error: " << lock.message << "\n";
        return kFailure;
    }
    store_->release_all_leases();
    host_ = load_host(clock_, store_.get());
    activate_host(*host_);

    runtime::ExecutorOptions options;
    options.config = workspace_config();
    options.concurrency = settings_.concurrency;
    options.batch_size = settings_.batch;
    options.observer = settings_.observer;
    executor_ = std::make_unique<runtime::Executor>(*store_, *host_, clock_, options);
    return kOk;
}

void WorkerLoop::run(std::stop_token stop) {
    // Cron triggers fire beside the executor: a pass about once a second (each slot once, the
    // store says which were handled), and the executor is told at once of the runs it started.
    std::jthread crons([this](std::stop_token cron_stop) {
        std::mutex m;
        std::condition_variable_any cv;
        while (!cron_stop.stop_requested()) {
            try {
                app::CronPass pass = workspace().fire_crons();
                for (const auto& e : pass.errors) std::cerr << "warning: " << e << "\n";
                if (!pass.fired.empty()) executor_->notify();
            } catch (const std::exception& e) {
                std::cerr << "warning: cron triggers: " << e.what() << "\n";
            }
            std::unique_lock lk(m);
            cv.wait_for(lk, cron_stop, std::chrono::seconds(1), [] { return false; });
        }
    });
    // Outbound webhooks beside it, on their own thread: a slow receiver (up to a delivery's
    // timeout) must delay neither the runs nor the cron slots. A pass about once a second; a
    // pass that found a full batch goes again at once.
    std::jthread webhooks([](std::stop_token hooks_stop) {
        std::mutex m;
        std::condition_variable_any cv;
        while (!hooks_stop.stop_requested()) {
            bool busy = false;
            try {
                app::DeliveryPass pass = workspace().deliver_webhooks();
                for (const auto& e : pass.errors) std::cerr << "warning: " << e << "\n";
                busy = pass.fanned_out > 0;
            } catch (const std::exception& e) {
                std::cerr << "warning: outbound webhooks: " << e.what() << "\n";
            }
            std::unique_lock lk(m);
            auto pause = busy ? std::chrono::milliseconds(50) : std::chrono::milliseconds(1000);
            cv.wait_for(lk, hooks_stop, pause, [] { return false; });
        }
    });
    executor_->run_forever(std::move(stop));
}

void WorkerLoop::report(std::ostream& out, bool json) {
    auto stats = executor_->stats();
    auto counts = store_->count_runs();
    if (json) {
        out << nlohmann::json{{"steps", stats.steps},
                              {"actions", stats.actions},
                              {"runs_finished", stats.runs_finished},
                              {"runs_waiting", counts.by_status[1]},
                              {"runs_paused", counts.by_status[2]}}
                   .dump()
            << "\n";
    } else {
        out << "worker: " << stats.steps << " step(s), " << stats.actions << " action call(s), "
            << stats.runs_finished << " run(s) finished; " << counts.by_status[1] << " waiting, "
            << counts.by_status[2] << " paused\n";
    }
}

bool WorkerLoop::has_abandoned_calls() const {
    return executor_ && executor_->abandoned_calls() > 0;
}

}  // namespace relance::cli
