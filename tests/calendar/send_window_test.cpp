#include "relance/calendar/send_window.hpp"

#include <gtest/gtest.h>

#include "relance/calendar/zones.hpp"
#include "test_util.hpp"

namespace relance::calendar {
namespace {

using namespace std::chrono_literals;
using test::utc;
using test::ymd;

const date::time_zone* paris() {
    return find_zone("Europe/Paris");
}
const date::time_zone* new_york() {
    return find_zone("America/New_York");
}

TEST(SendWindow, OfficeHoursAcrossTheSpringForwardWeekend) {
    const auto w = SendWindow::parse("mon-fri 09:00-17:00");
    // Friday 27 March 2026 is CET (UTC+1), Monday 30 March CEST (UTC+2).
    EXPECT_EQ(w.next_open(utc(2026, 3, 27, 7, 59), paris()), utc(2026, 3, 27, 8));
    EXPECT_EQ(w.next_open(utc(2026, 3, 27, 8, 30), paris()), utc(2026, 3, 27, 8, 30));  // open
    EXPECT_EQ(w.next_open(utc(2026, 3, 27, 18), paris()), utc(2026, 3, 30, 7));
    EXPECT_TRUE(w.is_open(utc(2026, 3, 30, 7), paris()));
    EXPECT_FALSE(w.is_open(utc(2026, 3, 30, 6, 59), paris()));
    EXPECT_FALSE(w.is_open(utc(2026, 3, 30, 15), paris()));  // 17:00 local: end is exclusive
}

TEST(SendWindow, OfficeHoursAcrossTheFallBackWeekend) {
    const auto w = SendWindow::parse("mon-fri 09:00-17:00");
    EXPECT_EQ(w.next_open(utc(2026, 10, 23, 5), paris()), utc(2026, 10, 23, 7));   // CEST
    EXPECT_EQ(w.next_open(utc(2026, 10, 23, 18), paris()), utc(2026, 10, 26, 8));  // CET
}

TEST(SendWindow, NineOClockEveryDayAroundTheChanges) {
    const auto w = SendWindow::parse("mon-sun 09:00-17:00");
    // Europe/Paris: 29 March and 25 October 2026.
    EXPECT_EQ(w.next_open(utc(2026, 3, 28, 0), paris()), utc(2026, 3, 28, 8));
    EXPECT_EQ(w.next_open(utc(2026, 3, 29, 0), paris()), utc(2026, 3, 29, 7));
    EXPECT_EQ(w.next_open(utc(2026, 3, 30, 0), paris()), utc(2026, 3, 30, 7));
    EXPECT_EQ(w.next_open(utc(2026, 10, 24, 0), paris()), utc(2026, 10, 24, 7));
    EXPECT_EQ(w.next_open(utc(2026, 10, 25, 0), paris()), utc(2026, 10, 25, 8));
    EXPECT_EQ(w.next_open(utc(2026, 10, 26, 0), paris()), utc(2026, 10, 26, 8));
    // America/New_York: 8 March and 1 November 2026.
    EXPECT_EQ(w.next_open(utc(2026, 3, 7, 5), new_york()), utc(2026, 3, 7, 14));
    EXPECT_EQ(w.next_open(utc(2026, 3, 8, 5), new_york()), utc(2026, 3, 8, 13));
    EXPECT_EQ(w.next_open(utc(2026, 3, 9, 5), new_york()), utc(2026, 3, 9, 13));
    EXPECT_EQ(w.next_open(utc(2026, 10, 31, 5), new_york()), utc(2026, 10, 31, 13));
    EXPECT_EQ(w.next_open(utc(2026, 11, 1, 5), new_york()), utc(2026, 11, 1, 14));
    EXPECT_EQ(w.next_open(utc(2026, 11, 2, 5), new_york()), utc(2026, 11, 2, 14));
}

TEST(SendWindow, SkipsWeekendsAndHolidaysOfTheCalendar) {
    const auto w = SendWindow::parse("mon-fri 09:00-17:00");
    BusinessCalendar fr({"FR"});
    // Good Friday evening -> Tuesday after Easter Monday.
    EXPECT_EQ(w.next_open(utc(2026, 4, 3, 17), paris(), &fr), utc(2026, 4, 7, 7));
    // Wednesday evening before Ascension (Thursday 14 May) -> Friday.
    EXPECT_EQ(w.next_open(utc(2026, 5, 13, 18), paris(), &fr), utc(2026, 5, 15, 7));
    // During Easter Monday office hours: open without a calendar, closed with one.
    EXPECT_TRUE(w.is_open(utc(2026, 4, 6, 10), paris()));
    EXPECT_FALSE(w.is_open(utc(2026, 4, 6, 10), paris(), &fr));
    EXPECT_EQ(w.next_open(utc(2026, 4, 6, 10), paris(), &fr), utc(2026, 4, 7, 7));
    // Blackout dates close the window too.
    BusinessCalendar pto({"FR"}, {ymd(2026, 4, 7), ymd(2026, 4, 8)});
    EXPECT_EQ(w.next_open(utc(2026, 4, 3, 17), paris(), &pto), utc(2026, 4, 9, 7));
    // US: Independence Day observed on Friday 3 July 2026.
    BusinessCalendar us({"US"});
    EXPECT_EQ(w.next_open(utc(2026, 7, 2, 22), new_york(), &us), utc(2026, 7, 6, 13));
}

TEST(SendWindow, SeveralBlocksPerDay) {
    const auto w = SendWindow::parse("mon-fri 09:00-12:00, 14:00-17:30");
    // Monday 8 June 2026, Paris is UTC+2.
    EXPECT_TRUE(w.is_open(utc(2026, 6, 8, 9, 59), paris()));                        // 11:59
    EXPECT_FALSE(w.is_open(utc(2026, 6, 8, 10), paris()));                          // 12:00
    EXPECT_EQ(w.next_open(utc(2026, 6, 8, 10, 30), paris()), utc(2026, 6, 8, 12));  // 14:00
    EXPECT_TRUE(w.is_open(utc(2026, 6, 8, 15, 29), paris()));                       // 17:29
    EXPECT_EQ(w.next_open(utc(2026, 6, 8, 15, 30), paris()), utc(2026, 6, 9, 7));
    EXPECT_EQ(w.blocks(date::Monday).size(), 2u);
    EXPECT_TRUE(w.blocks(date::Sunday).empty());
}

TEST(SendWindow, BlocksRunToMidnightAndAcrossIt) {
    const auto w = SendWindow::parse("mon 22:00-24:00; tue 00:00-02:00");
    // Monday 12 January 2026, Paris is UTC+1.
    EXPECT_TRUE(w.is_open(utc(2026, 1, 12, 22, 30), paris()));  // 23:30 Monday
    EXPECT_TRUE(w.is_open(utc(2026, 1, 12, 23, 30), paris()));  // 00:30 Tuesday
    EXPECT_FALSE(w.is_open(utc(2026, 1, 13, 1), paris()));      // 02:00 Tuesday
    EXPECT_EQ(w.next_open(utc(2026, 1, 13, 1), paris()), utc(2026, 1, 19, 21));
}

TEST(SendWindow, BlockStartingInsideTheSpringForwardGap) {
    // 02:00-03:00 does not exist in Paris on Sunday 29 March 2026: the block opens at 03:00
    // CEST (01:00Z), the first valid instant after the gap.
    const auto w = SendWindow::parse("sun 02:30-04:00");
    EXPECT_EQ(w.next_open(utc(2026, 3, 28, 12), paris()), utc(2026, 3, 29, 1));
    EXPECT_TRUE(w.is_open(utc(2026, 3, 29, 1), paris()));
    EXPECT_FALSE(w.is_open(utc(2026, 3, 29, 0, 59), paris()));
    EXPECT_EQ(w.next_open(utc(2026, 3, 29, 0, 59), paris()), utc(2026, 3, 29, 1));
    // New York, 8 March 2026: 03:00 EDT = 07:00Z.
    EXPECT_EQ(SendWindow::parse("sun 02:30-03:30").next_open(utc(2026, 3, 7, 12), new_york()),
              utc(2026, 3, 8, 7));
    // A block wholly inside the gap does not open that day: the next Sunday, 02:10 CEST.
    EXPECT_EQ(SendWindow::parse("sun 02:10-02:50").next_open(utc(2026, 3, 28, 12), paris()),
              utc(2026, 4, 5, 0, 10));
}

TEST(SendWindow, BlockStartingAtARepeatedTime) {
    // 02:00-03:00 happens twice in Paris on Sunday 25 October 2026 (CEST, then CET).
    const auto w = SendWindow::parse("sun 02:30-02:45");
    EXPECT_EQ(w.next_open(utc(2026, 10, 24, 12), paris()), utc(2026, 10, 25, 0, 30));  // earliest
    EXPECT_TRUE(w.is_open(utc(2026, 10, 25, 0, 40), paris()));
    // After the first occurrence closed, it reopens at the second (02:30 CET = 01:30Z).
    EXPECT_EQ(w.next_open(utc(2026, 10, 25, 0, 50), paris()), utc(2026, 10, 25, 1, 30));
    EXPECT_TRUE(w.is_open(utc(2026, 10, 25, 1, 35), paris()));
    EXPECT_EQ(w.next_open(utc(2026, 10, 25, 1, 45), paris()), utc(2026, 11, 1, 1, 30));
}

TEST(SendWindow, ParseAndPrint) {
    const auto w =
        SendWindow::parse(" Mon - Fri 9:00-12:00 , 14:00-17:30 ;sat 10:00-12:00; tz Europe/Paris ");
    EXPECT_EQ(w.to_string(), "mon-fri 09:00-12:00,14:00-17:30; sat 10:00-12:00; tz Europe/Paris");
    EXPECT_EQ(SendWindow::parse(w.to_string()), w);
    EXPECT_EQ(w.zone_name(), "Europe/Paris");
    EXPECT_EQ(w.blocks(date::Wednesday), (std::vector<TimeBlock>{{9h, 12h}, {14h, 17h + 30min}}));

    // Wrapping ranges, lists, full names.
    EXPECT_EQ(SendWindow::parse("fri-mon 08:00-09:00").to_string(), "mon,fri-sun 08:00-09:00");
    EXPECT_EQ(SendWindow::parse("monday,wed,Friday 08:00-09:00").to_string(),
              "mon,wed,fri 08:00-09:00");
    // Overlapping and touching blocks merge.
    EXPECT_EQ(SendWindow::parse("tue 09:00-12:00,11:00-13:00,13:00-14:00").to_string(),
              "tue 09:00-14:00");
    EXPECT_EQ(SendWindow::parse("mon 09:00-10:00; mon 12:00-13:00").to_string(),
              "mon 09:00-10:00,12:00-13:00");
}

TEST(SendWindow, ParseErrors) {
    for (const char* bad :
         {"", " ; ", "xyz 09:00-10:00", "mo 09:00-10:00", "mon", "09:00-10:00", "mon 10:00-09:00",
          "mon 09:00-09:00", "mon 25:00-26:00", "mon 09:60-10:00", "mon 24:00-24:30", "mon 9-10",
          "mon 09:00", "tz Mars/Base", "mon-fri 09:00-10:00 x"}) {
        EXPECT_THROW(SendWindow::parse(bad), std::invalid_argument) << "'" << bad << "'";
    }
    SendWindow w;
    EXPECT_THROW(w.add(date::Monday, {10h, 9h}), std::invalid_argument);
    EXPECT_THROW(w.add(date::Monday, {23h, 25h}), std::invalid_argument);
    EXPECT_THROW(w.add(date::Monday, {-1h, 1h}), std::invalid_argument);
}

TEST(SendWindow, BuiltInCode) {
    SendWindow w;
    w.add(date::Tuesday, {14h, 15h}).add(date::Tuesday, {9h, 10h});
    EXPECT_EQ(w.to_string(), "tue 09:00-10:00,14:00-15:00");
    SendWindow::Week week;
    week[date::Thursday.c_encoding()] = {{10h, 11h}};
    EXPECT_EQ(SendWindow(week, "America/New_York").to_string(),
              "thu 10:00-11:00; tz America/New_York");
    EXPECT_THROW(SendWindow(week, "Nowhere/Land"), std::invalid_argument);
}

TEST(SendWindow, ZoneOfTheWindowIsTheMiddleOfTheFallbackChain) {
    const auto w = SendWindow::parse("mon-fri 09:00-17:00; tz Europe/Paris");
    const std::string contact_zone;  // unknown
    const auto* tz = resolve_zone({contact_zone, w.zone_name(), "America/New_York"});
    EXPECT_EQ(tz->name(), "Europe/Paris");
    EXPECT_EQ(w.next_open(utc(2026, 6, 8, 0), tz), utc(2026, 6, 8, 7));
}

TEST(SendWindow, Errors) {
    const SendWindow empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_FALSE(empty.is_open(utc(2026, 1, 1, 12), paris()));
    EXPECT_THROW(empty.next_open(utc(2026, 1, 1), paris()), std::invalid_argument);
    const auto w = SendWindow::parse("sat 09:00-10:00");
    EXPECT_THROW(w.is_open(utc(2026, 1, 1), nullptr), std::invalid_argument);
    EXPECT_THROW(w.next_open(utc(2026, 1, 1), nullptr), std::invalid_argument);
    // A window with no block at all is refused when parsed, not when a run first sends.
    EXPECT_THROW(SendWindow::parse("tz Europe/Paris"), std::invalid_argument);
    EXPECT_THROW(SendWindow::parse("; tz Europe/Paris ;"), std::invalid_argument);
}

// The window's own days decide the weekday: a block written for Saturday opens on Saturday
// although the business calendar's weekend is Saturday and Sunday (it used to throw "does not
// open within three years").
TEST(SendWindow, WeekendBlocksOpenOnTheirDays) {
    const auto w = SendWindow::parse("sat 10:00-12:00");
    const BusinessCalendar cal;  // weekend: Saturday and Sunday
    // Thursday 1 January 2026 -> Saturday 3 January 10:00 Paris (09:00Z).
    EXPECT_EQ(w.next_open(utc(2026, 1, 1), paris(), &cal), utc(2026, 1, 3, 9));
    EXPECT_TRUE(w.is_open(utc(2026, 1, 3, 9, 30), paris(), &cal));
    EXPECT_FALSE(w.is_open(utc(2026, 1, 3, 11), paris(), &cal));  // 12:00 local: closed
    // Weekdays and weekend in one window: Friday evening -> Saturday morning, not Monday.
    const auto both = SendWindow::parse("mon-fri 09:00-17:00; sat 10:00-12:00");
    EXPECT_EQ(both.next_open(utc(2026, 1, 9, 18), paris(), &cal), utc(2026, 1, 10, 9));
}

// A holiday or blackout date still closes the window that day, whatever the weekday.
TEST(SendWindow, HolidaysAndBlackoutDatesCloseTheirDate) {
    const auto w = SendWindow::parse("mon-sun 09:00-17:00");
    const BusinessCalendar fr({"FR"}, {ymd(2026, 12, 26)});
    // Christmas (a Friday) is closed; the blackout Saturday 26 too; Sunday 27 opens.
    EXPECT_FALSE(w.is_open(utc(2026, 12, 25, 10), paris(), &fr));
    EXPECT_EQ(w.next_open(utc(2026, 12, 24, 17), paris(), &fr), utc(2026, 12, 27, 8));
    // Saturday 15 August (Assumption) is closed even for a Saturday-only window.
    const auto sat = SendWindow::parse("sat 10:00-12:00");
    EXPECT_EQ(sat.next_open(utc(2026, 8, 14), paris(), &fr), utc(2026, 8, 22, 8));
}

// Nothing that validates can keep a window shut for good: a blackout list covering every
// Saturday for five years delays the window past its last date instead of failing the run.
TEST(SendWindow, ALongBlackoutListDelaysButNeverShutsTheWindow) {
    std::vector<date::year_month_day> saturdays;
    date::sys_days d{ymd(2026, 1, 3)};
    for (int i = 0; i < 5 * 53; ++i, d += date::weeks{1}) saturdays.emplace_back(d);
    const BusinessCalendar cal({}, saturdays);
    const auto w = SendWindow::parse("sat 10:00-12:00");
    const TimePoint opens = w.next_open(utc(2026, 1, 1), paris(), &cal);
    EXPECT_EQ(opens, utc(2031, 2, 1, 9));  // the Saturday after the last blackout one
    EXPECT_TRUE(w.is_open(opens, paris(), &cal));
}

// Hours go through the one time parser: the message names the bad text and says why.
TEST(SendWindow, BadHoursSayWhatIsWrong) {
    auto message = [](const char* spec) {
        try {
            SendWindow::parse(spec);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message("mon 25:00-26:00").find("'25:00': hours go from 0 to 24"), std::string::npos)
        << message("mon 25:00-26:00");
    const std::string huge = message("mon 000000000000000000000000000009:00-10:00");
    EXPECT_NE(huge.find("the hour takes 1 or 2 digits"), std::string::npos) << huge;
    EXPECT_NE(message("mon 09:60-10:00").find("minutes go from 00 to 59"), std::string::npos);
}

}  // namespace
}  // namespace relance::calendar
