#include "relance/calendar/business_calendar.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace relance::calendar {
namespace {

using test::ymd;

TEST(BusinessCalendar, WeekendsOnlyByDefault) {
    BusinessCalendar cal;
    EXPECT_TRUE(cal.is_business_day(ymd(2026, 1, 1)));   // no country: New Year counts
    EXPECT_FALSE(cal.is_business_day(ymd(2026, 1, 3)));  // Saturday
    EXPECT_FALSE(cal.is_business_day(ymd(2026, 1, 4)));  // Sunday
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 9), 1), ymd(2026, 1, 12));  // Fri + 1 = Mon
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 9), 5), ymd(2026, 1, 16));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 12), -1), ymd(2026, 1, 9));  // Mon - 1 = Fri
}

TEST(BusinessCalendar, StartOnANonBusinessDayIsNeverCounted) {
    BusinessCalendar cal;
    // Saturday + 1 is Monday, like Friday + 1; Sunday + 2 is Tuesday.
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 10), 1), ymd(2026, 1, 12));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 11), 2), ymd(2026, 1, 13));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 11), -1), ymd(2026, 1, 9));
    // n == 0 rolls forward.
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 10), 0), ymd(2026, 1, 12));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 9), 0), ymd(2026, 1, 9));
    EXPECT_EQ(cal.next_business_day(ymd(2026, 1, 11)), ymd(2026, 1, 12));
}

TEST(BusinessCalendar, EasterInFranceAndGermany) {
    // Thursday 2 April 2026; Good Friday 3 April is a business day in France, not in Germany;
    // Easter Monday 6 April is a holiday in both.
    BusinessCalendar fr({"FR"});
    EXPECT_EQ(fr.add_business_days(ymd(2026, 4, 2), 1), ymd(2026, 4, 3));
    EXPECT_EQ(fr.add_business_days(ymd(2026, 4, 2), 2), ymd(2026, 4, 7));
    EXPECT_EQ(fr.add_business_days(ymd(2026, 4, 7), -1), ymd(2026, 4, 3));
    BusinessCalendar de({"DE"});
    EXPECT_EQ(de.add_business_days(ymd(2026, 4, 2), 1), ymd(2026, 4, 7));
    EXPECT_EQ(de.add_business_days(ymd(2026, 4, 7), -1), ymd(2026, 4, 2));
    EXPECT_TRUE(de.is_holiday(ymd(2026, 4, 3)));
}

TEST(BusinessCalendar, SeveralCountriesUnite) {
    BusinessCalendar cal({"FR", "de", "FR"});
    EXPECT_EQ(cal.countries(), (std::vector<std::string>{"FR", "DE"}));
    EXPECT_FALSE(cal.is_business_day(ymd(2026, 4, 3)));   // DE Good Friday
    EXPECT_FALSE(cal.is_business_day(ymd(2026, 7, 14)));  // FR Bastille Day
    EXPECT_EQ(cal.add_business_days(ymd(2026, 4, 2), 1), ymd(2026, 4, 7));
}

TEST(BusinessCalendar, BlackoutDates) {
    BusinessCalendar cal({"FR"}, {ymd(2026, 4, 3), ymd(2026, 4, 8), ymd(2026, 4, 3)});
    EXPECT_EQ(cal.blackout_dates().size(), 2u);
    EXPECT_TRUE(cal.is_blackout(ymd(2026, 4, 8)));
    EXPECT_FALSE(cal.is_business_day(ymd(2026, 4, 3)));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 4, 2), 1), ymd(2026, 4, 7));
    EXPECT_EQ(cal.add_business_days(ymd(2026, 4, 2), 2), ymd(2026, 4, 9));
    EXPECT_THROW(BusinessCalendar({}, {ymd(2026, 2, 30)}), std::invalid_argument);
}

TEST(BusinessCalendar, CustomWeekend) {
    BusinessCalendar cal({}, {}, {date::Friday, date::Saturday});
    EXPECT_TRUE(cal.is_business_day(ymd(2026, 1, 11)));                      // Sunday
    EXPECT_EQ(cal.add_business_days(ymd(2026, 1, 8), 1), ymd(2026, 1, 11));  // Thu + 1 = Sun
    EXPECT_THROW(BusinessCalendar({}, {},
                                  {date::Monday, date::Tuesday, date::Wednesday, date::Thursday,
                                   date::Friday, date::Saturday, date::Sunday}),
                 std::invalid_argument);
}

TEST(BusinessCalendar, BusinessDaysInFrance2026) {
    BusinessCalendar fr({"FR"});
    int count = 0;
    for (auto d = date::sys_days{ymd(2026, 1, 1)}; d <= date::sys_days{ymd(2026, 12, 31)};
         d += date::days{1}) {
        count += fr.is_business_day(date::year_month_day{d});
    }
    EXPECT_EQ(count, 261 - 9);  // 261 weekdays, 9 holidays on weekdays
    EXPECT_EQ(fr.add_business_days(ymd(2025, 12, 31), 252), ymd(2026, 12, 31));
}

TEST(BusinessCalendar, UnknownCountry) {
    EXPECT_THROW(BusinessCalendar({"FR", "Narnia"}), std::invalid_argument);
}

// Blackout dates are a finite list: however long, they delay a business day but never make the
// calendar give up (eleven years of them used to throw "no business day within ten years").
TEST(BusinessCalendar, ALongBlackoutListNeverExhaustsTheSearch) {
    std::vector<date::year_month_day> days;
    for (date::sys_days d{ymd(2026, 1, 1)}; d < date::sys_days{ymd(2037, 1, 1)}; d += date::days{1})
        days.emplace_back(d);
    const BusinessCalendar cal({}, days);
    EXPECT_EQ(cal.add_business_days(ymd(2025, 12, 31), 1), ymd(2037, 1, 1));  // a Thursday
    EXPECT_EQ(cal.next_business_day(ymd(2026, 6, 1)), ymd(2037, 1, 1));
    EXPECT_TRUE(cal.is_holiday_or_blackout(ymd(2030, 3, 2)));
    EXPECT_FALSE(cal.is_holiday_or_blackout(ymd(2037, 1, 3)));  // a Saturday: weekend only
    EXPECT_FALSE(cal.is_business_day(ymd(2037, 1, 3)));
}

}  // namespace
}  // namespace relance::calendar
