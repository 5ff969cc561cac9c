// The workspace calendar of the config file: blackout dates and holiday countries that reach
// every run of the workspace; every mistake with file:line:col.
#include <relance/model/config.hpp>

#include "helpers.hpp"

namespace relance::model::testing {
namespace {

TEST(ConfigCalendar, LoadsBlackoutDatesAndHolidays) {
    Config c = load_config_text(R"(calendar:
  blackout_dates: [2026-12-24, "2026-12-31"]
  holidays: [fr, UK, FR]
)",
                                "relance.yaml");
    EXPECT_EQ(c.calendar.blackout_dates, (std::vector<std::string>{"2026-12-24", "2026-12-31"}));
    EXPECT_EQ(c.calendar.holidays, (std::vector<std::string>{"FR", "GB"}));  // each once
    EXPECT_FALSE(c.calendar.empty());
    // A single value needs no list; an empty calendar is allowed.
    Config one = load_config_text("calendar: {blackout_dates: 2026-12-24, holidays: US}\n", "r");
    EXPECT_EQ(one.calendar.blackout_dates, (std::vector<std::string>{"2026-12-24"}));
    EXPECT_EQ(one.calendar.holidays, (std::vector<std::string>{"US"}));
    EXPECT_TRUE(load_config_text("calendar:\n", "r").calendar.empty());
    EXPECT_TRUE(load_config_text("senders: []\n", "r").calendar.empty());
}

TEST(ConfigCalendar, EveryMistakeIsReportedWithItsPosition) {
    auto ds = config_errors(R"(calendar:
  blackout_dates: [2026-12-24, 2026-02-30, 24/12/2026, {a: 1}]
  holidays: [FR, Narnia]
  holiday: [FR]
)");
    EXPECT_TRUE(has_diag(ds, 2, 32, "invalid blackout date '2026-02-30': 2026-02 has no day 30"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 2, 44, "invalid blackout date '24/12/2026'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 2, 56, "'blackout_dates' lists text values")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 18, "unknown holiday country 'Narnia'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 4, 3, "unknown key 'holiday' in calendar (did you mean 'holidays'"))
        << dump(ds);
    auto not_a_map = config_errors("calendar: [2026-12-24]\n");
    EXPECT_TRUE(has_diag(not_a_map, 1, 11, "'calendar' must be a mapping")) << dump(not_a_map);
}

}  // namespace
}  // namespace relance::model::testing
