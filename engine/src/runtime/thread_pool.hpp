// A fixed pool of threads for plugin calls: no thread is created per step (DESIGN: performance).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace relance::runtime {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    // Calls fn(i) for i in [0, n) on the pool and the calling thread; returns when all are done.
    void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn);

private:
    void work();
    bool take(std::size_t& index);

    std::mutex m_;
    std::condition_variable start_cv_, done_cv_;
    const std::function<void(std::size_t)>* job_ = nullptr;
    std::size_t next_ = 0, count_ = 0, finished_ = 0;
    std::uint64_t generation_ = 0;
    bool quit_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace relance::runtime
