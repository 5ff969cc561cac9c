#include "relance/calendar/holidays.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace relance::calendar {
namespace {

using test::ymd;

// The name of the holiday on `day` in `country`, "" if none.
std::string name_on(const std::string& country, date::year_month_day day) {
    for (const auto& h : holidays(country, int(day.year()))) {
        if (h.date == day) return h.name;
    }
    return "";
}

std::vector<date::year_month_day> dates(const std::string& country, int year) {
    std::vector<date::year_month_day> out;
    for (const auto& h : holidays(country, year)) out.push_back(h.date);
    return out;
}

TEST(Easter, KnownDates) {
    EXPECT_EQ(easter_sunday(2024), ymd(2024, 3, 31));
    EXPECT_EQ(easter_sunday(2025), ymd(2025, 4, 20));
    EXPECT_EQ(easter_sunday(2026), ymd(2026, 4, 5));
    EXPECT_EQ(easter_sunday(2027), ymd(2027, 3, 28));
    EXPECT_EQ(easter_sunday(2038), ymd(2038, 4, 25));
    // Extremes of the possible range (22 March, 25 April) and a century year.
    EXPECT_EQ(easter_sunday(2285), ymd(2285, 3, 22));
    EXPECT_EQ(easter_sunday(1943), ymd(1943, 4, 25));
    EXPECT_EQ(easter_sunday(2000), ymd(2000, 4, 23));
    EXPECT_EQ(easter_sunday(2100), ymd(2100, 3, 28));
}

TEST(Easter, AlwaysASundayBetween22MarchAnd25April) {
    for (int y = 1900; y <= 2300; ++y) {
        const auto e = easter_sunday(y);
        EXPECT_EQ(date::weekday{date::sys_days{e}}, date::Sunday) << y;
        EXPECT_GE(date::sys_days{e}, date::sys_days{ymd(y, 3, 22)}) << y;
        EXPECT_LE(date::sys_days{e}, date::sys_days{ymd(y, 4, 25)}) << y;
    }
}

TEST(Holidays, SortedAndWithinTheYearForEveryCountry) {
    for (const auto& c : supported_countries()) {
        for (int y = 2020; y <= 2040; ++y) {
            const auto list = holidays(c, y);
            EXPECT_GE(list.size(), 8u) << c << " " << y;
            for (std::size_t i = 0; i < list.size(); ++i) {
                EXPECT_TRUE(list[i].date.ok());
                EXPECT_EQ(int(list[i].date.year()), y) << c << " " << list[i].name;
                EXPECT_FALSE(list[i].name.empty());
                if (i > 0) {
                    EXPECT_LE(date::sys_days{list[i - 1].date}, date::sys_days{list[i].date});
                }
            }
        }
    }
}

TEST(Holidays, France2026) {
    const std::vector<date::year_month_day> expected{
        ymd(2026, 1, 1),  ymd(2026, 4, 6),  ymd(2026, 5, 1),   ymd(2026, 5, 8),
        ymd(2026, 5, 14), ymd(2026, 5, 25), ymd(2026, 7, 14),  ymd(2026, 8, 15),
        ymd(2026, 11, 1), ymd(2026, 11, 11), ymd(2026, 12, 25)};
    EXPECT_EQ(dates("FR", 2026), expected);
    EXPECT_EQ(name_on("FR", ymd(2026, 7, 14)), "Bastille Day");
    EXPECT_EQ(name_on("FR", ymd(2026, 5, 25)), "Whit Monday");
    EXPECT_FALSE(is_holiday("FR", ymd(2026, 4, 3)));  // Good Friday: Alsace-Moselle only
    EXPECT_TRUE(is_holiday("fr", ymd(2026, 4, 6)));   // case-insensitive code
}

TEST(Holidays, Germany2026) {
    EXPECT_EQ(name_on("DE", ymd(2026, 10, 3)), "German Unity Day");
    EXPECT_TRUE(is_holiday("DE", ymd(2026, 4, 3)));    // Good Friday
    EXPECT_TRUE(is_holiday("DE", ymd(2026, 4, 6)));    // Easter Monday
    EXPECT_TRUE(is_holiday("DE", ymd(2026, 5, 14)));   // Ascension
    EXPECT_TRUE(is_holiday("DE", ymd(2026, 5, 25)));   // Whit Monday
    EXPECT_TRUE(is_holiday("DE", ymd(2026, 12, 26)));
    EXPECT_FALSE(is_holiday("DE", ymd(2026, 1, 6)));   // Epiphany: some Länder only
    EXPECT_FALSE(is_holiday("DE", ymd(2026, 10, 31)));  // Reformation Day: some Länder only
    EXPECT_TRUE(is_holiday("DE", ymd(2017, 10, 31)));   // ... but nationwide in 2017
    EXPECT_EQ(holidays("DE", 2026).size(), 9u);
}

TEST(Holidays, GreatBritain2026) {
    EXPECT_EQ(name_on("GB", ymd(2026, 5, 4)), "Early May Bank Holiday");
    EXPECT_EQ(name_on("GB", ymd(2026, 5, 25)), "Spring Bank Holiday");
    EXPECT_EQ(name_on("GB", ymd(2026, 8, 31)), "Summer Bank Holiday");
    EXPECT_EQ(name_on("GB", ymd(2026, 4, 3)), "Good Friday");
    // 26 Dec 2026 is a Saturday: Boxing Day moves to Monday 28 Dec.
    EXPECT_EQ(name_on("GB", ymd(2026, 12, 28)), "Boxing Day (substitute day)");
    EXPECT_TRUE(is_holiday("UK", ymd(2026, 12, 28)));  // alias
    // gov.uk published lists.
    EXPECT_EQ(name_on("GB", ymd(2027, 12, 27)), "Christmas Day (substitute day)");
    EXPECT_EQ(name_on("GB", ymd(2027, 12, 28)), "Boxing Day (substitute day)");
    EXPECT_EQ(name_on("GB", ymd(2022, 12, 27)), "Christmas Day (substitute day)");
    EXPECT_EQ(name_on("GB", ymd(2022, 1, 3)), "New Year's Day (substitute day)");
    EXPECT_EQ(name_on("GB", ymd(2028, 1, 3)), "New Year's Day (substitute day)");
}

TEST(Holidays, UnitedStates2026) {
    EXPECT_EQ(name_on("US", ymd(2026, 11, 26)), "Thanksgiving Day");
    EXPECT_EQ(name_on("US", ymd(2026, 7, 4)), "Independence Day");
    EXPECT_EQ(name_on("US", ymd(2026, 7, 3)), "Independence Day (observed)");
    EXPECT_EQ(name_on("US", ymd(2026, 1, 19)), "Martin Luther King Jr. Day");
    EXPECT_EQ(name_on("US", ymd(2026, 2, 16)), "Washington's Birthday");
    EXPECT_EQ(name_on("US", ymd(2026, 5, 25)), "Memorial Day");
    EXPECT_EQ(name_on("US", ymd(2026, 6, 19)), "Juneteenth National Independence Day");
    EXPECT_EQ(name_on("US", ymd(2026, 9, 7)), "Labor Day");
    EXPECT_EQ(name_on("US", ymd(2026, 10, 12)), "Columbus Day");
    EXPECT_EQ(name_on("US", ymd(2026, 11, 11)), "Veterans Day");
    EXPECT_EQ(name_on("US", ymd(2026, 12, 25)), "Christmas Day");
    // Sunday -> Monday; Saturday 1 Jan 2022 -> Friday 31 Dec 2021, listed under 2021.
    EXPECT_EQ(name_on("US", ymd(2023, 1, 2)), "New Year's Day (observed)");
    EXPECT_EQ(name_on("US", ymd(2021, 12, 31)), "New Year's Day (observed)");
    EXPECT_FALSE(is_holiday("US", ymd(2022, 12, 31)));
    EXPECT_FALSE(is_holiday("US", ymd(2020, 6, 19)));  // Juneteenth from 2021
}

TEST(Holidays, Canada2026) {
    EXPECT_EQ(name_on("CA", ymd(2026, 7, 1)), "Canada Day");
    EXPECT_EQ(name_on("CA", ymd(2026, 5, 18)), "Victoria Day");
    EXPECT_EQ(name_on("CA", ymd(2025, 5, 19)), "Victoria Day");
    EXPECT_EQ(name_on("CA", ymd(2027, 5, 24)), "Victoria Day");  // 24 May itself is a Monday
    EXPECT_EQ(name_on("CA", ymd(2026, 9, 7)), "Labour Day");
    EXPECT_EQ(name_on("CA", ymd(2026, 9, 30)), "National Day for Truth and Reconciliation");
    EXPECT_EQ(name_on("CA", ymd(2026, 10, 12)), "Thanksgiving Day");
    EXPECT_EQ(name_on("CA", ymd(2026, 4, 3)), "Good Friday");
    EXPECT_EQ(name_on("CA", ymd(2026, 12, 28)), "Boxing Day (substitute day)");
    EXPECT_EQ(name_on("CA", ymd(2029, 7, 2)), "Canada Day (substitute day)");  // 1 Jul 2029: Sunday
}

TEST(Holidays, OtherCountries2026) {
    EXPECT_EQ(name_on("IT", ymd(2026, 6, 2)), "Republic Day");
    EXPECT_EQ(name_on("IT", ymd(2026, 4, 25)), "Liberation Day");
    EXPECT_TRUE(is_holiday("IT", ymd(2026, 4, 6)));
    EXPECT_EQ(name_on("ES", ymd(2026, 10, 12)), "National Day of Spain");
    EXPECT_EQ(name_on("ES", ymd(2026, 4, 3)), "Good Friday");
    EXPECT_TRUE(is_holiday("ES", ymd(2026, 12, 8)));
    EXPECT_FALSE(is_holiday("ES", ymd(2026, 4, 6)));  // Easter Monday: some communities only
    EXPECT_EQ(name_on("BE", ymd(2026, 7, 21)), "Belgian National Day");
    EXPECT_EQ(holidays("BE", 2026).size(), 10u);
    EXPECT_EQ(name_on("LU", ymd(2026, 6, 23)), "National Day");
    EXPECT_EQ(name_on("LU", ymd(2026, 5, 9)), "Europe Day");
    EXPECT_FALSE(is_holiday("LU", ymd(2018, 5, 9)));  // from 2019
    EXPECT_EQ(name_on("CH", ymd(2026, 8, 1)), "Swiss National Day");
    EXPECT_TRUE(is_holiday("CH", ymd(2026, 1, 2)));
    EXPECT_TRUE(is_holiday("CH", ymd(2026, 5, 14)));
}

TEST(Holidays, UnknownCountryNamesTheSupportedOnes) {
    try {
        holidays("XX", 2026);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'XX'"), std::string::npos) << what;
        for (const auto& c : supported_countries()) EXPECT_NE(what.find(c), std::string::npos);
    }
    EXPECT_THROW(is_holiday("", ymd(2026, 1, 1)), std::invalid_argument);
    EXPECT_THROW(holidays("FR", 1200), std::invalid_argument);
    EXPECT_EQ(supported_countries().size(), 10u);
    EXPECT_EQ(normalize_country("uk"), "GB");
}

}  // namespace
}  // namespace relance::calendar
