#include "dispatcher.hpp"

#include <algorithm>
#include <deque>

namespace relance::runtime {

// Everything the threads touch lives here, owned jointly by the dispatcher and the threads, so
// a thread detached at shutdown never writes into freed memory.
struct Dispatcher::Shared {
    using Job = Dispatcher::Job;
    mutable std::mutex m;
    std::condition_variable work_cv, done_cv;
    std::deque<Job> jobs;
    std::vector<ActiveRun*> running;  // calls in flight (queued or inside a thread)
    std::vector<ActiveRun*> done;
    std::size_t slots = 0;
    std::size_t busy_threads = 0;
    bool woken = false;
    bool quit = false;

    void work() {
        std::unique_lock lock(m);
        for (;;) {
            work_cv.wait(lock, [&] { return quit || !jobs.empty(); });
            if (jobs.empty()) return;  // quit
            Job job = std::move(jobs.front());
            jobs.pop_front();
            ++busy_threads;
            lock.unlock();
            try {
                job.call();
            } catch (...) {
                // The call wraps its own errors into an outcome; nothing may escape a thread.
            }
            lock.lock();
            --busy_threads;
            for (ActiveRun* run : job.runs) {
                running.erase(std::find(running.begin(), running.end(), run));
                done.push_back(run);
            }
            done_cv.notify_one();  // only the executor's thread waits on it
        }
    }
};

Dispatcher::Dispatcher(int slots) : shared_(std::make_shared<Shared>()) {
    shared_->slots = static_cast<std::size_t>(std::max(1, slots));
    threads_.reserve(shared_->slots);
    for (std::size_t i = 0; i < shared_->slots; ++i)
        threads_.emplace_back([s = shared_] { s->work(); });
}

Dispatcher::~Dispatcher() {
    std::size_t busy;
    {
        std::lock_guard g(shared_->m);
        shared_->quit = true;
        shared_->jobs.clear();
        busy = shared_->busy_threads;
    }
    shared_->work_cv.notify_all();
    if (busy == 0) {
        for (auto& t : threads_) t.join();
    } else {
        // Some thread is inside a plugin past its deadline: the idle ones return at once, the
        // stuck ones finish (or not) on their own, holding only `shared_`.
        for (auto& t : threads_) t.detach();
    }
}

std::size_t Dispatcher::in_flight() const {
    std::lock_guard g(shared_->m);
    return shared_->running.size();
}

std::size_t Dispatcher::outstanding() const {
    std::lock_guard g(shared_->m);
    return shared_->running.size() + shared_->done.size();
}

void Dispatcher::dispatch(std::vector<Job> jobs) {
    if (jobs.empty()) return;
    std::size_t n = jobs.size();
    {
        std::lock_guard g(shared_->m);
        for (auto& job : jobs) {
            shared_->running.insert(shared_->running.end(), job.runs.begin(), job.runs.end());
            shared_->jobs.push_back(std::move(job));
        }
    }
    for (std::size_t i = 0; i < n; ++i) shared_->work_cv.notify_one();
}

std::vector<ActiveRun*> Dispatcher::wait(std::chrono::steady_clock::time_point deadline,
                                         bool block) {
    std::unique_lock lock(shared_->m);
    if (block)
        shared_->done_cv.wait_until(lock, deadline,
                                    [&] { return !shared_->done.empty() || shared_->woken; });
    shared_->woken = false;
    std::vector<ActiveRun*> out;
    out.swap(shared_->done);
    return out;
}

void Dispatcher::wake() {
    {
        std::lock_guard g(shared_->m);
        shared_->woken = true;
    }
    shared_->done_cv.notify_all();
}

std::size_t Dispatcher::abandoned() const {
    std::lock_guard g(shared_->m);
    return shared_->busy_threads;
}

}  // namespace relance::runtime
