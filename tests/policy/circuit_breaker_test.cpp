#include "relance/policy/circuit_breaker.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace relance::policy {
namespace {

using namespace test;

TEST(CircuitBreaker, ClosedAllowsAndOpensAfterConsecutiveFailures) {
    CircuitBreaker b(3, 30s);
    EXPECT_EQ(b.state(), BreakerState::closed);
    EXPECT_TRUE(b.allow(t0()));
    EXPECT_EQ(b.retry_at(), TimePoint::min());
    b.on_failure(t0());
    b.on_failure(t0() + 1s);
    EXPECT_EQ(b.state(), BreakerState::closed);
    EXPECT_EQ(b.consecutive_failures(), 2);
    EXPECT_TRUE(b.allow(t0() + 2s));
    b.on_failure(t0() + 2s);
    EXPECT_EQ(b.state(), BreakerState::open);
    EXPECT_EQ(b.retry_at(), t0() + 32s);
    EXPECT_FALSE(b.allow(t0() + 3s));
    EXPECT_FALSE(b.allow(t0() + 32s - 1ms));
}

TEST(CircuitBreaker, SuccessResetsTheCount) {
    CircuitBreaker b(3, 30s);
    b.on_failure(t0());
    b.on_failure(t0());
    b.on_success(t0() + 1s);
    EXPECT_EQ(b.consecutive_failures(), 0);
    b.on_failure(t0() + 2s);
    b.on_failure(t0() + 3s);
    EXPECT_EQ(b.state(), BreakerState::closed);
    b.on_failure(t0() + 4s);
    EXPECT_EQ(b.state(), BreakerState::open);
}

TEST(CircuitBreaker, HalfOpenAllowsExactlyOneProbe) {
    CircuitBreaker b(1, 30s);
    b.on_failure(t0());
    ASSERT_EQ(b.state(), BreakerState::open);
    EXPECT_EQ(b.state(), BreakerState::open);  // stays open until asked
    EXPECT_TRUE(b.allow(t0() + 30s));          // the probe
    EXPECT_EQ(b.state(), BreakerState::half_open);
    EXPECT_FALSE(b.allow(t0() + 30s));
    EXPECT_FALSE(b.allow(t0() + 45s));
    EXPECT_EQ(b.retry_at(), t0() + 60s);  // when the probe would be presumed lost
}

TEST(CircuitBreaker, ProbeFailureReopensForAnotherPeriod) {
    CircuitBreaker b(2, 30s);
    b.on_failure(t0());
    b.on_failure(t0());
    ASSERT_TRUE(b.allow(t0() + 40s));
    b.on_failure(t0() + 41s);
    EXPECT_EQ(b.state(), BreakerState::open);
    EXPECT_EQ(b.retry_at(), t0() + 71s);
    EXPECT_FALSE(b.allow(t0() + 70s));
    EXPECT_TRUE(b.allow(t0() + 71s));
    EXPECT_EQ(b.state(), BreakerState::half_open);
}

TEST(CircuitBreaker, ProbeSuccessCloses) {
    CircuitBreaker b(2, 30s);
    b.on_failure(t0());
    b.on_failure(t0());
    ASSERT_TRUE(b.allow(t0() + 30s));
    b.on_success(t0() + 31s);
    EXPECT_EQ(b.state(), BreakerState::closed);
    EXPECT_EQ(b.consecutive_failures(), 0);
    EXPECT_TRUE(b.allow(t0() + 31s));
    EXPECT_TRUE(b.allow(t0() + 31s));
    b.on_failure(t0() + 32s);  // one failure after closing does not reopen (threshold 2)
    EXPECT_EQ(b.state(), BreakerState::closed);
}

TEST(CircuitBreaker, LostProbeIsReplacedAfterOpenFor) {
    CircuitBreaker b(1, 30s);
    b.on_failure(t0());
    ASSERT_TRUE(b.allow(t0() + 30s));
    EXPECT_FALSE(b.allow(t0() + 59s));
    EXPECT_TRUE(b.allow(t0() + 60s));  // the first probe never reported
    EXPECT_FALSE(b.allow(t0() + 61s));
}

TEST(CircuitBreaker, LateOutcomesWhileOpenAreIgnored) {
    CircuitBreaker b(1, 30s);
    b.on_failure(t0());
    b.on_success(t0() + 1s);   // started before it opened
    b.on_failure(t0() + 20s);  // does not extend the open period
    EXPECT_EQ(b.state(), BreakerState::open);
    EXPECT_EQ(b.retry_at(), t0() + 30s);
}

TEST(CircuitBreaker, RejectsBadSettings) {
    EXPECT_THROW(CircuitBreaker(0, 30s), std::invalid_argument);
    EXPECT_THROW(CircuitBreaker(1, -1s), std::invalid_argument);
    EXPECT_THROW(BreakerBoard(0, 30s), std::invalid_argument);
    EXPECT_STREQ(to_string(BreakerState::half_open), "half_open");
}

TEST(BreakerBoard, OneBreakerPerProvider) {
    BreakerBoard board(2, 1min);
    EXPECT_EQ(board.state("sendgrid"), BreakerState::closed);  // unknown: closed
    EXPECT_EQ(board.retry_at("sendgrid"), TimePoint::min());
    board.on_failure("sendgrid", t0());
    board.on_failure("sendgrid", t0() + 1s);
    board.on_failure("smtp.gmail.com", t0() + 1s);
    EXPECT_EQ(board.state("sendgrid"), BreakerState::open);
    EXPECT_EQ(board.state("smtp.gmail.com"), BreakerState::closed);
    EXPECT_FALSE(board.allow("sendgrid", t0() + 2s));
    EXPECT_TRUE(board.allow("smtp.gmail.com", t0() + 2s));
    EXPECT_EQ(board.retry_at("sendgrid"), t0() + 61s);
    EXPECT_TRUE(board.allow("sendgrid", t0() + 61s));
    EXPECT_EQ(board.state("sendgrid"), BreakerState::half_open);
    board.on_success("sendgrid", t0() + 62s);
    EXPECT_EQ(board.state("sendgrid"), BreakerState::closed);
    EXPECT_EQ(board.snapshot("sendgrid").consecutive_failures(), 0);
}

TEST(BreakerBoard, ConfigureOverridesDefaults) {
    BreakerBoard board(5, 1min);
    board.configure("twilio", 1, 10s);
    board.on_failure("twilio", t0());
    EXPECT_EQ(board.state("twilio"), BreakerState::open);
    EXPECT_EQ(board.retry_at("twilio"), t0() + 10s);
    EXPECT_EQ(board.snapshot("twilio").failure_threshold(), 1);
    EXPECT_EQ(board.snapshot("other").failure_threshold(), 5);
    EXPECT_THROW(board.configure("x", 0, 1s), std::invalid_argument);
}

TEST(BreakerBoard, ConcurrentUseIsSafe) {
    BreakerBoard board(1000000, 1min);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&board, t] {
            for (int i = 0; i < 1000; ++i) {
                std::string p = "p" + std::to_string(i % 3);
                if (board.allow(p, t0())) board.on_failure(p, t0() + Millis{t});
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(board.snapshot("p0").consecutive_failures() +
                  board.snapshot("p1").consecutive_failures() +
                  board.snapshot("p2").consecutive_failures(),
              4000);
}

}  // namespace
}  // namespace relance::policy
