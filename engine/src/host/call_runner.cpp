// Handing a call to a runner thread and back costs two thread wake-ups, and on a virtual machine
// a futex wake-up is expensive (it dominated a profile of the first version). So both sides spin
// briefly before they sleep: one idle runner thread at a time watches for new work, and one
// caller at a time watches for its answer, each for at most kSpin. A quick call (noop) then
// crosses without a single wake-up; a slow one (a provider over HTTP) costs kSpin of CPU, which
// is nothing next to it. Never more than two threads spin (one of each side, per runner, and
// none on a single core), so idle threads do not eat the cores that the calls need. And spinning
// is adaptive (SpinCredit): when it keeps failing (slow calls, sparse calls, or cores busy with
// other work, where a spinner only steals time from the thread it waits for) it stops, probing
// again now and then.
#include "call_runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace relance::host::detail {

namespace {

constexpr std::chrono::microseconds kSpin{50};

// Spinning only pays where another core can run the other side meanwhile.
const bool kMaySpin = std::thread::hardware_concurrency() > 1;

// Whether spinning has been paying off lately for one side of the handoff.
class SpinCredit {
  public:
    bool worth_it() {
        if (credit_.load(std::memory_order_relaxed) > 0) return true;
        // Out of credit: try once in a while, in case things changed.
        return skipped_.fetch_add(1, std::memory_order_relaxed) % 64 == 63;
    }
    void paid(bool success) {
        int c = credit_.load(std::memory_order_relaxed);
        credit_.store(success ? std::min(c + 1, 8) : std::max(c - 2, -1),
                      std::memory_order_relaxed);
    }

  private:
    std::atomic<int> credit_{8};
    std::atomic<unsigned> skipped_{0};
};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Spins until `done()` or kSpin has passed; true when done.
template <class F>
bool spin_until(F done) {
    auto until = std::chrono::steady_clock::now() + kSpin;
    for (unsigned i = 1;; ++i) {
        if (done()) return true;
        cpu_relax();
        if (i % 32 == 0 && std::chrono::steady_clock::now() >= until) return done();
    }
}

enum JobState : int {
    kQueued,
    kRunning,
    kDone,
    kDropped,    // its caller gave up before a thread took it: never run
    kAbandoned,  // its caller gave up while it ran
};

struct Job {
    std::function<void()> work;
    std::atomic<int> state{kQueued};
    // For a caller that stopped spinning and sleeps.
    std::mutex mutex;
    std::condition_variable cv;
    bool waiting = false;
};

}  // namespace

struct CallRunner::State {
    std::mutex mutex;
    std::condition_variable work_cv;  // a job was queued, or the runner stops
    std::condition_variable exit_cv;  // a thread exited
    std::deque<std::shared_ptr<Job>> queue;
    std::atomic<std::size_t> queued{0};  // queue.size(), readable without the lock (spinning)
    std::size_t max_threads = 0;
    std::size_t threads = 0;   // alive
    std::size_t sleepers = 0;  // waiting on work_cv
    bool spinner = false;      // an idle thread is spinning for work
    bool stopping = false;
    std::atomic<std::size_t> busy{0};
    std::atomic<std::size_t> abandoned{0};
    std::atomic<bool> caller_spinning{false};
    SpinCredit caller_credit;
    SpinCredit worker_credit;

    static void finish(const std::shared_ptr<State>& st, Job& job) {
        int before = job.state.exchange(kDone, std::memory_order_acq_rel);
        if (before == kAbandoned) {
            st->abandoned.fetch_sub(1);
            return;  // nobody waits for it
        }
        std::lock_guard lock(job.mutex);
        if (job.waiting) job.cv.notify_one();
    }

    static void serve(const std::shared_ptr<State>& st) {
        for (;;) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock lock(st->mutex);
                if (kMaySpin && st->queue.empty() && !st->stopping && !st->spinner &&
                    st->worker_credit.worth_it()) {
                    st->spinner = true;
                    lock.unlock();
                    st->worker_credit.paid(
                        spin_until([&] { return st->queued.load(std::memory_order_acquire) > 0; }));
                    lock.lock();
                    st->spinner = false;
                }
                while (st->queue.empty() && !st->stopping) {
                    ++st->sleepers;
                    st->work_cv.wait(lock);
                    --st->sleepers;
                }
                if (st->queue.empty()) break;  // stopping
                job = std::move(st->queue.front());
                st->queue.pop_front();
                st->queued.fetch_sub(1, std::memory_order_release);
            }
            int expected = kQueued;
            if (!job->state.compare_exchange_strong(expected, kRunning)) continue;  // dropped
            st->busy.fetch_add(1);
            try {
                job->work();
            } catch (...) {
                // The work reports its own outcome; nothing may escape a runner thread.
            }
            st->busy.fetch_sub(1);
            finish(st, *job);
            job.reset();  // release what the work captured before taking the next job
        }
        std::lock_guard lock(st->mutex);
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
                             [&] { return state_->threads <= state_->busy.load(); });
}

