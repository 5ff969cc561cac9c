#include "relance/calendar/date_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace relance::calendar {
namespace {

using namespace std::chrono_literals;
using test::utc;
using test::ymd;

// The message of the std::invalid_argument that `f` throws ("no error" when it does not).
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

TEST(DateText, Dates) {
    EXPECT_EQ(parse_date("2026-12-24"), ymd(2026, 12, 24));
    EXPECT_EQ(parse_date("2028-02-29"), ymd(2028, 2, 29));
    EXPECT_EQ(error_of([] { parse_date("2026-02-30"); }),
              "invalid date '2026-02-30': 2026-02 has no day 30 (expected YYYY-MM-DD, e.g. "
              "2026-12-24)");
    EXPECT_EQ(error_of([] {
                  parse_date("2026-02-30", "blackout date");
              }).rfind("invalid blackout date '2026-02-30'", 0),
              0u);
    EXPECT_NE(error_of([] { parse_date("2026-13-01"); }).find("there is no month 13"),
              std::string::npos);
    EXPECT_NE(error_of([] { parse_date("2026-1-5"); }).find("the month takes 2 digits"),
              std::string::npos);
    EXPECT_NE(error_of([] { parse_date("2026-12-24x"); }).find("unexpected text 'x' at the end"),
              std::string::npos);
    for (const char* bad : {"", "26-12-24", "2026/12/24", " 2026-12-24", "2026-12-24 ",
                            "２０２６-12-24", "2026-12-240", "+2026-12-24"})
        EXPECT_THROW(parse_date(bad), std::invalid_argument) << "'" << bad << "'";
}

TEST(DateText, ClockTimes) {
    EXPECT_EQ(parse_clock_time("9:30"), 9h + 30min);
    EXPECT_EQ(parse_clock_time("09:30"), 9h + 30min);
    EXPECT_EQ(parse_clock_time("00:00"), 0min);
    EXPECT_EQ(parse_clock_time("24:00"), 24h);
    EXPECT_NE(error_of([] { parse_clock_time("24:30"); }).find("only time after 23:59 is 24:00"),
              std::string::npos);
    EXPECT_NE(error_of([] { parse_clock_time("25:00"); }).find("'25:00': hours go from 0 to 24"),
              std::string::npos);
    // A 30-digit hour is refused by its width, never converted (no overflow, no raw exception).
    const std::string huge(30, '9');
    EXPECT_NE(
        error_of([&] { parse_clock_time(huge + ":00"); }).find("the hour takes 1 or 2 digits"),
        std::string::npos);
    for (const char* bad : {"", "9", "9:5", "9:300", "09-30", "-1:00", "09:30 ", "a9:30"})
        EXPECT_THROW(parse_clock_time(bad), std::invalid_argument) << "'" << bad << "'";
}

TEST(DateText, InstantsInUtcAndWithOffsets) {
    EXPECT_EQ(parse_instant("2026-01-05"), utc(2026, 1, 5));
    EXPECT_EQ(parse_instant("2026-01-05T09:00"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05 09:00:00"), utc(2026, 1, 5, 9));  // as relance prints
    EXPECT_EQ(parse_instant("2026-01-05T09:00:00Z"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05T09:00Z"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05T09:00:00.250Z"), utc(2026, 1, 5, 9) + 250ms);
    EXPECT_EQ(parse_instant("2026-01-05T09:00:00.5Z"), utc(2026, 1, 5, 9) + 500ms);
    EXPECT_EQ(parse_instant("2026-01-05T09:00:00.123456789Z"), utc(2026, 1, 5, 9) + 123ms);
    EXPECT_EQ(parse_instant("2026-01-05T10:00:00+01:00"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05T04:00:00-05:00"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05T14:30+0530"), utc(2026, 1, 5, 9));
    EXPECT_EQ(parse_instant("2026-01-05T11:00+02"), utc(2026, 1, 5, 9));
    // An offset can move the date.
    EXPECT_EQ(parse_instant("2026-01-01T00:30:00+01:00"), utc(2025, 12, 31, 23, 30));
}

TEST(DateText, InstantErrorsNameTheText) {
    EXPECT_EQ(error_of([] { parse_instant("2026-01-05T09:00:00junk"); }),
              "invalid time '2026-01-05T09:00:00junk': unexpected text 'junk' at the end "
              "(expected 2026-01-05, 2026-01-05T09:00:00Z or 2026-01-05T10:00:00+01:00)");
    EXPECT_NE(error_of([] { parse_instant("2026-01-05T24:00"); }).find("hours go from 00 to 23"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  parse_instant("2026-01-05T09:00+25:00");
              }).find("the offset must lie between -23:59 and +23:59"),
              std::string::npos);
    EXPECT_NE(error_of([] { parse_instant("tomorrow"); }).find("the year takes 4 digits"),
              std::string::npos);
    // Long hostile text is quoted cut short, with its length.
    const std::string flood = "2026-01-05T09:00:00" + std::string(10000, 'x');
    const std::string m = error_of([&] { parse_instant(flood); });
    EXPECT_LT(m.size(), 300u) << m;
    EXPECT_NE(m.find("(10019 characters)"), std::string::npos) << m;
    for (const char* bad :
         {"", "2026-01-05T", "2026-01-05T9:00", "2026-01-05T09", "2026-01-05T09:00:60Z",
          "2026-01-05T09:00:00ZZ", "2026-01-05T09:00:00.Z", "2026-01-05T09:00:00 Z",
          "2026-01-05X09:00", "2026-01-05T09:00:00+1:00", "2026-01-05T09:00:00+01:0"})
        EXPECT_THROW(parse_instant(bad), std::invalid_argument) << "'" << bad << "'";
}

}  // namespace
}  // namespace relance::calendar
