// Dates and times written by people: the one parser for every date and time the engine reads
// (workflow blackout dates, config dates, send-window hours, --start and --at instants).
//
// Each is a single left-to-right scan with fixed field widths, so nothing is locale-dependent,
// nothing backtracks and no number can overflow; the calendar arithmetic (which days exist,
// instants from fields) is Howard Hinnant's date library. Bad text throws std::invalid_argument
// whose message quotes the text and says what is wrong with it:
//   invalid date '2026-02-30': 2026-02 has no day 30 (expected YYYY-MM-DD, e.g. 2026-12-24)
//
//   parse_date("2026-12-24")                       YYYY-MM-DD, a day that exists
//   parse_clock_time("9:30"), ("24:00")            H:MM or HH:MM, 00:00 to 24:00
//   parse_instant("2026-01-05")                    midnight UTC
//   parse_instant("2026-01-05T09:00")              UTC (also with a space instead of T)
//   parse_instant("2026-01-05T09:00:00.250Z")      seconds and a fraction are optional
//   parse_instant("2026-01-05T10:00:00+01:00")     an offset: +hh:mm, -hh:mm, +hhmm or +hh
#pragma once

#include <date/date.h>

#include <chrono>
#include <string_view>

#include "relance/base/clock.hpp"

namespace relance::calendar {

// `what` names the value in the message: "invalid blackout date '2026-02-30': ...".
date::year_month_day parse_date(std::string_view text, std::string_view what = "date");
std::chrono::minutes parse_clock_time(std::string_view text);
TimePoint parse_instant(std::string_view text);

}  // namespace relance::calendar
