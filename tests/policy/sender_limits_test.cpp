#include "relance/policy/sender_limits.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace relance::policy {
namespace {

using namespace test;

const TimePoint now = t0() + 10 * 24h + 9h;  // Thursday 12 March 2026, 09:00 UTC

std::vector<SendRecord> sends(std::initializer_list<Millis> ago, const std::string& domain = "x.com") {
    std::vector<SendRecord> h;
    for (auto a : ago) h.push_back({now - a, domain});
    return h;
}

TEST(SenderLimits, NoLimitsAllowsNow) {
    auto d = next_allowed(SenderLimits{}, sends({1s, 2s, 3s}), "acme.com", now, 7);
    EXPECT_EQ(d.earliest, now);
    EXPECT_EQ(d.reason, "");
    EXPECT_TRUE(d.allowed_now(now));
}

TEST(SenderLimits, EmptyHistoryAllowsNow) {
    SenderLimits l{.daily_cap = 1, .per_minute = 1, .min_gap = 90s, .gap_jitter = 30s};
    auto d = next_allowed(l, {}, "acme.com", now, 1);
    EXPECT_EQ(d, (Decision{now, ""}));
}

TEST(SenderLimits, DailyCapReachedWaitsForOldestSendPlus24h) {
    SenderLimits l{.daily_cap = 3};
    auto d = next_allowed(l, sends({20h, 10h, 1h}), "", now, 0);
    EXPECT_EQ(d.earliest, now - 20h + 24h);
    EXPECT_EQ(d.reason, "mailbox daily cap (3 in 24 h)");
    EXPECT_FALSE(d.allowed_now(now));
}

TEST(SenderLimits, DailyCapNotReachedAllowsNow) {
    SenderLimits l{.daily_cap = 3};
    EXPECT_EQ(next_allowed(l, sends({20h, 1h}), "", now, 0), (Decision{now, ""}));
}

TEST(SenderLimits, DailyCapWindowIsHalfOpen) {
    // At exactly oldest + 24 h the oldest send has left the window.
    SenderLimits l{.daily_cap = 2};
    auto h = sends({5h, 1h});
    auto at = now - 5h + 24h;
    EXPECT_EQ(next_allowed(l, h, "", at, 0), (Decision{at, ""}));
    EXPECT_EQ(next_allowed(l, h, "", at - 1ms, 0).earliest, at);
}

TEST(SenderLimits, DailyCapAlreadyExceededWaitsForEnoughSendsToLeave) {
    // Five sends against a cap of 3 (the cap was lowered): two must leave, plus one for the
    // next send -> the third most recent send + 24 h.
    SenderLimits l{.daily_cap = 3};
    auto d = next_allowed(l, sends({23h, 22h, 21h, 2h, 1h}), "", now, 0);
    EXPECT_EQ(d.earliest, now - 21h + 24h);
}

TEST(SenderLimits, ZeroCapBlocksForever) {
    SenderLimits l{.daily_cap = 0};
    auto d = next_allowed(l, {}, "", now, 0);
    EXPECT_EQ(d.earliest, TimePoint::max());
    EXPECT_EQ(d.reason, "mailbox daily cap (0 in 24 h)");
}

TEST(SenderLimits, PerMinuteRate) {
    SenderLimits l{.per_minute = 3};
    auto d = next_allowed(l, sends({50s, 30s, 5s}), "", now, 0);
    EXPECT_EQ(d.earliest, now + 10s);
    EXPECT_EQ(d.reason, "per-minute rate (3/min)");
    EXPECT_EQ(next_allowed(l, sends({61s, 30s, 5s}), "", now, 0), (Decision{now, ""}));
}

TEST(SenderLimits, PerHourRate) {
    SenderLimits l{.per_hour = 2};
    auto d = next_allowed(l, sends({40min, 10min}), "", now, 0);
    EXPECT_EQ(d.earliest, now + 20min);
    EXPECT_EQ(d.reason, "per-hour rate (2/h)");
}

TEST(SenderLimits, MinimumGapWithoutJitter) {
    SenderLimits l{.min_gap = 90s};
    auto d = next_allowed(l, sends({2h, 30s}), "", now, 12345);
    EXPECT_EQ(d.earliest, now + 60s);
    EXPECT_EQ(d.reason, "minimum gap 90 s");
    EXPECT_EQ(next_allowed(l, sends({90s}), "", now, 0), (Decision{now, ""}));
}

TEST(SenderLimits, GapJitterIsDeterministicAndBounded) {
    SenderLimits l{.min_gap = 90s, .gap_jitter = 30s};
    auto h = sends({10s});
    const TimePoint floor = now - 10s + 90s;
    std::set<TimePoint> seen;
    for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        auto d = next_allowed(l, h, "", now, seed);
        ASSERT_GE(d.earliest, floor);
        ASSERT_LE(d.earliest, floor + 30s);
        ASSERT_EQ(d.earliest, floor + gap_jitter_for(l, seed));
        ASSERT_EQ(d, next_allowed(l, h, "", now, seed));  // same seed, same answer
        seen.insert(d.earliest);
    }
    EXPECT_GT(seen.size(), 1000u);  // actually spread over the 30 s
    auto d = next_allowed(l, h, "", now, 42);
    if (d.earliest > floor) {
        EXPECT_EQ(d.reason.rfind("minimum gap 90 s (+ ", 0), 0u) << d.reason;
    }
}

