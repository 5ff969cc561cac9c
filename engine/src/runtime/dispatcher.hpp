// The dispatcher: holds the calls in flight. A fixed set of threads (no thread per call), each
// running one job at a time; a job is one call, or a group of calls safe to repeat made one
// after the other (their outcomes come back together, so they share one commit). Calls leave
// the moment they are dispatched, right after the door's check. Completed jobs queue up for the
// executor, which commits each outcome as soon as it comes (it never waits for the slowest call
// of a claim).
//
// A call's deadline is enforced by the plugin host. At shutdown, a thread still inside a call
// (a plugin that ignores its deadline) is detached rather than joined: a hung plugin never
// holds the process.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace relance::runtime {

struct ActiveRun;

class Dispatcher {
  public:
    explicit Dispatcher(int slots);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    std::size_t in_flight() const;
    // Calls in flight plus those done whose outcome wait() has not handed back yet: until the
    // executor commits an outcome, its effect is still "started" in the store, so a new call
    // may only take a slot this count leaves free (at most `slots` effects in doubt).
    std::size_t outstanding() const;

    // A job: `call` makes the calls of `runs` (one, or a group made in turn) and writes each
    // result where it was told to (memory it shares with the run); it must not touch the
    // executor's state. The runs come back from wait() when the job is done.
    struct Job {
        std::vector<ActiveRun*> runs;
        std::function<void()> call;
    };
    // Queues the jobs for the threads (one lock, one wake-up per job).
    void dispatch(std::vector<Job> jobs);

    // Runs done since the last wait(); waits until at least one is, until `deadline`, or
    // until wake(), whichever first. With `block` false it does not wait.
    std::vector<ActiveRun*> wait(std::chrono::steady_clock::time_point deadline, bool block);

    // Interrupts a wait() (new work, a stop request).
    void wake();

    // Calls still inside a plugin when the dispatcher went away (detached threads).
    std::size_t abandoned() const;

  private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
    std::vector<std::thread> threads_;
};

}  // namespace relance::runtime
