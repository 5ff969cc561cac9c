// The runner that holds in-process calls to their deadline: a late call is abandoned and
// counted until it returns; a call that never started is dropped, never run late.
#include "call_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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

// A group made in turn on one thread (one handoff): each call has its own deadline from its own
// start, so a slow group of quick calls is not cut short, and at the first call that misses its
// deadline the group stops: that call is abandoned, the later ones never run.
TEST(CallRunner, AGroupStopsAtTheFirstCallThatMissesItsOwnDeadline) {
    using namespace std::chrono_literals;
    CallRunner runner;
    std::vector<int> order;
    std::vector<std::function<void()>> quick;
    for (int i = 0; i < 5; ++i)
        quick.push_back([&order, i] {
            std::this_thread::sleep_for(30ms);  // 150 ms in all, each well within its 100 ms
            order.push_back(i);
        });
    auto each = runner.run_each(std::move(quick), {100ms, 100ms, 100ms, 100ms, 100ms});
    EXPECT_EQ(each.returned, 5u);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));

    auto gate = std::make_shared<Gate>();
    auto later_ran = std::make_shared<std::atomic<bool>>(false);
    auto first = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<void()>> group{[first] { *first = true; }, [gate] { gate->wait(); },
                                             [later_ran] { *later_ran = true; }};
    each = runner.run_each(std::move(group), {1000ms, 100ms, 1000ms});
    EXPECT_EQ(each.returned, 1u);
    EXPECT_EQ(each.rest, CallRunner::Result::abandoned);
    EXPECT_TRUE(*first);
    EXPECT_EQ(runner.abandoned(), 1u);
    gate->release();
    ASSERT_TRUE(
        relance::test::eventually([&] { return runner.abandoned() == 0 && runner.busy() == 0; }));
    EXPECT_FALSE(*later_ran) << "a call after the abandoned one ran";
}
