// Moments written in data, for `wait: {until, offset}`: "2026-04-02T18:00" (a wall-clock time in
// the contact's zone), "2026-04-02T16:00:00Z" or "2026-04-02T18:00:00+02:00" (an instant as
// written), "2026-04-02" (that day's local midnight). The text is read by calendar::parse_instant,
// the one parser of dates and times; only the zone a bare time is read in differs.
#pragma once

#include <string_view>

#include "relance/base/clock.hpp"
#include "relance/calendar/zones.hpp"

namespace relance::calendar {

// The instant `text` names. Without 'Z' or an offset it is a wall-clock time in `tz`, converted
// with the gap/overlap rule of zones.hpp. `zoned` (optional) tells whether the text carried its
// own zone. Throws std::invalid_argument quoting the text and what is wrong with it.
TimePoint parse_moment(std::string_view text, const date::time_zone* tz, bool* zoned = nullptr);

// `t` moved by `days` calendar days in `tz` (negative: back): the same local time of day on the
// day reached, with the gap/overlap rule, so "one day before 18:00" is 18:00 across a DST change.
TimePoint add_calendar_days(TimePoint t, int days, const date::time_zone* tz);

}  // namespace relance::calendar
