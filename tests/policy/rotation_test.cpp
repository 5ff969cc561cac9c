#include "relance/policy/rotation.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

namespace relance::policy {
namespace {

using namespace test;

const std::vector<std::string> pool{"a@x.com", "b@x.com", "c@x.com"};

TEST(PickSender, StickyInPoolAlwaysWins) {
    std::map<std::string, Decision> d{{"a@x.com", {t0(), ""}},
                                      {"b@x.com", {t0() + 5h, "mailbox daily cap (50 in 24 h)"}},
                                      {"c@x.com", {t0(), ""}}};
    EXPECT_EQ(pick_sender(pool, d, "b@x.com"), "b@x.com");
    EXPECT_EQ(pick_sender(pool, {}, "c@x.com"), "c@x.com");  // even with no decision
}

TEST(PickSender, StickyOutsideThePoolFallsBackToRotation) {
    std::map<std::string, Decision> d{{"a@x.com", {t0() + 2h, "r"}},
                                      {"b@x.com", {t0() + 1h, "r"}},
                                      {"c@x.com", {t0() + 3h, "r"}}};
    EXPECT_EQ(pick_sender(pool, d, "gone@x.com"), "b@x.com");
    EXPECT_EQ(pick_sender(pool, d, std::nullopt), "b@x.com");
}

TEST(PickSender, EarliestWins) {
    std::map<std::string, Decision> d{{"a@x.com", {t0() + 2h, "r"}},
                                      {"b@x.com", {t0() + 1h, "r"}},
                                      {"c@x.com", {t0(), ""}}};
    EXPECT_EQ(pick_sender(pool, d, std::nullopt), "c@x.com");
}

TEST(PickSender, TiesGoToPoolOrder) {
    std::map<std::string, Decision> d{{"a@x.com", {t0() + 2h, "r"}},
                                      {"b@x.com", {t0() + 1h, "r"}},
                                      {"c@x.com", {t0() + 1h, "r"}}};
    EXPECT_EQ(pick_sender(pool, d, std::nullopt), "b@x.com");
    std::vector<std::string> reversed{"c@x.com", "b@x.com", "a@x.com"};
    EXPECT_EQ(pick_sender(reversed, d, std::nullopt), "c@x.com");
    std::map<std::string, Decision> all_now{
        {"a@x.com", {t0(), ""}}, {"b@x.com", {t0(), ""}}, {"c@x.com", {t0(), ""}}};
    EXPECT_EQ(pick_sender(pool, all_now, std::nullopt), "a@x.com");
}

TEST(PickSender, TiesGoToTheLeastLoadedThenPoolOrder) {
    std::map<std::string, Decision> all_now{
        {"a@x.com", {t0(), ""}}, {"b@x.com", {t0(), ""}}, {"c@x.com", {t0(), ""}}};
    std::map<std::string, std::size_t> load{{"a@x.com", 3}, {"b@x.com", 1}, {"c@x.com", 1}};
    EXPECT_EQ(pick_sender(pool, all_now, std::nullopt, load), "b@x.com");
    load["b@x.com"] = 2;
    EXPECT_EQ(pick_sender(pool, all_now, std::nullopt, load), "c@x.com");
    // Load only breaks ties: an earlier time wins over a lighter load.
    std::map<std::string, Decision> d{{"a@x.com", {t0(), ""}}, {"b@x.com", {t0() + 1h, "r"}},
                                      {"c@x.com", {t0() + 1h, "r"}}};
    EXPECT_EQ(pick_sender(pool, d, std::nullopt, {{"a@x.com", 50}}), "a@x.com");
    // And the sticky sender wins over both.
    EXPECT_EQ(pick_sender(pool, all_now, "a@x.com", load), "a@x.com");
}

TEST(PickSender, SenderWithoutDecisionRanksLast) {
    std::map<std::string, Decision> d{{"c@x.com", {t0() + 9h, "r"}}};
    EXPECT_EQ(pick_sender(pool, d, std::nullopt), "c@x.com");
    EXPECT_EQ(pick_sender(pool, {}, std::nullopt), "a@x.com");  // all unknown: pool order
}

TEST(PickSender, EmptyPool) {
    EXPECT_EQ(pick_sender({}, {}, std::nullopt), "");
    EXPECT_EQ(pick_sender({}, {}, "a@x.com"), "");
}

}  // namespace
}  // namespace relance::policy
