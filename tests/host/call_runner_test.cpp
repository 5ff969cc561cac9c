// The runner that holds in-process calls to their deadline: a late call is abandoned and
// counted until it returns; a call that never started is dropped, never run late.
#include "call_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "test_util.hpp"

using relance::host::detail::CallRunner;

namespace {

// Opened once by the test; every call waiting on it returns then.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    void wait() {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return open; });
    }
    void release() {
        {
            std::lock_guard lock(m);
            open = true;
        }
        cv.notify_all();
    }
};

auto soon(int ms) {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

}  // namespace

TEST(CallRunner, ReturnsInTimeOrAbandonsAndCountsUntilTheCallReturns) {
    CallRunner runner;
    int value = 0;
    EXPECT_EQ(runner.run([&] { value = 7; }, soon(5000)), CallRunner::Result::returned);
    EXPECT_EQ(value, 7);

    auto gate = std::make_shared<Gate>();
    auto ran = std::make_shared<std::atomic<bool>>(false);
    EXPECT_EQ(runner.run(
                  [gate, ran] {
                      gate->wait();
                      *ran = true;
                  },
                  soon(100)),
              CallRunner::Result::abandoned);
    EXPECT_EQ(runner.abandoned(), 1u);
    EXPECT_EQ(runner.busy(), 1u);
    // Another call still gets a thread of its own.
    EXPECT_EQ(runner.run([] {}, soon(5000)), CallRunner::Result::returned);
    gate->release();
    ASSERT_TRUE(
        relance::test::eventually([&] { return runner.abandoned() == 0 && runner.busy() == 0; }));
    EXPECT_TRUE(*ran);
}

TEST(CallRunner, ACallThatCouldNotStartIsNeverRun) {
    CallRunner runner(1);  // one thread: the second call waits for it
    auto gate = std::make_shared<Gate>();
    EXPECT_EQ(runner.run([gate] { gate->wait(); }, soon(50)), CallRunner::Result::abandoned);
    auto ran = std::make_shared<std::atomic<bool>>(false);
    EXPECT_EQ(runner.run([ran] { *ran = true; }, soon(50)), CallRunner::Result::not_started);
    gate->release();
    ASSERT_TRUE(relance::test::eventually([&] { return runner.busy() == 0; }));
    // The dropped call must not run once the thread is free.
    EXPECT_EQ(runner.run([] {}, soon(5000)), CallRunner::Result::returned);
    EXPECT_FALSE(*ran);
}

TEST(CallRunner, DestroyingTheRunnerDoesNotWaitForAStuckCall) {
    auto gate = std::make_shared<Gate>();
    {
        CallRunner runner;
        EXPECT_EQ(runner.run([gate] { gate->wait(); }, soon(50)), CallRunner::Result::abandoned);
    }  // returns although the call is still inside
    gate->release();
}