TEST(SenderLimits, JitterReasonFormatsFractionalSeconds) {
    SenderLimits l{.min_gap = 90s, .gap_jitter = 30s};
    std::uint64_t seed = 0;
    while (gap_jitter_for(l, seed).count() % 1000 == 0) ++seed;
    auto j = gap_jitter_for(l, seed);
    auto d = next_allowed(l, sends({1s}), "", now, seed);
    EXPECT_EQ(d.earliest, now - 1s + 90s + j);
    EXPECT_NE(d.reason.find(" s jitter)"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find('.'), std::string::npos) << d.reason;
}

TEST(SenderLimits, RampUpCapByDay) {
    SenderLimits::RampUp r{.start = 5, .step_per_day = 5, .max = 20, .since = t0()};
    EXPECT_EQ(ramp_up_cap(r, t0()), 5);
    EXPECT_EQ(ramp_up_cap(r, t0() + 23h), 5);
    EXPECT_EQ(ramp_up_cap(r, t0() + 24h), 10);
    EXPECT_EQ(ramp_up_cap(r, t0() + 2 * 24h + 1h), 15);
    EXPECT_EQ(ramp_up_cap(r, t0() + 5 * 24h), 20);  // 30 capped at max
    EXPECT_EQ(ramp_up_cap(r, t0() + 500 * 24h), 20);
    EXPECT_EQ(ramp_up_cap(r, t0() - 48h), 5);  // before `since`: day 0
    EXPECT_EQ(ramp_up_day(r, t0() + 5 * 24h + 3h), 5);
    EXPECT_EQ(ramp_up_day(r, t0() - 1ms), 0);
}

std::vector<SendRecord> n_sends_before(TimePoint at, int n) {
    std::vector<SendRecord> h;
    for (int i = 0; i < n; ++i) h.push_back({at - std::chrono::minutes(10 * (i + 1)), "x.com"});
    return h;
}

TEST(SenderLimits, RampUpDay0) {
    SenderLimits l{.ramp_up = SenderLimits::RampUp{5, 5, 20, t0()}};
    auto at = t0() + 10h;
    EXPECT_EQ(next_allowed(l, n_sends_before(at, 4), "", at, 0), (Decision{at, ""}));
    auto d = next_allowed(l, n_sends_before(at, 5), "", at, 0);
    EXPECT_EQ(d.reason, "ramp-up day 0: cap 5");
    EXPECT_EQ(d.earliest, t0() + 24h);  // day 1 raises the cap to 10 before any send leaves
}

TEST(SenderLimits, RampUpDay1) {
    SenderLimits l{.ramp_up = SenderLimits::RampUp{5, 5, 20, t0()}};
    auto at = t0() + 24h + 10h;
    EXPECT_EQ(next_allowed(l, n_sends_before(at, 9), "", at, 0), (Decision{at, ""}));
    auto d = next_allowed(l, n_sends_before(at, 10), "", at, 0);
    EXPECT_EQ(d.reason, "ramp-up day 1: cap 10");
    EXPECT_EQ(d.earliest, t0() + 48h);
}

TEST(SenderLimits, RampUpDay5ReachesMax) {
    SenderLimits l{.ramp_up = SenderLimits::RampUp{5, 5, 20, t0()}};
    auto at = t0() + 5 * 24h + 10h;
    EXPECT_EQ(next_allowed(l, n_sends_before(at, 19), "", at, 0), (Decision{at, ""}));
    auto h = n_sends_before(at, 20);
    auto d = next_allowed(l, h, "", at, 0);
    EXPECT_EQ(d.reason, "ramp-up day 5: cap 20");
    // At its maximum the ramp no longer grows: wait for the oldest send to leave.
    auto oldest = std::min_element(h.begin(), h.end(),
                                   [](auto& a, auto& b) { return a.at < b.at; })->at;
    EXPECT_EQ(d.earliest, oldest + 24h);
}

TEST(SenderLimits, RampUpStartingAtZeroWaitsForDay1) {
    SenderLimits l{.ramp_up = SenderLimits::RampUp{0, 3, 30, t0()}};
    auto d = next_allowed(l, {}, "", t0() + 5h, 0);
    EXPECT_EQ(d, (Decision{t0() + 24h, "ramp-up day 0: cap 0"}));
}

TEST(SenderLimits, RampUpStuckAtZeroBlocksForever) {
    SenderLimits l{.ramp_up = SenderLimits::RampUp{0, 0, 30, t0()}};
    EXPECT_EQ(next_allowed(l, {}, "", t0() + 5h, 0).earliest, TimePoint::max());
}

TEST(SenderLimits, RampUpCombinesWithDailyCapByMin) {
    SenderLimits l{.daily_cap = 8, .ramp_up = SenderLimits::RampUp{5, 5, 20, t0()}};
    auto day0 = t0() + 10h;
    EXPECT_EQ(next_allowed(l, n_sends_before(day0, 5), "", day0, 0).reason,
              "ramp-up day 0: cap 5");
    auto day3 = t0() + 3 * 24h + 10h;  // ramp 20, daily cap 8 binds
    auto h = n_sends_before(day3, 8);
    auto d = next_allowed(l, h, "", day3, 0);
    EXPECT_EQ(d.reason, "mailbox daily cap (8 in 24 h)");
    EXPECT_EQ(d.earliest, day3 - 80min + 24h);
    EXPECT_EQ(next_allowed(l, n_sends_before(day3, 7), "", day3, 0), (Decision{day3, ""}));
}

TEST(SenderLimits, DomainCapOnlyAffectsThatDomain) {
    SenderLimits l{.per_domain_daily_cap = 2};
    std::vector<SendRecord> h{{now - 20h, "acme.com"}, {now - 3h, "acme.com"},
                              {now - 1h, "other.com"}, {now - 2h, "other.com"}};
    h.push_back({now - 30min, "third.io"});
    auto d = next_allowed(l, h, "acme.com", now, 0);
    EXPECT_EQ(d, (Decision{now - 20h + 24h, "domain cap acme.com (2 in 24 h)"}));
    EXPECT_EQ(next_allowed(l, h, "ACME.com", now, 0).earliest, now + 4h);  // case-insensitive
    EXPECT_EQ(next_allowed(l, h, "other.com", now, 0).earliest, now + 22h);
    EXPECT_EQ(next_allowed(l, h, "third.io", now, 0), (Decision{now, ""}));
    EXPECT_EQ(next_allowed(l, h, "new.org", now, 0), (Decision{now, ""}));
    EXPECT_EQ(next_allowed(l, h, "", now, 0), (Decision{now, ""}));  // no domain: exempt
}

TEST(SenderLimits, CombinedLastBindingLimitGivesTheReason) {
    // Daily cap frees a slot at now + 30 s, the gap only at now + 50 s.
    SenderLimits l{.daily_cap = 2, .min_gap = 60s};
    auto h = sends({24h - 30s, 10s});
    EXPECT_EQ(next_allowed(l, h, "", now, 0), (Decision{now + 50s, "minimum gap 60 s"}));
    // With a 20 s gap the cap is the later one.
    l.min_gap = 20s;
    EXPECT_EQ(next_allowed(l, h, "", now, 0),
              (Decision{now + 30s, "mailbox daily cap (2 in 24 h)"}));
}

TEST(SenderLimits, FixedPointGapPushesPastRateWindowAndDomainCap) {
    // Two sends in the last minute (per-minute frees at now + 5 s), the gap pushes further to
    // now + 45 s, and a domain cap may push further still: the answer satisfies all of them.
    SenderLimits l{.per_minute = 2, .min_gap = 50s, .per_domain_daily_cap = 1};
    std::vector<SendRecord> h{{now - 55s, "a.com"}, {now - 5s, "b.com"},
                              {now - 24h + 2min, "c.com"}};
    struct Case {
        std::string domain;
        Decision expected;
    };
    std::vector<Case> cases{
        {"z.com", {now + 45s, "minimum gap 50 s"}},
        {"c.com", {now + 2min, "domain cap c.com (1 in 24 h)"}},
        {"a.com", {now - 55s + 24h, "domain cap a.com (1 in 24 h)"}},
    };
    for (const auto& c : cases) {
        auto d = next_allowed(l, h, c.domain, now, 0);
        EXPECT_EQ(d, c.expected) << c.domain;
        // A fixed point: asking again at that time allows at once.
        EXPECT_EQ(next_allowed(l, h, c.domain, d.earliest, 0), (Decision{d.earliest, ""}));
    }
}

TEST(SenderLimits, FixedPointNeedsSeveralRounds) {
    // Ramp-up 1, +1/day. Two sends late on day 0 (the cap was raised by hand): at the day-1
    // boundary the cap is 2 and both are still in the window, so the answer is the older one
    // leaving the window, 23:30 on day 1.
    SenderLimits l{.ramp_up = SenderLimits::RampUp{1, 1, 10, t0()}};
    std::vector<SendRecord> h{{t0() + 23h + 50min, "x"}, {t0() + 23h + 30min, "x"}};
    auto d = next_allowed(l, h, "", t0() + 23h + 55min, 0);
    EXPECT_EQ(d, (Decision{t0() + 47h + 30min, "ramp-up day 1: cap 2"}));
    EXPECT_EQ(next_allowed(l, h, "", d.earliest, 0), (Decision{d.earliest, ""}));
}

TEST(SenderLimits, FixedPointPropertyOnManyHistories) {
    // For pseudo-random histories: the answer is allowed at once when asked at that time, and
    // one millisecond earlier it is not.
    SenderLimits l{.daily_cap = 12, .per_minute = 2, .min_gap = 40s, .gap_jitter = 20s,
                   .ramp_up = SenderLimits::RampUp{3, 4, 15, now - 2 * 24h - 5h},
                   .per_domain_daily_cap = 3, .per_hour = 5};
    std::uint64_t x = 99;
    auto rnd = [&](std::uint64_t n) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return (x >> 33) % n;
    };
    const char* domains[] = {"a.com", "b.com", "c.com"};
    for (int round = 0; round < 300; ++round) {
        std::vector<SendRecord> h;
        int n = static_cast<int>(rnd(20));
        for (int i = 0; i < n; ++i)
            h.push_back({now - Millis{static_cast<Millis::rep>(rnd(26 * 3600 * 1000ULL))},
                         domains[rnd(3)]});
        std::string dom = domains[rnd(3)];
        auto seed = rnd(1000);
        auto d = next_allowed(l, h, dom, now, seed);
        ASSERT_NE(d.earliest, TimePoint::max());
        ASSERT_EQ(next_allowed(l, h, dom, d.earliest, seed).earliest, d.earliest);
        if (d.earliest > now) {
            ASSERT_NE(d.reason, "");
            ASSERT_GT(next_allowed(l, h, dom, d.earliest - 1ms, seed).earliest,
                      d.earliest - 1ms);
        }
    }
}

