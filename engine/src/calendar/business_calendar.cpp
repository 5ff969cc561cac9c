#include "relance/calendar/business_calendar.hpp"

#include <algorithm>
#include <stdexcept>

#include "relance/calendar/holidays.hpp"

namespace relance::calendar {
namespace {

// Ten years of consecutive weekend days and holidays (blackouts not counted) means the calendar
// can never answer.
constexpr int kSearchLimitDays = 3660;

}  // namespace

BusinessCalendar::BusinessCalendar(std::vector<std::string> countries,
                                   std::vector<date::year_month_day> blackout_dates,
                                   std::vector<date::weekday> weekend) {
    for (const auto& c : countries) {
        auto code = normalize_country(c);
        if (std::find(countries_.begin(), countries_.end(), code) == countries_.end()) {
            countries_.push_back(std::move(code));
        }
    }
    for (const auto& d : blackout_dates) {
        if (!d.ok()) throw std::invalid_argument("invalid blackout date");
        blackouts_.push_back(date::sys_days{d});
    }
    std::sort(blackouts_.begin(), blackouts_.end());
    blackouts_.erase(std::unique(blackouts_.begin(), blackouts_.end()), blackouts_.end());
    for (const auto& wd : weekend) {
        if (!wd.ok()) throw std::invalid_argument("invalid weekend day");
        weekend_mask_ |= 1u << wd.c_encoding();
    }
    if (weekend_mask_ == 0x7f) {
        throw std::invalid_argument("a weekend of all seven days leaves no business day");
    }
}

bool BusinessCalendar::is_weekend(date::weekday wd) const {
    return (weekend_mask_ >> wd.c_encoding()) & 1u;
}

bool BusinessCalendar::is_blackout(date::year_month_day day) const {
    return std::binary_search(blackouts_.begin(), blackouts_.end(), date::sys_days{day});
}

bool BusinessCalendar::is_holiday(date::year_month_day day) const {
    return std::any_of(countries_.begin(), countries_.end(),
                       [&](const std::string& c) { return calendar::is_holiday(c, day); });
}

bool BusinessCalendar::is_business_day(date::year_month_day day) const {
    if (!day.ok()) throw std::invalid_argument("is_business_day: invalid date");
    return !is_weekend(date::weekday{date::sys_days{day}}) && !is_holiday_or_blackout(day);
}

bool BusinessCalendar::is_holiday_or_blackout(date::year_month_day day) const {
    if (!day.ok()) throw std::invalid_argument("is_holiday_or_blackout: invalid date");
    return is_blackout(day) || is_holiday(day);
}

date::year_month_day BusinessCalendar::add_business_days(date::year_month_day from, int n) const {
    if (!from.ok()) throw std::invalid_argument("add_business_days: invalid date");
    date::sys_days d{from};
    const date::days step{n < 0 ? -1 : 1};
    int remaining = n < 0 ? -n : n;
    int scanned = 0;  // consecutive non-business days seen
    if (remaining == 0) {
        while (!is_business_day(date::year_month_day{d})) {
            if (!is_blackout(date::year_month_day{d}) && ++scanned > kSearchLimitDays) break;
            d += step;
        }
    }
    while (remaining > 0 && scanned <= kSearchLimitDays) {
        d += step;
        if (is_business_day(date::year_month_day{d})) {
            --remaining;
            scanned = 0;
        } else if (!is_blackout(date::year_month_day{d})) {
            ++scanned;  // blackouts are finite: they never count towards giving up
        }
    }
    if (scanned > kSearchLimitDays) {
        throw std::runtime_error("no business day within ten years of the start date");
    }
    return date::year_month_day{d};
}

date::year_month_day BusinessCalendar::next_business_day(date::year_month_day day) const {
    return add_business_days(day, 0);
}

}  // namespace relance::calendar
