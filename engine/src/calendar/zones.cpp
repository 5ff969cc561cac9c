#include "relance/calendar/zones.hpp"

#include <stdexcept>

namespace relance::calendar {
namespace {

void require_zone(const date::time_zone* tz) {
    if (tz == nullptr) throw std::invalid_argument("time zone is null");
}

const date::time_zone* try_zone(const std::string& name) {
    if (name.empty()) return nullptr;
    date::get_tzdb();  // a missing tz database is an installation error: let it propagate
    try {
        return date::locate_zone(name);
    } catch (const std::runtime_error&) {
        return nullptr;
    }
}

}  // namespace

const date::time_zone* find_zone(const std::string& name) {
    if (const auto* tz = try_zone(name)) return tz;
    throw std::invalid_argument("unknown time zone '" + name + "'");
}

const date::time_zone* resolve_zone(const std::vector<std::string>& candidates) {
    for (const auto& name : candidates) {
        if (const auto* tz = try_zone(name)) return tz;
    }
    return find_zone("UTC");
}

const date::time_zone* resolve_zone(std::initializer_list<std::string> candidates) {
    for (const auto& name : candidates) {
        if (const auto* tz = try_zone(name)) return tz;
    }
    return find_zone("UTC");
}

LocalTime to_local(TimePoint t, const date::time_zone* tz) {
    require_zone(tz);
    return tz->to_local(t);
}

TimePoint to_utc(LocalTime local, const date::time_zone* tz) {
    require_zone(tz);
    const auto info = tz->get_info(local);
    switch (info.result) {
        case date::local_info::nonexistent:
            // first.end == second.begin: the transition, first valid instant after the gap.
            return std::chrono::time_point_cast<Millis>(info.first.end);
        case date::local_info::ambiguous:  // earliest: the offset in force before the change
        case date::local_info::unique:
        default:
            return TimePoint{local.time_since_epoch() - info.first.offset};
    }
}

TimePoint add_business_days(TimePoint t, int n, const date::time_zone* tz,
                            const BusinessCalendar& cal) {
    const LocalTime local = to_local(t, tz);
    const auto day = date::floor<date::days>(local);
    const auto time_of_day = local - day;
    const auto target = cal.add_business_days(date::year_month_day{day}, n);
    return to_utc(date::local_days{target} + time_of_day, tz);
}

}  // namespace relance::calendar
