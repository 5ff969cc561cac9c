// Moments written in data (`wait: {until}`): a bare time is a wall-clock time in the contact's
// zone, a time with 'Z' or an offset is the instant written, and calendar days keep the local
// time of day across a DST change.
#include "relance/calendar/moment.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace relance::calendar {
namespace {

using test::utc;

TEST(Moment, ABareTimeIsReadInTheZone) {
    const auto* paris = find_zone("Europe/Paris");
    bool zoned = true;
    EXPECT_EQ(parse_moment("2026-01-15T18:00", paris, &zoned), utc(2026, 1, 15, 17));  // CET
    EXPECT_FALSE(zoned);
    EXPECT_EQ(parse_moment("2026-07-15T18:00:00", paris), utc(2026, 7, 15, 16));  // CEST
    EXPECT_EQ(parse_moment("2026-07-15", paris), utc(2026, 7, 14, 22));           // local midnight
    EXPECT_EQ(parse_moment("2026-07-15 18:00", find_zone("America/New_York")),
              utc(2026, 7, 15, 22));
}

TEST(Moment, ATimeWithItsOwnZoneIsTheInstantWritten) {
    const auto* paris = find_zone("Europe/Paris");
    bool zoned = false;
    EXPECT_EQ(parse_moment("2026-07-15T18:00:00Z", paris, &zoned), utc(2026, 7, 15, 18));
    EXPECT_TRUE(zoned);
    EXPECT_EQ(parse_moment("2026-07-15T18:00:00-04:00", paris, &zoned), utc(2026, 7, 15, 22));
    EXPECT_TRUE(zoned);
    EXPECT_EQ(parse_moment("2026-07-15T18:00+0530", paris), utc(2026, 7, 15, 12, 30));
    EXPECT_EQ(parse_moment("2026-07-15T18:00:00.500z", paris),
              utc(2026, 7, 15, 18) + std::chrono::milliseconds(500));
}

TEST(Moment, GapsAndOverlapsFollowTheZoneRule) {
    const auto* paris = find_zone("Europe/Paris");
    // 02:30 does not exist on 2026-03-29 in Paris: the transition (03:00 CEST = 01:00Z).
    EXPECT_EQ(parse_moment("2026-03-29T02:30", paris), utc(2026, 3, 29, 1));
    // 02:30 happens twice on 2026-10-25: the earlier (CEST, 00:30Z).
    EXPECT_EQ(parse_moment("2026-10-25T02:30", paris), utc(2026, 10, 25, 0, 30));
}

TEST(Moment, BadTextNamesItself) {
    const auto* utc_zone = find_zone("UTC");
    for (const char* bad : {"", "next tuesday", "2026-02-30T10:00", "2026-07-15T25:00",
                            "2026-07-15T18:00+99:00", "15/07/2026", "2026-07-15T18:00 UTC"}) {
        try {
            parse_moment(bad, utc_zone);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + bad), std::string::npos)
                << e.what();
        }
    }
}

TEST(Moment, CalendarDaysKeepTheLocalTimeAcrossDst) {
    const auto* paris = find_zone("Europe/Paris");
    // Sunday 2026-03-29 18:00 CEST (16:00Z); one day before is Saturday 18:00 CET (17:00Z), not
    // 24 hours before (16:00Z, 17:00 local).
    EXPECT_EQ(add_calendar_days(utc(2026, 3, 29, 16), -1, paris), utc(2026, 3, 28, 17));
    EXPECT_EQ(add_calendar_days(utc(2026, 3, 28, 17), 1, paris), utc(2026, 3, 29, 16));
    // Autumn: Monday 2026-10-26 09:00 CET (08:00Z) minus 2 days is Saturday 09:00 CEST (07:00Z).
    EXPECT_EQ(add_calendar_days(utc(2026, 10, 26, 8), -2, paris), utc(2026, 10, 24, 7));
    EXPECT_EQ(add_calendar_days(utc(2026, 10, 26, 8), 0, paris), utc(2026, 10, 26, 8));
    // Landing in the gap: Saturday 02:30 CET + 1 day is the transition, 03:00 CEST.
    EXPECT_EQ(add_calendar_days(utc(2026, 3, 28, 1, 30), 1, paris), utc(2026, 3, 29, 1));
}

}  // namespace
}  // namespace relance::calendar
