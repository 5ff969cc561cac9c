// Moments and offsets of `wait: {until, offset}` from any bytes: the moment comes from a run's
// data (a webhook body, a CSV field), so it is untrusted. Parsing throws nothing but
// std::invalid_argument; a moment that parses reads the same instant in every zone when it names
// its own zone, and a bare one lands within a day of UTC; calendar days move it back and forth to
// the same instant unless a DST gap or overlap was crossed; an offset that parses is bounded.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <relance/calendar/moment.hpp>
#include <relance/model/workflow.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace cal = relance::calendar;
using namespace std::chrono_literals;

void check_moment(std::string_view text) {
    static const std::array<const date::time_zone*, 4> zones{
        cal::find_zone("UTC"), cal::find_zone("Europe/Paris"), cal::find_zone("America/New_York"),
        cal::find_zone("Asia/Kolkata")};
    relance::TimePoint first{};
    bool first_zoned = false;
    for (std::size_t i = 0; i < zones.size(); ++i) {
        bool zoned = false;
        relance::TimePoint at;
        try {
            at = cal::parse_moment(text, zones[i], &zoned);
        } catch (const std::invalid_argument&) {
            if (i != 0) std::abort();  // a text is a moment in every zone or in none
            return;
        }
        if (i == 0) {
            first = at;
            first_zoned = zoned;
            continue;
        }
        if (zoned != first_zoned) std::abort();
        if (zoned && at != first) std::abort();
        if (!zoned && (at - first > 26h || first - at > 26h)) std::abort();
        // Back and forth by calendar days keeps the instant, unless the day reached is a DST
        // change or a historical shift of the zone (where the local time may not exist or exist
        // twice).
        const auto there = cal::add_calendar_days(at, -1, zones[i]);
        const auto back = cal::add_calendar_days(there, 1, zones[i]);
        if (back - at > 3h || at - back > 3h) std::abort();
    }
}

void check_offset(const std::string& text) {
    const auto offset = relance::model::parse_moment_offset(text);
    if (!offset) return;
    if (offset->days > 100'000 || offset->days < -100'000) std::abort();
    if (offset->business_days != 0 && (offset->days != 0 || offset->exact.count() != 0))
        std::abort();  // business days never mix with other units
    if (offset->business_days > 9999 || offset->business_days < -9999) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // both are short texts; length adds nothing to find
    const std::string text(reinterpret_cast<const char*>(data), size);
    check_moment(text);
    check_offset(text);
    return 0;
}
