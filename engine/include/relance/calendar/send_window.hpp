// Send windows: the local hours, per weekday, in which a step may send.
//
// A window holds, for each weekday, a sorted list of disjoint blocks [start, end) in minutes since
// local midnight (overlapping or touching blocks are merged when added). It is evaluated in a
// time zone given at each call (see resolve_zone for the fallback chain), on the local wall clock:
//   - is_open(t): the local time of `t` lies in a block of its local weekday (and, with a
//     calendar, its local date is neither a holiday nor a blackout date). The window's own days
//     decide the weekday: the calendar's weekend does not close a block written for Saturday;
//   - next_open(t): `t` if open, else the earliest block start after `t`, local start converted
//     to UTC with the gap/overlap rule of zones.hpp. A block starting inside a spring-forward gap
//     opens at the end of the gap; a block lying wholly inside the gap does not open that day.
//     A block starting at a time repeated by a fall-back opens at the first occurrence; if `t`
//     lies between the two occurrences and the window is closed at `t`, it reopens at the second.
//
// Spec text accepted by parse() (whitespace-tolerant, case-insensitive day names):
//     "mon-fri 09:00-12:00, 14:00-17:30; sat 10:00-12:00; tz Europe/Paris"
// Clauses are separated by ';'. A clause is a day list (mon..sun, ranges "mon-fri", wrapping
// ranges "fri-mon", lists "mon,wed") then one or more blocks HH:MM-HH:MM (end may be 24:00), or
// "tz <IANA name>" to set the window's own zone (the workflow-default link of the fallback chain).
#pragma once

#include <date/tz.h>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "relance/base/clock.hpp"
#include "relance/calendar/business_calendar.hpp"

namespace relance::calendar {

struct TimeBlock {
    std::chrono::minutes start;  // since local midnight, inclusive
    std::chrono::minutes end;    // exclusive; start < end <= 24:00

    friend bool operator==(const TimeBlock&, const TimeBlock&) = default;
};

class SendWindow {
  public:
    // Index = weekday c_encoding (0 = Sunday ... 6 = Saturday).
    using Week = std::array<std::vector<TimeBlock>, 7>;

    SendWindow() = default;  // closed every day
    // Validates every block (std::invalid_argument), sorts and merges.
    explicit SendWindow(Week week, std::string zone_name = {});

    // Adds a block to one weekday; throws std::invalid_argument unless 0 <= start < end <= 24:00.
    SendWindow& add(date::weekday day, TimeBlock block);

    // std::invalid_argument on bad text, and on a spec with no block on any day ("tz X" alone).
    static SendWindow parse(std::string_view spec);
    std::string to_string() const;  // canonical spec text, parse() round-trips

    const std::vector<TimeBlock>& blocks(date::weekday day) const;
    bool empty() const;  // no block on any day

    // The window's own zone name, empty if none. Not used by is_open/next_open: pass it as the
    // middle candidate of resolve_zone.
    const std::string& zone_name() const { return zone_name_; }
    void set_zone_name(std::string name);  // validated with find_zone unless empty

    // `tz` must not be null (std::invalid_argument).
    bool is_open(TimePoint t, const date::time_zone* tz,
                 const BusinessCalendar* cal = nullptr) const;
    // Throws std::invalid_argument for an empty window. Any other window opens: blackout dates
    // are finite and holidays sparse, so the scan always reaches a listed day nothing closes
    // (std::runtime_error is kept for a window none of whose next 60 open days lets it open).
    TimePoint next_open(TimePoint t, const date::time_zone* tz,
                        const BusinessCalendar* cal = nullptr) const;

    friend bool operator==(const SendWindow&, const SendWindow&) = default;

  private:
    Week week_;
    std::string zone_name_;
};

}  // namespace relance::calendar
