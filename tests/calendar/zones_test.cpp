#include "relance/calendar/zones.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

namespace relance::calendar {
namespace {

using namespace std::chrono_literals;
using test::utc;
using test::ymd;

LocalTime local(int y, unsigned m, unsigned d, int h, int min = 0) {
    return LocalTime{date::local_days{ymd(y, m, d)} + std::chrono::hours{h} +
                     std::chrono::minutes{min}};
}

TEST(Zones, FindsIanaZonesFromTheSystemDatabase) {
    const auto* paris = find_zone("Europe/Paris");
    ASSERT_NE(paris, nullptr);
    EXPECT_EQ(paris->name(), "Europe/Paris");
    EXPECT_EQ(to_local(utc(2026, 1, 15, 12), paris), local(2026, 1, 15, 13));
    EXPECT_EQ(to_local(utc(2026, 7, 15, 12), paris), local(2026, 7, 15, 14));
    EXPECT_EQ(find_zone("America/New_York")->name(), "America/New_York");
}

TEST(Zones, UnknownZone) {
    try {
        find_zone("Mars/Olympus_Mons");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "unknown time zone 'Mars/Olympus_Mons'");
    }
    EXPECT_THROW(find_zone(""), std::invalid_argument);
    EXPECT_THROW(to_local(utc(2026, 1, 1), nullptr), std::invalid_argument);
}

TEST(Zones, FallbackChain) {
    // contact -> workflow default -> sender
    EXPECT_EQ(resolve_zone({"America/New_York", "Europe/Paris", "Europe/London"})->name(),
              "America/New_York");
    EXPECT_EQ(resolve_zone({"", "Europe/Paris", "Europe/London"})->name(), "Europe/Paris");
    EXPECT_EQ(resolve_zone({"Not/AZone", "", "Europe/London"})->name(), "Europe/London");
    EXPECT_EQ(resolve_zone({"", "", ""})->name(), "UTC");
    EXPECT_EQ(resolve_zone({})->name(), "UTC");
    EXPECT_EQ(resolve_zone(std::vector<std::string>{"", "Asia/Tokyo"})->name(), "Asia/Tokyo");
}

TEST(Zones, LocalToUtcAcrossDst) {
    const auto* paris = find_zone("Europe/Paris");
    EXPECT_EQ(to_utc(local(2026, 3, 28, 9), paris), utc(2026, 3, 28, 8));
    EXPECT_EQ(to_utc(local(2026, 3, 30, 9), paris), utc(2026, 3, 30, 7));
    // 02:30 does not exist on 29 March 2026: the first instant after the gap, 03:00 CEST.
    EXPECT_EQ(to_utc(local(2026, 3, 29, 2, 30), paris), utc(2026, 3, 29, 1));
    EXPECT_EQ(to_utc(local(2026, 3, 29, 3), paris), utc(2026, 3, 29, 1));
    // 02:30 occurs twice on 25 October 2026: the earliest, 02:30 CEST.
    EXPECT_EQ(to_utc(local(2026, 10, 25, 2, 30), paris), utc(2026, 10, 25, 0, 30));
    EXPECT_EQ(to_utc(local(2026, 10, 26, 9), paris), utc(2026, 10, 26, 8));
}

TEST(Zones, AddBusinessDaysKeepsTheLocalTimeOfDay) {
    const auto* paris = find_zone("Europe/Paris");
    const auto* ny = find_zone("America/New_York");
    BusinessCalendar none;
    BusinessCalendar fr({"FR"});
    // Friday 10:00 CET + 1 -> Monday 10:00 CEST, across the spring-forward weekend.
    EXPECT_EQ(add_business_days(utc(2026, 3, 27, 9), 1, paris, none), utc(2026, 3, 30, 8));
    // Friday 09:00 EDT + 1 -> Monday 09:00 EST.
    EXPECT_EQ(add_business_days(utc(2026, 10, 30, 13), 1, ny, none), utc(2026, 11, 2, 14));
    // Thursday before Easter 09:00 CEST + 2 in France -> Tuesday after Easter Monday.
    EXPECT_EQ(add_business_days(utc(2026, 4, 2, 7), 2, paris, fr), utc(2026, 4, 7, 7));
    // Local date, not UTC date: 23:30 Friday in New York is Saturday in UTC.
    EXPECT_EQ(add_business_days(utc(2026, 1, 10, 4, 30), 1, ny, none), utc(2026, 1, 13, 4, 30));
    // n == 0 on a Saturday: Monday, same local time.
    EXPECT_EQ(add_business_days(utc(2026, 1, 10, 15), 0, paris, none), utc(2026, 1, 12, 15));
    // A time of day that does not exist on the target day: end of the gap.
    EXPECT_EQ(add_business_days(utc(2026, 3, 28, 1, 30), 0, paris,
                                BusinessCalendar({}, {}, {date::Saturday})),
              utc(2026, 3, 29, 1));
}

}  // namespace
}  // namespace relance::calendar
