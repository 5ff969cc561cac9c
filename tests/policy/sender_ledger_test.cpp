#include "relance/policy/sender_ledger.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace relance::policy {
namespace {

using namespace test;

struct Lcg {
    std::uint64_t x;
    std::uint64_t operator()(std::uint64_t n) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return (x >> 33) % n;
    }
};

TEST(SenderLedger, UnknownSenderIsFree) {
    SenderLedger ledger;
    SenderLimits l{.daily_cap = 5, .min_gap = 1min};
    EXPECT_EQ(ledger.decide("a@x.com", l, "acme.com", t0(), 0), (Decision{t0(), ""}));
    EXPECT_EQ(ledger.sent_in_last_day("a@x.com", t0()), 0u);
}

TEST(SenderLedger, CountsAndPrunesOverTime) {
    SenderLedger ledger;
    ledger.record("a", "acme.com", t0());
    ledger.record("a", "ACME.com", t0() + 1h);
    ledger.record("a", "other.com", t0() + 2h);
    ledger.record("b", "acme.com", t0() + 2h);
    EXPECT_EQ(ledger.sent_in_last_day("a", t0() + 3h), 3u);
    EXPECT_EQ(ledger.sent_in_last_day("a", "acme.com", t0() + 3h), 2u);
    EXPECT_EQ(ledger.sent_in_last_day("a", "Other.COM", t0() + 3h), 1u);
    EXPECT_EQ(ledger.sent_in_last_day("b", t0() + 3h), 1u);
    EXPECT_EQ(ledger.sent_in_last_day("a", t0() + 24h), 2u);  // t0 left the window
    EXPECT_EQ(ledger.sent_in_last_day("a", "acme.com", t0() + 25h), 0u);
    EXPECT_EQ(ledger.sent_in_last_day("a", t0() + 26h), 0u);
    ledger.record("a", "acme.com", t0());  // older than the window: ignored
    EXPECT_EQ(ledger.sent_in_last_day("a", t0() + 26h), 0u);
    ledger.prune(t0() + 30h);
    EXPECT_EQ(ledger.sent_in_last_day("b", t0() + 30h), 0u);
}

TEST(SenderLedger, SendersAreIndependent) {
    SenderLedger ledger;
    SenderLimits l{.daily_cap = 1};
    ledger.record("a", "acme.com", t0());
    EXPECT_EQ(ledger.decide("a", l, "x.com", t0() + 1h, 0).earliest, t0() + 24h);
    EXPECT_EQ(ledger.decide("b", l, "x.com", t0() + 1h, 0).earliest, t0() + 1h);
    ledger.forget("a");
    EXPECT_EQ(ledger.decide("a", l, "x.com", t0() + 1h, 0).earliest, t0() + 1h);
    ledger.record("b", "", t0() + 1h);
    ledger.clear();
    EXPECT_EQ(ledger.sent_in_last_day("b", t0() + 1h), 0u);
}

// The ledger, fed send by send (out of order, as a rebuild from the store may do), answers
// exactly what next_allowed answers over the whole history.
TEST(SenderLedger, EqualsNextAllowedOnTheSameHistory) {
    const char* domains[] = {"a.com", "B.com", "c.com", ""};
    std::vector<SenderLimits> limit_sets{
        {.daily_cap = 6},
        {.per_minute = 2, .min_gap = 20s, .gap_jitter = 15s},
        {.daily_cap = 9, .per_domain_daily_cap = 2},
        {.daily_cap = 20, .per_minute = 3, .min_gap = 30s, .gap_jitter = 30s,
         .ramp_up = SenderLimits::RampUp{2, 3, 12, t0() + 12h}, .per_domain_daily_cap = 3,
         .per_hour = 4},
    };
    Lcg rnd{2026};
    for (const auto& limits : limit_sets) {
        SenderLedger ledger;
        std::vector<SendRecord> history;
        TimePoint now = t0();
        for (int step = 0; step < 400; ++step) {
            now += Millis{static_cast<Millis::rep>(rnd(40 * 60 * 1000))};
            // A few sends, some backdated by up to 30 h (older than the window at times).
            int n = static_cast<int>(rnd(3));
            for (int i = 0; i < n; ++i) {
                TimePoint at = now - Millis{static_cast<Millis::rep>(
                                         rnd(2) ? rnd(5 * 60 * 1000) : rnd(30ULL * 3600 * 1000))};
                std::string dom = domains[rnd(4)];
                history.push_back({at, dom});
                ledger.record("s", dom, at);
            }
            std::string dom = domains[rnd(4)];
            std::uint64_t seed = rnd(1 << 20);
            ASSERT_EQ(ledger.decide("s", limits, dom, now, seed),
                      next_allowed(limits, history, dom, now, seed))
                << "step " << step;
        }
    }
}

TEST(SenderLedger, ConcurrentRecordsAreAllKept) {
    SenderLedger ledger;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&ledger, t] {
            for (int i = 0; i < 500; ++i)
                ledger.record("s", t % 2 ? "a.com" : "b.com", t0() + Millis{i * 4 + t});
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(ledger.sent_in_last_day("s", t0() + 1h), 2000u);
    EXPECT_EQ(ledger.sent_in_last_day("s", "a.com", t0() + 1h), 1000u);
}

}  // namespace
}  // namespace relance::policy
