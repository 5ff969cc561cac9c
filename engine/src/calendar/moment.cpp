#include "relance/calendar/moment.hpp"

#include "relance/calendar/date_text.hpp"

namespace relance::calendar {

namespace {

// Whether text that parse_instant accepted names its zone: 'Z', or a sign after the date (the
// date's own '-' are at 4 and 7; the time of day has no sign).
bool names_its_zone(std::string_view text) {
    if (text.size() <= 10) return false;
    const char last = text.back();
    if (last == 'Z' || last == 'z') return true;
    return text.find_first_of("+-", 10) != std::string_view::npos;
}

}  // namespace

TimePoint parse_moment(std::string_view text, const date::time_zone* tz, bool* zoned) {
    const TimePoint read = parse_instant(text);  // throws on bad text, naming it
    const bool own = names_its_zone(text);
    if (zoned) *zoned = own;
    if (own) return read;
    // parse_instant read the fields as UTC: the same fields are the local wall-clock time.
    return to_utc(LocalTime{read.time_since_epoch()}, tz);
}

TimePoint add_calendar_days(TimePoint t, int days, const date::time_zone* tz) {
    if (days == 0) return t;
    return to_utc(to_local(t, tz) + date::days{days}, tz);
}

}  // namespace relance::calendar
