// IANA time zones (Howard Hinnant's date library, reading the system tzdata in
// /usr/share/zoneinfo) and the conversions between UTC instants and local wall-clock times.
//
// Local -> UTC follows one rule everywhere in relance:
//   - a local time that does not exist (inside a spring-forward gap, e.g. 02:30 in Paris on the
//     last Sunday of March) maps to the first valid instant after the gap, i.e. the transition
//     itself (03:00 local);
//   - a local time that occurs twice (fall-back) maps to the earliest of the two instants.
#pragma once

#include "relance/calendar/business_calendar.hpp"
#include "relance/base/clock.hpp"

#include <date/tz.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace relance::calendar {

using LocalTime = date::local_time<Millis>;

// The zone named `name` ("Europe/Paris"). Throws std::invalid_argument("unknown time zone 'X'")
// when there is no such zone (an empty name included).
const date::time_zone* find_zone(const std::string& name);

// The fallback chain (contact -> workflow default -> sender): the first candidate that is
// non-empty and names a known zone; invalid names are skipped. UTC when none qualifies.
const date::time_zone* resolve_zone(std::initializer_list<std::string> candidates);
const date::time_zone* resolve_zone(const std::vector<std::string>& candidates);

// UTC instant -> local wall-clock time in `tz`.
LocalTime to_local(TimePoint t, const date::time_zone* tz);
// Local wall-clock time in `tz` -> UTC instant, with the gap/overlap rule above.
TimePoint to_utc(LocalTime local, const date::time_zone* tz);

// `t` moved by n business days of `cal`, keeping the local time of day in `tz`. The local date
// moves as BusinessCalendar::add_business_days does (n == 0 rolls a non-business day forward);
// the time of day is then converted back with the gap/overlap rule above.
TimePoint add_business_days(TimePoint t, int n, const date::time_zone* tz,
                            const BusinessCalendar& cal);

}  // namespace relance::calendar
