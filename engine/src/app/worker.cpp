// The worker of a workspace (relance/app/worker.hpp).
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <relance/app/error.hpp>
#include <relance/app/worker.hpp>
#include <relance/app/workspace.hpp>
#include <relance/host/plugin_host.hpp>
#include <thread>

namespace relance::app {

Worker::Worker(Workspace& workspace, WorkerSettings settings) : workspace_(workspace) {
    own_store_ = workspace.open_connection(workspace.options().sqlite);
    store_ = own_store_ ? own_store_.get() : &workspace.store();
    auto lock = store_->lock_worker();
    if (lock.state == store::WorkerLock::State::busy) throw Error(ErrorKind::busy, lock.message);
    if (lock.state != store::WorkerLock::State::acquired)
        throw Error(ErrorKind::failure, lock.message, "store");
    store_->release_all_leases();
    host::PluginHost& plugins = workspace.active_plugins();

    runtime::ExecutorOptions options;
    options.config = workspace.config();
    options.concurrency = settings.concurrency;
    options.batch_size = settings.batch;
    options.observer = settings.observer;
    options.tracking_key = [&workspace] { return workspace.tracking_key(); };
    executor_ = std::make_unique<runtime::Executor>(*store_, plugins, workspace.clock(), options);
}

// The executor goes first: it uses the plugins and the store.
Worker::~Worker() {
    executor_.reset();
    own_store_.reset();
}

void Worker::run(std::stop_token stop) {
    // Cron triggers fire beside the executor: a pass about once a second (each slot once, the
    // store says which were handled), and the executor is told at once of the runs it started.
    std::jthread crons([this](std::stop_token cron_stop) {
        std::mutex m;
        std::condition_variable_any cv;
        while (!cron_stop.stop_requested()) {
            try {
                CronPass pass = workspace_.fire_crons();
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
    std::jthread webhooks([this](std::stop_token hooks_stop) {
        std::mutex m;
        std::condition_variable_any cv;
        while (!hooks_stop.stop_requested()) {
            bool busy = false;
            try {
                DeliveryPass pass = workspace_.deliver_webhooks();
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

WorkerReport Worker::report() {
    auto stats = executor_->stats();
    auto counts = store_->count_runs();
    WorkerReport r;
    r.steps = stats.steps;
    r.actions = stats.actions;
    r.runs_finished = stats.runs_finished;
    r.runs_waiting = counts.by_status[1];
    r.runs_paused = counts.by_status[2];
    return r;
}

bool Worker::has_abandoned_calls() const {
    return executor_ && executor_->abandoned_calls() > 0;
}

}  // namespace relance::app
