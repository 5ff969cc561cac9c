// Runs calls into an in-process plugin on threads of its own, so that the caller can stop
// waiting at the call's deadline. A thread stuck inside a plugin cannot be killed: at the
// deadline its call is abandoned (the thread is lost until the plugin returns), and the runner
// counts such calls so that the host can stop sending new ones and never unload the library
// under them. Threads are reused: no thread is created per call once the pool has grown to the
// number of calls in flight.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace relance::host::detail {

class CallRunner {
  public:
    using Deadline = std::chrono::steady_clock::time_point;
    enum class Result {
        returned,     // the call ran and returned in time
        abandoned,    // it started and had not returned at the deadline: it may still act
        not_started,  // no thread took it before the deadline: it never ran, and never will
    };

    explicit CallRunner(std::size_t max_threads = 256);
    // Waits (briefly) for idle threads to exit; threads inside an abandoned call are left to it.
    ~CallRunner();
    CallRunner(const CallRunner&) = delete;
    CallRunner& operator=(const CallRunner&) = delete;

    // Runs `work` on a runner thread and waits for it until `deadline`. `work` must own what it
    // touches (capture shared state by value): after an abandon it runs on without the caller.
    Result run(std::function<void()> work, Deadline deadline);
    // Runs `works` in turn on one runner thread (one handoff for all, instead of one each), each
    // with its own deadline: `timeouts[i]` from the moment it starts (the first, from now). At
    // the first deadline missed, the call running is abandoned and the later ones never run.
    // Returns how many returned in time and how the first one that did not ended.
    struct Each {
        std::size_t returned = 0;
        Result rest = Result::returned;  // abandoned or not_started when returned < size
    };
    Each run_each(std::vector<std::function<void()>> works,
                  const std::vector<Deadline::duration>& timeouts);
    // Runs `work` on a runner thread without waiting for it (the child process serves the calls
    // it receives this way; the worker holds their deadlines).
    void post(std::function<void()> work);

    std::size_t abandoned() const;  // abandoned calls still running inside the plugin
    std::size_t busy() const;       // calls running, abandoned or not

  private:
    void enqueue(std::shared_ptr<void> job);
    struct State;
    std::shared_ptr<State> state_;  // shared with the threads, which may outlive the runner
};

}  // namespace relance::host::detail
