// The server's request threads: a fixed number, fed from one queue of accepted connections
// (httplib::TaskQueue). It also says how many connections wait for a thread, so that an idle
// kept-alive connection gives its thread up when another one waits (connection.cpp).
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace relance::api::detail {

class ThreadPool final : public httplib::TaskQueue {
  public:
    explicit ThreadPool(std::size_t threads);
    ~ThreadPool() override;

    void enqueue(std::function<void()> job) override;
    // Runs every job already queued, then joins the threads (httplib calls it when the
    // listener stops).
    void shutdown() override;

    // Connections accepted and not yet given a thread.
    std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

  private:
    void work();

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::atomic<std::size_t> waiting_{0};
    std::vector<std::thread> threads_;
};

}  // namespace relance::api::detail
