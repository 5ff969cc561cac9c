#include "call_runner.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace relance::host::detail {

namespace {

struct Job {
    std::function<void()> work;
    std::mutex mutex;
    std::condition_variable done_cv;
    bool started = false;
    bool done = false;
    bool abandoned = false;
};

}  // namespace

struct CallRunner::State {
    std::mutex mutex;
    std::condition_variable work_cv;  // a job was queued, or the runner stops
    std::condition_variable exit_cv;  // a thread exited
    std::deque<std::shared_ptr<Job>> queue;
    std::size_t max_threads = 0;
    std::size_t threads = 0;  // alive
    std::size_t idle = 0;     // waiting for a job
    std::size_t busy = 0;     // inside a job
    std::size_t abandoned = 0;
    bool stopping = false;

    static void serve(const std::shared_ptr<State>& st) {
        std::unique_lock lock(st->mutex);
        for (;;) {
            ++st->idle;
            st->work_cv.wait(lock, [&] { return st->stopping || !st->queue.empty(); });
            --st->idle;
            if (st->queue.empty()) break;  // stopping
            std::shared_ptr<Job> job = std::move(st->queue.front());
            st->queue.pop_front();
            ++st->busy;
            lock.unlock();  // never hold the state's lock while taking a job's (see run())
            bool dropped;
            {
                std::lock_guard job_lock(job->mutex);
                dropped = job->abandoned;  // its caller gave up before it began
                job->started = !dropped;
            }
            if (dropped) {
                lock.lock();
                --st->busy;
                continue;
            }
            try {
                job->work();
            } catch (...) {
                // The work reports its own outcome; nothing may escape a runner thread.
            }
            bool was_abandoned;
            {
                std::lock_guard job_lock(job->mutex);
                job->done = true;
                was_abandoned = job->abandoned;
            }
            job->done_cv.notify_all();
            job.reset();  // release what the work captured before taking the next job
            lock.lock();
            --st->busy;
            if (was_abandoned) --st->abandoned;
        }
        --st->threads;
        st->exit_cv.notify_all();
    }
};

CallRunner::CallRunner(std::size_t max_threads) : state_(std::make_shared<State>()) {
    state_->max_threads = max_threads == 0 ? 1 : max_threads;
}

CallRunner::~CallRunner() {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->work_cv.notify_all();
    // Idle threads exit at once. Threads inside a call are not waited for: only abandoned calls
    // can still be running when the host goes away, and those may never return.
    state_->exit_cv.wait_for(lock, std::chrono::seconds(2),
                             [&] { return state_->threads <= state_->busy; });
}

void CallRunner::enqueue(std::shared_ptr<void> job_ptr) {
    auto job = std::static_pointer_cast<Job>(job_ptr);
    {
        std::lock_guard lock(state_->mutex);
        state_->queue.push_back(std::move(job));
        if (state_->queue.size() > state_->idle && state_->threads < state_->max_threads) {
            ++state_->threads;
            // Detached: a thread stuck in a plugin must not hold the runner's destruction. It
            // shares the state, so it never touches freed memory.
            std::thread([st = state_] { State::serve(st); }).detach();
        }
    }
    state_->work_cv.notify_one();
}

void CallRunner::post(std::function<void()> work) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    enqueue(job);
}

CallRunner::Result CallRunner::run(std::function<void()> work, Deadline deadline) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    enqueue(job);
    std::unique_lock job_lock(job->mutex);
    if (job->done_cv.wait_until(job_lock, deadline, [&] { return job->done; }))
        return Result::returned;
    job->abandoned = true;
    if (!job->started) return Result::not_started;
    std::lock_guard lock(state_->mutex);  // job->mutex, then the state's: the only nesting
    ++state_->abandoned;
    return Result::abandoned;
}

std::size_t CallRunner::abandoned() const {
    std::lock_guard lock(state_->mutex);
    return state_->abandoned;
}

std::size_t CallRunner::busy() const {
    std::lock_guard lock(state_->mutex);
    return state_->busy;
}

}  // namespace relance::host::detail
