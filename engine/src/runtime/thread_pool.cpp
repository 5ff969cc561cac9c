#include "thread_pool.hpp"

namespace relance::runtime {

ThreadPool::ThreadPool(int threads) {
    // The calling thread works too, so n-1 helpers give n-way concurrency.
    for (int i = 1; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard g(m_);
        quit_ = true;
    }
    start_cv_.notify_all();
    for (auto& t : threads_) t.join();
}

bool ThreadPool::take(std::size_t& index) {
    if (!job_ || next_ >= count_) return false;
    index = next_++;
    return true;
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) {
    if (n == 0) return;
    if (n == 1 || threads_.empty()) {
        for (std::size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    std::unique_lock lock(m_);
    job_ = &fn;
    next_ = 0;
    count_ = n;
    finished_ = 0;
    ++generation_;
    start_cv_.notify_all();
    std::size_t i;
    while (take(i)) {
        lock.unlock();
        fn(i);
        lock.lock();
        ++finished_;
    }
    done_cv_.wait(lock, [&] { return finished_ == count_; });
    job_ = nullptr;
}

void ThreadPool::work() {
    std::uint64_t seen = 0;
    std::unique_lock lock(m_);
    for (;;) {
        start_cv_.wait(lock, [&] { return quit_ || (job_ && generation_ != seen); });
        if (quit_) return;
        seen = generation_;
        const auto* job = job_;
        std::size_t i;
        while (take(i)) {
            lock.unlock();
            (*job)(i);
            lock.lock();
            if (++finished_ == count_) done_cv_.notify_all();
        }
    }
}

}  // namespace relance::runtime
