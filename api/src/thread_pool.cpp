#include "thread_pool.hpp"

namespace relance::api::detail {

ThreadPool::ThreadPool(std::size_t threads) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
    shutdown();
}

void ThreadPool::enqueue(std::function<void()> job) {
    {
        std::lock_guard g(m_);
        jobs_.push_back(std::move(job));
        waiting_.store(jobs_.size(), std::memory_order_relaxed);
    }
    cv_.notify_one();
}

void ThreadPool::shutdown() {
    {
        std::lock_guard g(m_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

void ThreadPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and nothing left to serve
            job = std::move(jobs_.front());
            jobs_.pop_front();
            waiting_.store(jobs_.size(), std::memory_order_relaxed);
        }
        job();
    }
}

}  // namespace relance::api::detail
