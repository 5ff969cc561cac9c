// The fault ledger's rules on a virtual clock: restart backoff doubling, quarantine after N
// faults in a window, doubled on probation, reset by a success.
#include "fault_ledger.hpp"

#include <gtest/gtest.h>

using namespace relance;
using relance::host::detail::FaultLedger;
using Kind = FaultLedger::Kind;

namespace {
TimePoint at(std::int64_t s) {
    return from_unix_ms(1'700'000'000'000 + s * 1000);
}
}  // namespace

TEST(FaultLedger, RestartBackoffDoublesAndASuccessResetsIt) {
    FaultLedger ledger("p", {});
    EXPECT_TRUE(ledger.availability(at(0)).available);
    ledger.record(at(0), Kind::crash, "SIGSEGV in invoke", true);
    EXPECT_EQ(ledger.availability(at(0)).retry_at, at(1));
    EXPECT_TRUE(ledger.availability(at(1)).available);
    ledger.record(at(30), Kind::crash, "SIGSEGV in invoke", true);
    EXPECT_EQ(ledger.availability(at(30)).retry_at, at(32));
    ledger.record_success(at(100));  // the window has passed too
    ledger.record(at(100), Kind::crash, "SIGABRT in invoke", true);
    EXPECT_EQ(ledger.availability(at(100)).retry_at, at(101));
}

TEST(FaultLedger, FaultsOutsideTheWindowDoNotQuarantine) {
    FaultLedger ledger("p", {});
    EXPECT_FALSE(ledger.record(at(0), Kind::crash, "a", true));
    EXPECT_FALSE(ledger.record(at(50), Kind::crash, "b", true));
    EXPECT_FALSE(ledger.record(at(100), Kind::hang, "c", false));  // the first has left
    EXPECT_TRUE(ledger.record(at(101), Kind::hang, "hang in send", false));
    auto a = ledger.availability(at(101));
    EXPECT_FALSE(a.available);
    EXPECT_EQ(a.retry_at, at(701));
    EXPECT_EQ(a.reason,
              "plugin p quarantined after 1 crash and 2 hangs in 60 s (last: hang in "
              "send); next try at 2023-11-14 22:25:01 UTC");
}

TEST(FaultLedger, ProbationDoublesTheNextQuarantineUntilASuccess) {
    FaultLedger ledger("p", {});
    for (int i = 0; i < 3; ++i) ledger.record(at(i), Kind::crash, "x", true);
    EXPECT_EQ(ledger.availability(at(2)).retry_at, at(602));
    // A late success from before the quarantine proves nothing.
    ledger.record_success(at(10));
    EXPECT_FALSE(ledger.availability(at(10)).available);
    EXPECT_TRUE(ledger.record(at(602), Kind::crash, "x", true));  // first fault after it
    EXPECT_EQ(ledger.availability(at(602)).retry_at, at(1802));
    ledger.record_success(at(1802));
    EXPECT_FALSE(ledger.record(at(1802), Kind::crash, "x", true));  // trusted again
}
