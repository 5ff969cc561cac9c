#include "relance/calendar/cron.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace relance::calendar {
namespace {

using namespace std::chrono_literals;
using test::utc;
using test::ymd;

const date::time_zone& zone(const std::string& name) {
    return *find_zone(name);
}

LocalTime local(int y, unsigned m, unsigned d, int h, int min = 0) {
    return LocalTime{date::local_days{ymd(y, m, d)} + std::chrono::hours{h} +
                     std::chrono::minutes{min}};
}

template <std::size_t N>
std::bitset<N> bits(std::initializer_list<int> values) {
    std::bitset<N> out;
    for (int v : values) out.set(static_cast<std::size_t>(v));
    return out;
}

// The fire after `after`, which must exist.
TimePoint next(const std::string& text, const std::string& zone_name, TimePoint after) {
    const auto fire = next_fire(parse_cron(text), zone(zone_name), after);
    if (!fire) throw std::runtime_error("no fire for '" + text + "'");
    return *fire;
}

std::vector<TimePoint> fires(const std::string& text, const std::string& zone_name, TimePoint from,
                             TimePoint to, std::size_t limit = 100) {
    return fires_between(parse_cron(text), zone(zone_name), from, to, limit);
}

// Parsing ------------------------------------------------------------------------------------

TEST(Cron, ParsesStarsNumbersAndLists) {
    const auto all = parse_cron("* * * * *");
    EXPECT_TRUE(all.minutes.all());
    EXPECT_TRUE(all.hours.all());
    EXPECT_EQ(all.days_of_month.count(), 31u);
    EXPECT_FALSE(all.days_of_month.test(0));
    EXPECT_EQ(all.months.count(), 12u);
    EXPECT_FALSE(all.months.test(0));
    EXPECT_TRUE(all.days_of_week.all());
    EXPECT_FALSE(all.days_of_month_restricted);
    EXPECT_FALSE(all.days_of_week_restricted);

    const auto some = parse_cron("5,10,15 0 1,31 1 0");
    EXPECT_EQ(some.minutes, bits<60>({5, 10, 15}));
    EXPECT_EQ(some.hours, bits<24>({0}));
    EXPECT_EQ(some.days_of_month, bits<32>({1, 31}));
    EXPECT_EQ(some.months, bits<13>({1}));
    EXPECT_EQ(some.days_of_week, bits<7>({0}));
    EXPECT_TRUE(some.days_of_month_restricted);
    EXPECT_TRUE(some.days_of_week_restricted);
    EXPECT_EQ(parse_cron("05 009 * * *").minutes, bits<60>({5}));  // leading zeros
}

TEST(Cron, ParsesRangesAndSteps) {
    EXPECT_EQ(parse_cron("*/15 * * * *").minutes, bits<60>({0, 15, 30, 45}));
    EXPECT_EQ(parse_cron("10-20/5 * * * *").minutes, bits<60>({10, 15, 20}));
    EXPECT_EQ(parse_cron("10-12 * * * *").minutes, bits<60>({10, 11, 12}));
    EXPECT_EQ(parse_cron("7-7 * * * *").minutes, bits<60>({7}));
    // a/n runs from a to the end of the field.
    EXPECT_EQ(parse_cron("50/3 * * * *").minutes, bits<60>({50, 53, 56, 59}));
    EXPECT_EQ(parse_cron("* */5 * * *").hours, bits<24>({0, 5, 10, 15, 20}));
    EXPECT_EQ(parse_cron("* * */10 * *").days_of_month, bits<32>({1, 11, 21, 31}));
    EXPECT_EQ(parse_cron("* * * */4 *").months, bits<13>({1, 5, 9}));
    EXPECT_EQ(parse_cron("* * * * 1/2").days_of_week, bits<7>({1, 3, 5}));
    EXPECT_EQ(parse_cron("0-5/2,30,58-59 * * * *").minutes, bits<60>({0, 2, 4, 30, 58, 59}));
    EXPECT_EQ(parse_cron("*/60 * * * *").minutes, bits<60>({0}));  // the largest step
}

TEST(Cron, ParsesNamesAndRanges) {
    const auto spec = parse_cron("0 9 * jan-mar,DEC Mon-FRI");
    EXPECT_EQ(spec.months, bits<13>({1, 2, 3, 12}));
    EXPECT_EQ(spec.days_of_week, bits<7>({1, 2, 3, 4, 5}));
    EXPECT_EQ(parse_cron("* * * feb,Aug *").months, bits<13>({2, 8}));
    EXPECT_EQ(parse_cron("* * * * sun,sat").days_of_week, bits<7>({0, 6}));
    EXPECT_EQ(parse_cron("* * * jan-dec/3 *").months, bits<13>({1, 4, 7, 10}));
    EXPECT_EQ(parse_cron("* * * may/2 *").months, bits<13>({5, 7, 9, 11}));
    EXPECT_EQ(parse_cron("* * * * mon-5").days_of_week, bits<7>({1, 2, 3, 4, 5}));
}

TEST(Cron, SundayIsZeroOrSeven) {
    EXPECT_EQ(parse_cron("* * * * 7"), parse_cron("* * * * 0"));
    EXPECT_EQ(parse_cron("* * * * sun"), parse_cron("* * * * 0"));
    EXPECT_EQ(parse_cron("* * * * 5-7").days_of_week, bits<7>({5, 6, 0}));
    EXPECT_EQ(parse_cron("* * * * 0-7").days_of_week, bits<7>({0, 1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(parse_cron("* * * * 1-7/2").days_of_week, bits<7>({1, 3, 5, 0}));
    EXPECT_EQ(parse_cron("* * * * 7/2").days_of_week, bits<7>({0}));
}

TEST(Cron, DayOfWeekRangesWrapAroundTheWeek) {
    EXPECT_EQ(parse_cron("* * * * fri-mon").days_of_week, bits<7>({5, 6, 0, 1}));
    EXPECT_EQ(parse_cron("* * * * fri-sun").days_of_week, bits<7>({5, 6, 0}));
    EXPECT_EQ(parse_cron("* * * * sat-tue/2").days_of_week, bits<7>({6, 1}));
    EXPECT_EQ(parse_cron("* * * * 6-0").days_of_week, bits<7>({6, 0}));
    EXPECT_EQ(parse_cron("* * * * 7-2").days_of_week, bits<7>({0, 1, 2}));
}

TEST(Cron, MacrosExpandToTheirFields) {
    EXPECT_EQ(parse_cron("@yearly"), parse_cron("0 0 1 1 *"));
    EXPECT_EQ(parse_cron("@annually"), parse_cron("0 0 1 1 *"));
    EXPECT_EQ(parse_cron("@monthly"), parse_cron("0 0 1 * *"));
    EXPECT_EQ(parse_cron("@weekly"), parse_cron("0 0 * * 0"));
    EXPECT_EQ(parse_cron("@daily"), parse_cron("0 0 * * *"));
    EXPECT_EQ(parse_cron("@midnight"), parse_cron("0 0 * * *"));
    EXPECT_EQ(parse_cron("@hourly"), parse_cron("0 * * * *"));
    EXPECT_EQ(parse_cron(" \t@Daily  "), parse_cron("0 0 * * *"));
}

TEST(Cron, FieldsAreSeparatedBySpacesAndTabs) {
    const auto expected = parse_cron("0 9 * * mon-fri");
    EXPECT_EQ(parse_cron("  0\t9   *\t \t*  mon-fri \t"), expected);
    EXPECT_EQ(parse_cron("0 9 * * mon-fri\t"), expected);
}

TEST(Cron, DayFieldsStartingWithAStarAreUnrestricted) {
    EXPECT_TRUE(parse_cron("0 0 1 * mon").days_of_month_restricted);
    EXPECT_TRUE(parse_cron("0 0 1 * mon").days_of_week_restricted);
    EXPECT_FALSE(parse_cron("0 0 * * mon").days_of_month_restricted);
    // Vixie cron: what starts with '*' is unrestricted, even when stepped.
    EXPECT_FALSE(parse_cron("0 0 */2 * mon").days_of_month_restricted);
    EXPECT_FALSE(parse_cron("0 0 1 * */2").days_of_week_restricted);
    EXPECT_TRUE(parse_cron("0 0 1-31 * 0-7").days_of_week_restricted);
}

// Errors -------------------------------------------------------------------------------------

void expect_error(const std::string& text, std::size_t column, const std::string& message) {
    try {
        parse_cron(text);
        ADD_FAILURE() << "no error for '" << text << "'";
    } catch (const CronError& e) {
        EXPECT_EQ(e.column, column) << text;
        EXPECT_EQ(std::string(e.what()), "column " + std::to_string(column) + ": " + message)
            << text;
    }
}

TEST(Cron, RejectsEmptyText) {
    const std::string message =
        "empty cron expression (expected five fields, minute hour day-of-month month "
        "day-of-week, or a macro such as @daily)";
    expect_error("", 1, message);
    expect_error(" \t ", 1, message);
    EXPECT_THROW(parse_cron(""), std::invalid_argument);  // CronError is an invalid_argument
}

TEST(Cron, RejectsAWrongNumberOfFields) {
    const std::string fields = "(minute hour day-of-month month day-of-week)";
    expect_error("0 9 * *", 8, "expected 5 fields " + fields + ", found 4");
    expect_error("0 9 * *   ", 8, "expected 5 fields " + fields + ", found 4");
    expect_error("0", 2, "expected 5 fields " + fields + ", found 1");
    expect_error("0 0 9 * * *", 11,
                 "expected 5 fields " + fields + ", found 6 (seconds and years are not supported)");
    expect_error("0 9 * * * 2026 x", 11,
                 "expected 5 fields " + fields + ", found 7 (seconds and years are not supported)");
}

TEST(Cron, RejectsOutOfRangeValues) {
    expect_error("*/5 9-17 32 * *", 10, "day-of-month 32 is out of range (1-31)");
    expect_error("60 * * * *", 1, "minute 60 is out of range (0-59)");
    expect_error("* 24 * * *", 3, "hour 24 is out of range (0-23)");
    expect_error("* * 0 * *", 5, "day-of-month 0 is out of range (1-31)");
    expect_error("* * * 13 *", 7, "month 13 is out of range (1-12)");
    expect_error("* * * 0 *", 7, "month 0 is out of range (1-12)");
    expect_error("* * * * 8", 9, "day-of-week 8 is out of range (0-7)");
    expect_error("* * * * 1-9", 11, "day-of-week 9 is out of range (0-7)");
    expect_error("99999999999999999999 * * * *", 1,
                 "minute 99999999999999999999 is out of range (0-59)");
}

TEST(Cron, RejectsBadSteps) {
    expect_error("*/0 * * * *", 3, "minute step 0 is out of range (1-60)");
    expect_error("* */25 * * *", 5, "hour step 25 is out of range (1-24)");
    expect_error("* * * * */8", 11, "day-of-week step 8 is out of range (1-7)");
    expect_error("*/ * * * *", 3, "minute: expected a step number after '/', found end of field");
    expect_error("*/x * * * *", 3, "minute: expected a step number after '/', found 'x'");
    expect_error("*/5/2 * * * *", 4, "minute: unexpected '/'");
}

TEST(Cron, RejectsReversedRangesOutsideTheWeek) {
    expect_error("5-1 * * * *", 1,
                 "minute range 5-1 is reversed (only day-of-week ranges wrap around)");
    expect_error("0 22-2 * * *", 3,
                 "hour range 22-2 is reversed (only day-of-week ranges wrap around)");
    expect_error("0 0 * dec-feb *", 7,
                 "month range dec-feb is reversed (only day-of-week ranges wrap around)");
    expect_error("0 0 20-10/2 * *", 5,
                 "day-of-month range 20-10 is reversed (only day-of-week ranges wrap around)");
}

TEST(Cron, RejectsGarbage) {
    expect_error("abc * * * *", 1,
                 "minute: 'abc' is not a number (names are only accepted in month and "
                 "day-of-week)");
    expect_error("5? * * * *", 2, "minute: unexpected '?'");
    expect_error("1,,2 * * * *", 3, "minute: expected a number or '*', found ','");
    expect_error("1, * * * *", 3, "minute: expected a number or '*', found end of field");
    expect_error("*-5 * * * *", 2, "minute: unexpected '-'");
    expect_error("1- * * * *", 3, "minute: expected a number, found end of field");
    expect_error("0 0 ? * *", 5, "day-of-month: expected a number or '*', found '?'");
    expect_error("0 0 L * *", 5,
                 "day-of-month: 'L' is not a number (names are only accepted in month and "
                 "day-of-week)");
    expect_error("0 0 * * 5#3", 10, "day-of-week: unexpected '#'");
    expect_error("0 0 * , *", 7, "month: expected a number, a name or '*', found ','");
    expect_error("0 0 * * mon-", 13,
                 "day-of-week: expected a number or a name, found end of field");
    expect_error("0 @daily * * *", 3, "hour: expected a number or '*', found '@'");
}

TEST(Cron, RejectsUnknownNames) {
    expect_error("0 0 * foo *", 7,
                 "unknown month name 'foo' (expected jan, feb, mar, apr, may, jun, jul, aug, "
                 "sep, oct, nov, dec)");
    expect_error("0 9 * * monday", 9,
                 "unknown day-of-week name 'monday' (expected sun, mon, tue, wed, thu, fri, sat)");
    expect_error("0 9 * * mon-fri1", 16, "day-of-week: unexpected '1'");
}

TEST(Cron, RejectsUnknownMacrosAndTextAfterAMacro) {
    const std::string known =
        "(expected @yearly, @annually, @monthly, @weekly, @daily, @midnight "
        "or @hourly)";
    expect_error("@reboot", 1, "unknown macro '@reboot' " + known);
    expect_error("  @often", 3, "unknown macro '@often' " + known);
    expect_error("@", 1, "unknown macro '@' " + known);
    expect_error("@daily 5", 8, "unexpected text after @daily");
}

TEST(Cron, RejectsNonAsciiAndControlBytes) {
    expect_error("0 9 * * l\xC3\xBCn", 10, "non-ASCII byte 0xC3 (cron expressions are ASCII)");
    expect_error("0 9 * *\n*", 8, "control character 0x0A (separate fields with spaces or tabs)");
    expect_error(std::string("0 9 * * *\0", 10), 10,
                 "control character 0x00 (separate fields with spaces or tabs)");
}

TEST(Cron, RejectsTextOverTheLimit) {
    const std::string at_limit = "0 9 * * *" + std::string(kMaxCronBytes - 9, ' ');
    EXPECT_NO_THROW(parse_cron(at_limit));
    expect_error(at_limit + " ", 257, "cron expression is 257 bytes long, the limit is 256");
    expect_error(std::string(100000, '*'), 257,
                 "cron expression is 100000 bytes long, the limit is 256");
}

// Next fire ----------------------------------------------------------------------------------

TEST(Cron, NextFireInUtc) {
    // 2026-03-06 is a Friday.
    EXPECT_EQ(next("0 9 * * mon-fri", "UTC", utc(2026, 3, 6, 8, 59)), utc(2026, 3, 6, 9));
    EXPECT_EQ(next("0 9 * * mon-fri", "UTC", utc(2026, 3, 6, 10)), utc(2026, 3, 9, 9));
    EXPECT_EQ(next("30 */6 * * *", "UTC", utc(2026, 12, 31, 19)), utc(2027, 1, 1, 0, 30));
    EXPECT_EQ(next("* * * * *", "UTC", utc(2026, 12, 31, 23, 59)), utc(2027, 1, 1));
    EXPECT_EQ(next("0 12 * jun sat", "UTC", utc(2026, 1, 1)), utc(2026, 6, 6, 12));
}

TEST(Cron, AfterExactlyOnAFireReturnsTheNextOne) {
    EXPECT_EQ(next("*/15 * * * *", "UTC", utc(2026, 5, 4, 10, 15)), utc(2026, 5, 4, 10, 30));
    EXPECT_EQ(next("*/15 * * * *", "UTC", utc(2026, 5, 4, 10, 15) - 1ms), utc(2026, 5, 4, 10, 15));
    EXPECT_EQ(next("0 0 * * *", "UTC", utc(2026, 5, 4)), utc(2026, 5, 5));
}

TEST(Cron, FiresAreWholeMinutes) {
    EXPECT_EQ(next("*/15 * * * *", "UTC", utc(2026, 5, 4, 10, 15) + 30s + 500ms),
              utc(2026, 5, 4, 10, 30));
    EXPECT_EQ(next("* * * * *", "UTC", utc(2026, 5, 4, 10, 15) + 1ms), utc(2026, 5, 4, 10, 16));
}

TEST(Cron, MacrosFire) {
    const auto after = utc(2026, 1, 7, 10, 20);  // a Wednesday
    EXPECT_EQ(next("@hourly", "UTC", after), utc(2026, 1, 7, 11));
    EXPECT_EQ(next("@daily", "UTC", after), utc(2026, 1, 8));
    EXPECT_EQ(next("@midnight", "UTC", after), utc(2026, 1, 8));
    EXPECT_EQ(next("@weekly", "UTC", after), utc(2026, 1, 11));  // Sunday
    EXPECT_EQ(next("@monthly", "UTC", after), utc(2026, 2, 1));
    EXPECT_EQ(next("@yearly", "UTC", after), utc(2027, 1, 1));
    EXPECT_EQ(next("@annually", "UTC", after), utc(2027, 1, 1));
}

TEST(Cron, DayMatchesEitherDayFieldWhenBothAreRestricted) {
    // The 13th or any Friday.
    EXPECT_EQ(fires("0 0 13 * fri", "UTC", utc(2026, 1, 1), utc(2026, 1, 20)),
              (std::vector<TimePoint>{utc(2026, 1, 2), utc(2026, 1, 9), utc(2026, 1, 13),
                                      utc(2026, 1, 16)}));
    // Day-of-week is '*': the day-of-month alone decides.
    EXPECT_EQ(next("0 0 13 * *", "UTC", utc(2026, 1, 1)), utc(2026, 1, 13));
    // Day-of-month is '*': the day-of-week alone decides.
    EXPECT_EQ(next("0 0 * * fri", "UTC", utc(2026, 1, 1)), utc(2026, 1, 2));
    // "*/10" starts with '*', so it is unrestricted and both must match: the first Friday that
    // is the 1st, 11th, 21st or 31st of 2026 is 1 May.
    EXPECT_EQ(next("0 0 */10 * fri", "UTC", utc(2026, 1, 1)), utc(2026, 5, 1));
}

TEST(Cron, LeapDayFiresEveryFourYears) {
    EXPECT_EQ(next("0 0 29 2 *", "UTC", utc(2026, 1, 1)), utc(2028, 2, 29));
    EXPECT_EQ(next("0 0 29 2 *", "UTC", utc(2028, 2, 29)), utc(2032, 2, 29));
    // 2100 is not a leap year: eight years between two leap days.
    EXPECT_EQ(next("0 0 29 2 *", "UTC", utc(2096, 3, 1)), utc(2104, 2, 29));
}

TEST(Cron, ThirtyFirstSkipsShortMonths) {
    EXPECT_EQ(fires("0 0 31 * *", "UTC", utc(2026, 1, 31), utc(2026, 9, 1)),
              (std::vector<TimePoint>{utc(2026, 3, 31), utc(2026, 5, 31), utc(2026, 7, 31),
                                      utc(2026, 8, 31)}));
    EXPECT_EQ(next("0 0 30 * *", "UTC", utc(2026, 1, 30)), utc(2026, 3, 30));
}

TEST(Cron, ImpossibleSpecNeverFires) {
    const auto& utc_zone = zone("UTC");
    for (const char* text : {"0 0 30 2 *", "0 0 31 2 *", "0 0 31 4,6,9,11 *"}) {
        EXPECT_EQ(next_fire(parse_cron(text), utc_zone, utc(2026, 1, 1)), std::nullopt) << text;
        EXPECT_TRUE(
            fires_between(parse_cron(text), utc_zone, utc(2026, 1, 1), utc(2100, 1, 1), 10).empty())
            << text;
    }
    // Possible, rarely: the 31st of a month or a Monday, so it fires.
    EXPECT_EQ(next("0 0 31 2 mon", "UTC", utc(2026, 1, 1)), utc(2026, 2, 2));
    // "*/28" (the 1st and the 29th) starts with '*': a 1 or 29 February that is a Monday.
    EXPECT_EQ(next("0 0 */28 2 mon", "UTC", utc(2026, 1, 1)), utc(2027, 2, 1));
}

TEST(Cron, SearchStopsAtTheEndOfYear9999) {
    const auto daily = parse_cron("0 0 * * *");
    const auto& utc_zone = zone("UTC");
    EXPECT_EQ(next_fire(daily, utc_zone, utc(9999, 12, 30, 12)), utc(9999, 12, 31));
    EXPECT_EQ(next_fire(daily, utc_zone, utc(9999, 12, 31)), std::nullopt);
    EXPECT_EQ(next_fire(daily, utc_zone, TimePoint::max()), std::nullopt);
    EXPECT_EQ(next_fire(daily, utc_zone, TimePoint::min()), std::nullopt);
    EXPECT_EQ(next_fire(daily, utc_zone, utc(1, 1, 1)), utc(1, 1, 2));
    EXPECT_TRUE(fires_between(daily, utc_zone, utc(9999, 12, 30), TimePoint::max(), 10) ==
                std::vector<TimePoint>{utc(9999, 12, 31)});
}

TEST(Cron, HalfHourOffsetZone) {
    // Asia/Kolkata is UTC+05:30 all year.
    EXPECT_EQ(next("0 9 * * *", "Asia/Kolkata", utc(2026, 1, 1)), utc(2026, 1, 1, 3, 30));
    EXPECT_EQ(next("0 9 * * *", "Asia/Kolkata", utc(2026, 1, 1, 3, 30)), utc(2026, 1, 2, 3, 30));
    EXPECT_EQ(next("0 * * * *", "Asia/Kolkata", utc(2026, 1, 1, 3, 31)), utc(2026, 1, 1, 4, 30));
}

TEST(Cron, WorkdaysKeepTheirLocalHourAcrossDst) {
    // Friday 27 March 09:00 CET, Monday 30 March 09:00 CEST.
    EXPECT_EQ(fires("0 9 * * mon-fri", "Europe/Paris", utc(2026, 3, 27), utc(2026, 3, 31)),
              (std::vector<TimePoint>{utc(2026, 3, 27, 8), utc(2026, 3, 30, 7)}));
    // Friday 6 March 09:00 EST, Monday 9 March 09:00 EDT.
    EXPECT_EQ(fires("0 9 * * mon-fri", "America/New_York", utc(2026, 3, 6), utc(2026, 3, 10)),
              (std::vector<TimePoint>{utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)}));
}

// Paris jumps from 02:00 CET to 03:00 CEST on 29 March 2026 (01:00 UTC).
TEST(Cron, SlotInASpringForwardGapFiresAtTheEndOfTheGap) {
    EXPECT_EQ(next("30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12)), utc(2026, 3, 29, 1));
    EXPECT_EQ(next("30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 1)), utc(2026, 3, 30, 0, 30));
    // New York jumps from 02:00 EST to 03:00 EDT on 8 March 2026 (07:00 UTC).
    EXPECT_EQ(next("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12)), utc(2026, 3, 8, 7));
    EXPECT_EQ(next("30 2 * * *", "America/New_York", utc(2026, 3, 8, 7)), utc(2026, 3, 9, 6, 30));
}

TEST(Cron, SlotsInOneGapCollapseIntoOneFire) {
    // 02:00, 02:15, 02:30, 02:45 and 03:00 all fire at 03:00 CEST, once.
    EXPECT_EQ(
        fires("*/15 * * * *", "Europe/Paris", utc(2026, 3, 29, 0, 40), utc(2026, 3, 29, 1, 20)),
        (std::vector<TimePoint>{utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1),
                                utc(2026, 3, 29, 1, 15)}));
    EXPECT_EQ(fires("10,40 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)),
              (std::vector<TimePoint>{utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 10),
                                      utc(2026, 3, 30, 0, 40)}));
    EXPECT_EQ(fires("* * * * *", "America/New_York", utc(2026, 3, 8, 6, 58), utc(2026, 3, 8, 7, 2)),
              (std::vector<TimePoint>{utc(2026, 3, 8, 6, 59), utc(2026, 3, 8, 7),
                                      utc(2026, 3, 8, 7, 1), utc(2026, 3, 8, 7, 2)}));
}

// Paris goes back from 03:00 CEST to 02:00 CET on 25 October 2026 (01:00 UTC): 02:00-02:59
// happens at 00:00-00:59 UTC, then again at 01:00-01:59 UTC.
TEST(Cron, SlotInAFallBackOverlapFiresAtItsFirstOccurrence) {
    EXPECT_EQ(next("30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 12)), utc(2026, 10, 25, 0, 30));
    EXPECT_EQ(next("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 30)),
              utc(2026, 10, 26, 1, 30));
    // Asked during the second pass, the slot is not fired again.
    EXPECT_EQ(next("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 1, 10)),
              utc(2026, 10, 26, 1, 30));
    // New York goes back from 02:00 EDT to 01:00 EST on 1 November 2026 (06:00 UTC).
    EXPECT_EQ(next("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12)),
              utc(2026, 11, 1, 5, 30));
    EXPECT_EQ(next("30 1 * * *", "America/New_York", utc(2026, 11, 1, 5, 30)),
              utc(2026, 11, 2, 6, 30));
}

TEST(Cron, RepeatedHourDoesNotFireTwice) {
    // 02:45 CEST, then 03:00 CET: nothing during the second 02:00-02:59.
    EXPECT_EQ(
        fires("*/15 * * * *", "Europe/Paris", utc(2026, 10, 25, 0, 40), utc(2026, 10, 25, 2, 20)),
        (std::vector<TimePoint>{utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 2),
                                utc(2026, 10, 25, 2, 15)}));
    EXPECT_EQ(next("*/15 * * * *", "Europe/Paris", utc(2026, 10, 25, 1, 10)), utc(2026, 10, 25, 2));
    // 01:45 EDT, then 02:00 EST.
    EXPECT_EQ(
        fires("*/15 * * * *", "America/New_York", utc(2026, 11, 1, 5, 40), utc(2026, 11, 1, 7)),
        (std::vector<TimePoint>{utc(2026, 11, 1, 5, 45), utc(2026, 11, 1, 7)}));
    EXPECT_EQ(next("*/15 * * * *", "America/New_York", utc(2026, 11, 1, 6, 20)),
              utc(2026, 11, 1, 7));
    // An hourly job waits two real hours across the change: 01:00 EDT, then 02:00 EST.
    EXPECT_EQ(
        fires("0 * * * *", "America/New_York", utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 8)),
        (std::vector<TimePoint>{utc(2026, 11, 1, 5), utc(2026, 11, 1, 7), utc(2026, 11, 1, 8)}));
}

// Lord Howe Island moves by 30 minutes: 02:00 +1030 -> 02:30 +11 on 4 October 2026 (15:30 UTC
// on the 3rd), 02:00 +11 -> 01:30 +1030 on 5 April 2026 (15:00 UTC on the 4th).
TEST(Cron, ThirtyMinuteDstShift) {
    ASSERT_NO_THROW(find_zone("Australia/Lord_Howe"));
    EXPECT_EQ(next("15 2 * * *", "Australia/Lord_Howe", utc(2026, 10, 3)),
              utc(2026, 10, 3, 15, 30));
    EXPECT_EQ(fires("*/10 * * * *", "Australia/Lord_Howe", utc(2026, 10, 3, 15, 25),
                    utc(2026, 10, 3, 15, 40)),
              (std::vector<TimePoint>{utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 15, 40)}));
    EXPECT_EQ(next("45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4)), utc(2026, 4, 4, 14, 45));
    EXPECT_EQ(next("45 1 * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 14, 45)),
              utc(2026, 4, 5, 15, 15));
    EXPECT_EQ(fires("*/15 * * * *", "Australia/Lord_Howe", utc(2026, 4, 4, 14, 40),
                    utc(2026, 4, 4, 15, 30)),
              (std::vector<TimePoint>{utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 30)}));
}

// Missed fires and matching --------------------------------------------------------------------

TEST(Cron, FiresBetweenIsHalfOpenAndBounded) {
    const auto from = utc(2026, 6, 1);
    const auto to = utc(2026, 6, 1, 5);
    EXPECT_EQ(fires("0 * * * *", "UTC", from, to),
              (std::vector<TimePoint>{utc(2026, 6, 1, 1), utc(2026, 6, 1, 2), utc(2026, 6, 1, 3),
                                      utc(2026, 6, 1, 4), utc(2026, 6, 1, 5)}));
    EXPECT_EQ(fires("0 * * * *", "UTC", from, to, 2),
              (std::vector<TimePoint>{utc(2026, 6, 1, 1), utc(2026, 6, 1, 2)}));
    EXPECT_TRUE(fires("0 * * * *", "UTC", from, to, 0).empty());
    EXPECT_TRUE(fires("0 * * * *", "UTC", to, from).empty());
    EXPECT_TRUE(fires("0 * * * *", "UTC", from, from).empty());
    EXPECT_TRUE(fires("0 0 1 1 *", "UTC", from, to).empty());
    // A year of minutes, capped.
    EXPECT_EQ(fires("* * * * *", "UTC", utc(2026, 1, 1), utc(2027, 1, 1), 1000).size(), 1000u);
}

TEST(Cron, MatchesLocalMinutes) {
    const auto spec = parse_cron("*/15 9-17 * * mon-fri");
    EXPECT_TRUE(matches(spec, local(2026, 3, 6, 9)));             // Friday
    EXPECT_TRUE(matches(spec, local(2026, 3, 6, 17, 45) + 59s));  // seconds are ignored
    EXPECT_FALSE(matches(spec, local(2026, 3, 6, 9, 1)));
    EXPECT_FALSE(matches(spec, local(2026, 3, 6, 18)));
    EXPECT_FALSE(matches(spec, local(2026, 3, 7, 9)));  // Saturday
    EXPECT_TRUE(matches(parse_cron("0 0 13 * fri"), local(2026, 1, 13, 0)));
    EXPECT_FALSE(matches(parse_cron("0 0 31 * *"), local(2026, 4, 30, 0)));
}

}  // namespace
}  // namespace relance::calendar
