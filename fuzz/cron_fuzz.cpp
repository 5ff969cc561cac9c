// Cron expressions from any bytes: parsing throws nothing but CronError, whose column lies in or
// just past the text; a spec that parses gives fires that are after the instant asked, land on
// one of its local minutes (or end a spring-forward gap), and agree with fires_between.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <relance/calendar/cron.hpp>
#include <relance/calendar/zones.hpp>
#include <string>
#include <string_view>

namespace {

namespace cal = relance::calendar;
using relance::TimePoint;
using namespace std::chrono_literals;

TimePoint utc(int y, unsigned m, unsigned d, int h = 0) {
    return TimePoint{date::sys_days{date::year{y} / date::month{m} / date::day{d}} +
                     std::chrono::hours{h}};
}

// A fire that is not one of the spec's local minutes must be the end of a gap: the wall clock
// jumped over the slot, so the minute before the fire has another offset.
bool gap_end(const date::time_zone& zone, TimePoint fire) {
    return zone.get_info(date::floor<std::chrono::seconds>(fire - 1ms)).offset !=
           zone.get_info(date::floor<std::chrono::seconds>(fire)).offset;
}

void check_fires(const cal::CronSpec& spec, const date::time_zone& zone, TimePoint after) {
    const auto fire = cal::next_fire(spec, zone, after);
    if (!fire) {
        // Never within the 400-year cycle: then never from anywhere.
        if (cal::next_fire(spec, zone, utc(2000, 1, 1))) std::abort();
        return;
    }
    if (*fire <= after) std::abort();
    const auto local = cal::to_local(*fire, &zone);
    if (local != date::floor<std::chrono::minutes>(local)) std::abort();  // whole minutes
    if (!cal::matches(spec, local) && !gap_end(zone, *fire)) std::abort();
    // Nothing fires in between: asked from just before, the same fire comes back.
    if (cal::next_fire(spec, zone, *fire - 1ms) != fire) std::abort();

    const auto listed = cal::fires_between(spec, zone, after, *fire + 3h, 8);
    if (listed.empty() || listed.front() != *fire) std::abort();
    TimePoint previous = after;
    for (const auto t : listed) {
        if (t <= previous || cal::next_fire(spec, zone, previous) != t) std::abort();
        previous = t;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    cal::CronSpec spec;
    try {
        spec = cal::parse_cron(text);
    } catch (const cal::CronError& e) {
        if (e.column < 1 || e.column > std::min(size, cal::kMaxCronBytes) + 1) std::abort();
        if (std::string_view(e.what()).substr(0, 7) != "column ") std::abort();
        return 0;
    }
    if (size > cal::kMaxCronBytes) std::abort();
    if (spec.minutes.none() || spec.hours.none() || spec.days_of_month.test(0) ||
        spec.months.test(0)) {
        std::abort();
    }

    static const std::array<const date::time_zone*, 4> zones{
        cal::find_zone("UTC"), cal::find_zone("Europe/Paris"), cal::find_zone("America/New_York"),
        cal::find_zone("Australia/Lord_Howe")};
    // Ordinary days, the 2026 DST changes of each zone (just before and inside), a leap day.
    static const std::array<TimePoint, 7> afters{utc(2026, 1, 1),
                                                 utc(2026, 3, 8, 6) + 59min,
                                                 utc(2026, 3, 29, 0) + 45min,
                                                 utc(2026, 10, 25, 1) + 10min,
                                                 utc(2026, 11, 1, 6) + 20min,
                                                 utc(2026, 4, 4, 15) + 10min,
                                                 utc(2028, 2, 29, 23) + 30s};
    for (const auto* zone : zones) {
        for (const auto after : afters) check_fires(spec, *zone, after);
    }
    return 0;
}
