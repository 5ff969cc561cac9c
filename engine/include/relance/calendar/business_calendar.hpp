// Business days: not a weekend day, not a holiday of any of the calendar's countries, not a
// blackout date.
//
// add_business_days(from, n) counts business days strictly after `from` (n > 0) or strictly
// before it (n < 0): `from` itself never counts, whether or not it is a business day. So Friday
// + 1 and Saturday + 1 are both Monday (when Monday is a business day). n == 0 rolls forward:
// `from` itself if it is a business day, else the next business day.
#pragma once

#include <date/date.h>

#include <string>
#include <vector>

namespace relance::calendar {

class BusinessCalendar {
  public:
    // Throws std::invalid_argument for an unknown country, an invalid blackout date, or a weekend
    // covering all seven days.
    explicit BusinessCalendar(std::vector<std::string> countries = {},
                              std::vector<date::year_month_day> blackout_dates = {},
                              std::vector<date::weekday> weekend = {date::Saturday, date::Sunday});

    bool is_weekend(date::weekday wd) const;
    bool is_blackout(date::year_month_day day) const;
    bool is_holiday(date::year_month_day day) const;  // in any of the countries
    bool is_business_day(date::year_month_day day) const;
    // A date closed whatever its weekday: what closes a send window (whose own days decide the
    // weekday, so the weekend rule does not apply to it).
    bool is_holiday_or_blackout(date::year_month_day day) const;

    // See the header comment. Blackout dates are skipped without counting towards the search
    // limit, so a finite blackout list never exhausts it; std::runtime_error is kept for ten
    // years of consecutive weekend days and holidays, which no calendar has.
    date::year_month_day add_business_days(date::year_month_day from, int n) const;
    // `day` if it is a business day, else the first business day after it (add_business_days(day,
    // 0)).
    date::year_month_day next_business_day(date::year_month_day day) const;

    const std::vector<std::string>& countries() const { return countries_; }  // normalized codes
    const std::vector<date::sys_days>& blackout_dates() const { return blackouts_; }  // sorted

  private:
    std::vector<std::string> countries_;
    std::vector<date::sys_days> blackouts_;
    unsigned weekend_mask_ = 0;  // bit n set: weekday with c_encoding n (0 = Sunday) is off
};

}  // namespace relance::calendar