void CallRunner::enqueue(std::shared_ptr<void> job_ptr) {
    auto job = std::static_pointer_cast<Job>(job_ptr);
    bool wake = false;
    {
        std::lock_guard lock(state_->mutex);
        state_->queue.push_back(std::move(job));
        state_->queued.fetch_add(1, std::memory_order_release);
        std::size_t idle = state_->sleepers + (state_->spinner ? 1 : 0);
        if (state_->queue.size() > idle && state_->threads < state_->max_threads) {
            ++state_->threads;
            // Detached: a thread stuck in a plugin must not hold the runner's destruction. It
            // shares the state, so it never touches freed memory.
            std::thread([st = state_] { State::serve(st); }).detach();
        } else {
            // The spinning thread takes one job without being woken; more need a sleeper.
            wake = state_->queue.size() > (state_->spinner ? 1u : 0u) && state_->sleepers > 0;
        }
    }
    if (wake) state_->work_cv.notify_one();
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
    auto done = [&] { return job->state.load(std::memory_order_acquire) == kDone; };
    if (kMaySpin && state_->caller_credit.worth_it() && !state_->caller_spinning.exchange(true)) {
        bool quick = spin_until(done);
        state_->caller_spinning.store(false);
        state_->caller_credit.paid(quick);
        if (quick) return Result::returned;
    }
    {
        std::unique_lock lock(job->mutex);
        job->waiting = true;
        if (job->cv.wait_until(lock, deadline, done)) return Result::returned;
    }
    int expected = kQueued;
    if (job->state.compare_exchange_strong(expected, kDropped)) return Result::not_started;
    // Counted before the state says so: the thread decrements only once it sees kAbandoned.
    state_->abandoned.fetch_add(1);
    expected = kRunning;
    if (job->state.compare_exchange_strong(expected, kAbandoned)) return Result::abandoned;
    state_->abandoned.fetch_sub(1);
    return Result::returned;  // it finished just now
}

CallRunner::Each CallRunner::run_each(std::vector<std::function<void()>> works,
                                      const std::vector<Deadline::duration>& timeouts) {
    using Clock = std::chrono::steady_clock;
    // Shared with the runner thread, which may outlive this frame after an abandon.
    struct Progress {
        std::vector<std::function<void()>> works;
        std::atomic<std::size_t> started{0}, finished{0};
        std::atomic<Clock::rep> started_at{0};  // of the call running
        std::atomic<bool> stop{false};          // an abandon: start no further call
    };
    Each each;
    if (works.empty()) return each;
    auto progress = std::make_shared<Progress>();
    progress->works = std::move(works);
    const std::size_t n = progress->works.size();
    auto job = std::make_shared<Job>();
    job->work = [progress] {
        for (std::size_t i = 0; i < progress->works.size(); ++i) {
            if (progress->stop.load(std::memory_order_acquire)) return;
            progress->started_at.store(Clock::now().time_since_epoch().count(),
                                       std::memory_order_release);
            progress->started.store(i + 1, std::memory_order_release);
            progress->works[i]();
            progress->finished.store(i + 1, std::memory_order_release);
        }
    };
    Deadline enqueued = Clock::now();
    enqueue(job);
    auto done = [&] { return job->state.load(std::memory_order_acquire) == kDone; };
    for (;;) {
        // The deadline of the call running now (or of the first, not started yet).
        std::size_t started = progress->started.load(std::memory_order_acquire);
        Deadline deadline =
            started == 0
                ? enqueued + timeouts[0]
                : Deadline(Clock::duration(progress->started_at.load(std::memory_order_acquire))) +
                      timeouts[started - 1];
        std::unique_lock lock(job->mutex);
        job->waiting = true;
        if (job->cv.wait_until(lock, deadline, done)) {
            each.returned = n;
            return each;
        }
        lock.unlock();
        if (Clock::now() < deadline || progress->started.load(std::memory_order_acquire) != started)
            continue;  // woken early, or the next call started meanwhile: its own deadline
        break;
    }
    // A deadline passed: no further call starts, and the one running (if any) is abandoned.
    progress->stop.store(true, std::memory_order_release);
    int expected = kQueued;
    if (job->state.compare_exchange_strong(expected, kDropped)) {
        each.rest = Result::not_started;
        return each;
    }
    state_->abandoned.fetch_add(1);
    expected = kRunning;
    if (job->state.compare_exchange_strong(expected, kAbandoned)) {
        each.returned = progress->finished.load(std::memory_order_acquire);
        each.rest = each.returned < progress->started.load(std::memory_order_acquire)
                        ? Result::abandoned
                        : Result::not_started;
        return each;
    }
    state_->abandoned.fetch_sub(1);
    // It ended just now: what ran returned, what did not start never will.
    each.returned = progress->finished.load(std::memory_order_acquire);
    each.rest = each.returned < n ? Result::not_started : Result::returned;
    return each;
}

std::size_t CallRunner::abandoned() const {
    return state_->abandoned.load();
}

std::size_t CallRunner::busy() const {
    return state_->busy.load();
}

}  // namespace relance::host::detail
