// Cron expressions: the five-field schedule of a `cron:` trigger ("0 9 * * mon-fri") and the
// instants at which it fires in a time zone. Syntax, macros and rules: docs/cron.md.
//
// Fires are local wall-clock minutes of the zone, converted to UTC with the rule of zones.hpp:
//   - a slot inside a spring-forward gap fires once, at the first instant after the gap (the
//     transition); every slot of the same gap collapses into that one fire;
//   - a slot repeated by a fall-back fires once, at its first occurrence; nothing fires during
//     the second pass of the repeated wall-clock times.
// Everything here is pure computation: nothing reads the clock.
#pragma once

#include <date/tz.h>

#include <bitset>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "relance/base/clock.hpp"
#include "relance/calendar/zones.hpp"

namespace relance::calendar {

// Longest expression parse_cron accepts, in bytes.
inline constexpr std::size_t kMaxCronBytes = 256;

// A cron expression that does not parse. what() reads "column 9: day-of-month 32 is out of range
// (1-31)": the 1-based byte column of the offending text in the expression as given (leading
// whitespace included), then, when one field is at fault, that field's name.
struct CronError : std::invalid_argument {
    CronError(std::size_t column, const std::string& message);
    std::size_t column;
};

// A parsed expression: the set of values of each field.
struct CronSpec {
    std::bitset<60> minutes;        // 0-59
    std::bitset<24> hours;          // 0-23
    std::bitset<32> days_of_month;  // 1-31; bit 0 is never set
    std::bitset<13> months;         // 1-12; bit 0 is never set
    std::bitset<7> days_of_week;    // 0 = Sunday ... 6 = Saturday (7 is read as Sunday)
    // Vixie cron's rule: a day field is restricted unless its text starts with '*'. When both day
    // fields are restricted a day matches if either does, otherwise it must match both.
    bool days_of_month_restricted = false;
    bool days_of_week_restricted = false;

    friend bool operator==(const CronSpec&, const CronSpec&) = default;
};

// Five whitespace-separated fields (minute hour day-of-month month day-of-week) or one macro
// (@yearly @annually @monthly @weekly @daily @midnight @hourly). Throws CronError for anything
// else, including text over kMaxCronBytes.
CronSpec parse_cron(std::string_view text);

// Whether the local wall-clock minute containing `local` is one of the spec's slots.
bool matches(const CronSpec& spec, LocalTime local);

// The first fire strictly after `after`, evaluated on the wall clock of `zone`. std::nullopt when
// the spec never fires ("0 0 30 2 *"): the search covers 400 years, one full cycle of the
// Gregorian calendar, and a spec that does not fire within one cycle never fires. It stops at the
// end of year 9999, and `after` must lie in years 1 to 9999 (std::nullopt otherwise).
std::optional<TimePoint> next_fire(const CronSpec& spec, const date::time_zone& zone,
                                   TimePoint after);

// The fires in (from, to], oldest first, at most `limit` of them: what a scheduler missed while
// it was down, for its missed-fire policy (skip, fire once, catch up). Returns `limit` fires when
// there are more; ask again from the last one to page on.
std::vector<TimePoint> fires_between(const CronSpec& spec, const date::time_zone& zone,
                                     TimePoint from, TimePoint to, std::size_t limit);

}  // namespace relance::calendar
