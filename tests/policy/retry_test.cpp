#include "relance/policy/retry.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <stdexcept>

namespace relance::policy {
namespace {

using namespace test;

TEST(Backoff, ExponentialSequenceWithoutJitter) {
    std::vector<Millis> got;
    for (int a = 1; a <= 9; ++a) got.push_back(backoff(a, 1s, 2.0, 1min, 0ms, 0.0, 7));
    std::vector<Millis> want{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
    EXPECT_EQ(got, want);
    EXPECT_EQ(backoff(3, 500ms, 3.0, 1h, 0ms, 0.0, 0), 4500ms);
    EXPECT_EQ(backoff(4, 10s, 1.0, 1h, 0ms, 0.0, 0), 10s);  // factor 1: constant
}

TEST(Backoff, AttemptBelowOneCountsAsFirst) {
    EXPECT_EQ(backoff(0, 1s, 2.0, 1min, 0ms, 0.0, 0), 1s);
    EXPECT_EQ(backoff(-5, 1s, 2.0, 1min, 0ms, 0.0, 0), 1s);
}

TEST(Backoff, CappedAtMaxEvenForHugeAttempts) {
    EXPECT_EQ(backoff(1000, 1s, 2.0, 10min, 0ms, 0.0, 0), 10min);
    EXPECT_EQ(backoff(std::numeric_limits<int>::max(), 1s, 10.0, 10min, 0ms, 0.0, 0), 10min);
    auto j = backoff(1000, 1s, 2.0, 10min, 0ms, 0.5, 3);
    EXPECT_GE(j, 5min);
    EXPECT_LE(j, 10min);
}

TEST(Backoff, NeverLessThanRetryAfter) {
    EXPECT_EQ(backoff(2, 1s, 2.0, 1min, 90s, 0.5, 1), 90s);  // wins over max too
    EXPECT_EQ(backoff(6, 1s, 2.0, 1min, 10s, 0.0, 1), 32s);  // below the computed delay
    for (std::uint64_t seed = 0; seed < 500; ++seed)
        ASSERT_GE(backoff(3, 1s, 2.0, 1min, 3500ms, 0.5, seed), 3500ms);
}

TEST(Backoff, EqualJitterStaysWithinHalfAndFull) {
    std::set<Millis> seen;
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        auto d = backoff(4, 1s, 2.0, 1min, 0ms, 0.5, seed);  // raw 8 s
        ASSERT_GE(d, 4s);
        ASSERT_LE(d, 8s);
        seen.insert(d);
    }
    EXPECT_GT(seen.size(), 1000u);
}

TEST(Backoff, FullJitterAndRatioClamping) {
    for (std::uint64_t seed = 0; seed < 500; ++seed) {
        auto d = backoff(4, 1s, 2.0, 1min, 0ms, 1.0, seed);
        ASSERT_GE(d, 0ms);
        ASSERT_LE(d, 8s);
        ASSERT_EQ(backoff(4, 1s, 2.0, 1min, 0ms, 7.0, seed), d);   // clamped to 1
        ASSERT_EQ(backoff(4, 1s, 2.0, 1min, 0ms, -1.0, seed), 8s);  // clamped to 0
    }
}

TEST(Backoff, DeterministicPerSeedAndAttempt) {
    for (std::uint64_t seed = 0; seed < 100; ++seed)
        for (int a = 1; a < 8; ++a)
            ASSERT_EQ(backoff(a, 1s, 2.0, 1h, 0ms, 0.5, seed),
                      backoff(a, 1s, 2.0, 1h, 0ms, 0.5, seed));
    // One seed for a whole step still gives different draws per attempt (relative position in
    // the jitter range differs).
    std::set<double> positions;
    for (int a = 1; a <= 8; ++a) {
        double raw = 1000.0 * (1 << (a - 1));
        auto d = backoff(a, 1s, 2.0, 1h, 0ms, 0.5, 42);
        positions.insert((static_cast<double>(d.count()) - raw / 2) / (raw / 2));
    }
    EXPECT_GT(positions.size(), 4u);
    // Different seeds, different delays (almost always).
    EXPECT_NE(backoff(5, 1s, 2.0, 1h, 0ms, 0.5, 1), backoff(5, 1s, 2.0, 1h, 0ms, 0.5, 2));
}

TEST(Backoff, RejectsBadArguments) {
    EXPECT_THROW(backoff(1, -1s, 2.0, 1min, 0ms, 0.5, 0), std::invalid_argument);
    EXPECT_THROW(backoff(1, 1s, 2.0, -1min, 0ms, 0.5, 0), std::invalid_argument);
    EXPECT_THROW(backoff(1, 1s, 0.5, 1min, 0ms, 0.5, 0), std::invalid_argument);
    EXPECT_THROW(backoff(1, 1s, std::numeric_limits<double>::quiet_NaN(), 1min, 0ms, 0.5, 0),
                 std::invalid_argument);
}

}  // namespace
}  // namespace relance::policy