TEST(SenderLimits, HistoryOlderThan24hIsIgnored) {
    SenderLimits l{.daily_cap = 1, .per_domain_daily_cap = 1};
    std::vector<SendRecord> h{{now - 24h, "acme.com"}, {now - 25h, "acme.com"},
                              {now - 100h, "acme.com"}};
    EXPECT_EQ(next_allowed(l, h, "acme.com", now, 0), (Decision{now, ""}));
    h.push_back({now - 24h + 1ms, "acme.com"});
    EXPECT_EQ(next_allowed(l, h, "acme.com", now, 0).earliest, now + 1ms);
}

TEST(SenderLimits, UnsortedHistoryGivesTheSameAnswer) {
    SenderLimits l{.daily_cap = 4, .per_minute = 2, .min_gap = 10s, .per_domain_daily_cap = 2};
    std::vector<SendRecord> sorted{{now - 23h, "a.com"}, {now - 5h, "b.com"},
                                   {now - 50s, "a.com"}, {now - 20s, "c.com"}};
    auto expected = next_allowed(l, sorted, "a.com", now, 3);
    EXPECT_EQ(expected.earliest, now + 1h);  // the daily cap: 23 h ago + 24 h
    std::vector<SendRecord> shuffled{sorted[2], sorted[0], sorted[3], sorted[1]};
    EXPECT_EQ(next_allowed(l, shuffled, "a.com", now, 3), expected);
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(next_allowed(l, shuffled, "a.com", now, 3), expected);
}

TEST(SenderLimits, SendsAfterNowCountAsMade) {
    SenderLimits l{.min_gap = 10min};
    auto d = next_allowed(l, {{now + 1h, "x"}}, "", now, 0);
    EXPECT_EQ(d.earliest, now + 1h + 10min);
}

TEST(SenderLimits, ValidateRejectsNegativeValues) {
    auto bad = [](SenderLimits l) {
        EXPECT_THROW(next_allowed(l, {}, "", now, 0), std::invalid_argument);
    };
    bad({.daily_cap = -1});
    bad({.per_minute = -1});
    bad({.min_gap = -1s});
    bad({.gap_jitter = -1s});
    bad({.min_gap = 20h, .gap_jitter = 5h});
    bad({.ramp_up = SenderLimits::RampUp{-1, 1, 5, t0()}});
    bad({.ramp_up = SenderLimits::RampUp{1, -1, 5, t0()}});
    bad({.per_domain_daily_cap = -2});
    bad({.per_hour = -3});
    EXPECT_NO_THROW(validate(SenderLimits{.daily_cap = 0, .min_gap = 24h}));
}

}  // namespace
}  // namespace relance::policy
