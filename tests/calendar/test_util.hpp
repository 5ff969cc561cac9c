#pragma once

#include "relance/base/clock.hpp"

#include <date/date.h>

#include <chrono>

namespace relance::calendar::test {

inline date::year_month_day ymd(int y, unsigned m, unsigned d) {
    return date::year{y} / date::month{m} / date::day{d};
}

// A UTC instant.
inline TimePoint utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return TimePoint{date::sys_days{ymd(y, m, d)} + std::chrono::hours{h} +
                     std::chrono::minutes{min}};
}

}  // namespace relance::calendar::test
