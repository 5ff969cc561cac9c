#include "relance/calendar/send_window.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

#include "relance/calendar/date_text.hpp"
#include "relance/calendar/zones.hpp"

namespace relance::calendar {
namespace {

using std::chrono::minutes;

constexpr minutes kDay{24 * 60};
// How many open days of the window next_open looks at before giving up (see next_open).
constexpr int kMaxOpenListedDays = 60;

// Monday-first order, used for the spec text.
constexpr unsigned kMondayFirst[] = {1, 2, 3, 4, 5, 6, 0};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr const char* kFullDayNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

void validate(const TimeBlock& b) {
    if (b.start < minutes{0} || b.end > kDay || b.start >= b.end) {
        throw std::invalid_argument("send window: a block needs 00:00 <= start < end <= 24:00");
    }
}

void normalize(std::vector<TimeBlock>& blocks) {
    std::sort(blocks.begin(), blocks.end(),
              [](const TimeBlock& a, const TimeBlock& b) { return a.start < b.start; });
    std::vector<TimeBlock> merged;
    for (const auto& b : blocks) {
        if (!merged.empty() && b.start <= merged.back().end) {
            merged.back().end = std::max(merged.back().end, b.end);
        } else {
            merged.push_back(b);
        }
    }
    blocks = std::move(merged);
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string strip_spaces_lower(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (pos == std::string::npos) return out;
        start = pos + 1;
    }
}

[[noreturn]] void fail(const std::string& what, const std::string& clause) {
    throw std::invalid_argument("send window: " + what + " in '" + clause + "'");
}

unsigned parse_day(const std::string& name, const std::string& clause) {
    if (name.size() >= 3) {
        for (unsigned i = 0; i < 7; ++i) {
            if (std::string_view(kFullDayNames[i]).starts_with(name)) return i;
        }
    }
    fail("unknown day '" + name + "'", clause);
}

minutes parse_time(const std::string& text, const std::string& clause) {
    try {
        return parse_clock_time(text);
    } catch (const std::invalid_argument& e) {
        fail(e.what(), clause);
    }
}

std::string format_time(minutes m) {
    auto two = [](long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    return two(m.count() / 60) + ":" + two(m.count() % 60);
}

// Instants at which a local time occurs: one, none (gap: the transition instead), or two.
std::vector<TimePoint> occurrences(LocalTime local, const date::time_zone* tz) {
    const auto info = tz->get_info(local);
    switch (info.result) {
        case date::local_info::nonexistent:
            return {std::chrono::time_point_cast<Millis>(info.first.end)};
        case date::local_info::ambiguous:
            return {TimePoint{local.time_since_epoch() - info.first.offset},
                    TimePoint{local.time_since_epoch() - info.second.offset}};
        default:
            return {TimePoint{local.time_since_epoch() - info.first.offset}};
    }
}

}  // namespace

SendWindow::SendWindow(Week week, std::string zone_name) : week_(std::move(week)) {
    for (auto& day : week_) {
        for (const auto& b : day) validate(b);
        normalize(day);
    }
    set_zone_name(std::move(zone_name));
}

SendWindow& SendWindow::add(date::weekday day, TimeBlock block) {
    if (!day.ok()) throw std::invalid_argument("send window: invalid weekday");
    validate(block);
    auto& blocks = week_[day.c_encoding()];
    blocks.push_back(block);
    normalize(blocks);
    return *this;
}

void SendWindow::set_zone_name(std::string name) {
    if (!name.empty()) find_zone(name);
    zone_name_ = std::move(name);
}

const std::vector<TimeBlock>& SendWindow::blocks(date::weekday day) const {
    if (!day.ok()) throw std::invalid_argument("send window: invalid weekday");
    return week_[day.c_encoding()];
}

bool SendWindow::empty() const {
    return std::all_of(week_.begin(), week_.end(), [](const auto& d) { return d.empty(); });
}

SendWindow SendWindow::parse(std::string_view spec) {
    SendWindow w;
    bool any_clause = false;
    for (const auto& raw : split(std::string(spec), ';')) {
        const std::string clause = trim(raw);
        if (clause.empty()) continue;
        any_clause = true;
        if (clause.size() > 2 && (clause[0] == 't' || clause[0] == 'T') &&
            (clause[1] == 'z' || clause[1] == 'Z') &&
            std::isspace(static_cast<unsigned char>(clause[2]))) {
            w.set_zone_name(trim(clause.substr(3)));
            continue;
        }
        const auto first_digit = clause.find_first_of("0123456789");
        if (first_digit == std::string::npos) fail("no time block", clause);
        const std::string days_text = strip_spaces_lower(clause.substr(0, first_digit));
        const std::string blocks_text = strip_spaces_lower(clause.substr(first_digit));
        if (days_text.empty()) fail("no day", clause);

        std::vector<unsigned> days;
        for (const auto& item : split(days_text, ',')) {
            const auto dash = item.find('-');
            if (dash == std::string::npos) {
                days.push_back(parse_day(item, clause));
                continue;
            }
            // A range, in Monday-first order, wrapping past Sunday ("fri-mon").
            auto pos = [](unsigned c) { return (c + 6) % 7; };  // Monday = 0 ... Sunday = 6
            const unsigned from = pos(parse_day(item.substr(0, dash), clause));
            const unsigned to = pos(parse_day(item.substr(dash + 1), clause));
            for (unsigned i = from;; i = (i + 1) % 7) {
                days.push_back(kMondayFirst[i]);
                if (i == to) break;
            }
        }
        for (const auto& item : split(blocks_text, ',')) {
            const auto dash = item.find('-');
            if (dash == std::string::npos) fail("bad block '" + item + "' (HH:MM-HH:MM)", clause);
            TimeBlock b{parse_time(item.substr(0, dash), clause),
                        parse_time(item.substr(dash + 1), clause)};
            if (b.start >= b.end || b.start >= kDay) fail("block '" + item + "' is empty", clause);
            for (unsigned d : days) w.add(date::weekday{d}, b);
        }
    }
    if (!any_clause) throw std::invalid_argument("send window: empty spec");
    // A zone alone would validate and then never let a step send.
    if (w.empty()) throw std::invalid_argument("send window: no time block on any day");
    return w;
}

std::string SendWindow::to_string() const {
    std::string out;
    bool done[7] = {};
    for (unsigned i = 0; i < 7; ++i) {
        const unsigned day = kMondayFirst[i];
        if (done[i] || week_[day].empty()) continue;
        // Every later day with the same blocks joins this clause; consecutive runs become ranges.
        std::vector<unsigned> members;  // Monday-first positions
        for (unsigned j = i; j < 7; ++j) {
            if (!done[j] && week_[kMondayFirst[j]] == week_[day]) {
                members.push_back(j);
                done[j] = true;
            }
        }
        std::string days;
        for (std::size_t k = 0; k < members.size();) {
            std::size_t run_end = k;
            while (run_end + 1 < members.size() && members[run_end + 1] == members[run_end] + 1) {
                ++run_end;
            }
            if (!days.empty()) days += ",";
            days += kDayNames[kMondayFirst[members[k]]];
            if (run_end > k) {
                days += "-";
                days += kDayNames[kMondayFirst[members[run_end]]];
            }
            k = run_end + 1;
        }
        std::string blocks;
        for (const auto& b : week_[day]) {
            if (!blocks.empty()) blocks += ",";
            blocks += format_time(b.start) + "-" + format_time(b.end);
        }
        if (!out.empty()) out += "; ";
        out += days + " " + blocks;
    }
    if (!zone_name_.empty()) out += (out.empty() ? "tz " : "; tz ") + zone_name_;
    return out;
}

bool SendWindow::is_open(TimePoint t, const date::time_zone* tz,
                         const BusinessCalendar* cal) const {
    const LocalTime local = to_local(t, tz);
    const auto day = date::floor<date::days>(local);
    const auto time_of_day = local - day;
    const auto& blocks = week_[date::weekday{day}.c_encoding()];
    const bool in_block = std::any_of(blocks.begin(), blocks.end(), [&](const TimeBlock& b) {
        return b.start <= time_of_day && time_of_day < b.end;
    });
    // The window's own days decide the weekday; the calendar only closes dates.
    return in_block && (cal == nullptr || !cal->is_holiday_or_blackout(date::year_month_day{day}));
}

TimePoint SendWindow::next_open(TimePoint t, const date::time_zone* tz,
                                const BusinessCalendar* cal) const {
    if (empty()) throw std::invalid_argument("send window: no block on any day");
    if (is_open(t, tz, cal)) return t;
    std::optional<TimePoint> best;
    int open_listed_days = 0;  // days the window lists that no holiday or blackout closes
    // From the day before `t`: its blocks may end after `t` in UTC terms (a zone east of UTC).
    for (date::local_days day = date::floor<date::days>(to_local(t, tz)) - date::days{1};;
         day += date::days{1}) {
        const auto& blocks = week_[date::weekday{day}.c_encoding()];
        if (!blocks.empty() &&
            (cal == nullptr || !cal->is_holiday_or_blackout(date::year_month_day{day}))) {
            ++open_listed_days;
            for (const auto& b : blocks) {
                const LocalTime start = day + b.start;
                // A block wholly inside a spring-forward gap never opens.
                if (to_utc(start, tz) >= to_utc(day + b.end, tz)) continue;
                for (TimePoint at : occurrences(start, tz)) {
                    if (at > t && (!best || at < *best)) best = at;
                }
            }
        }
        // Everything on later days starts at or after the next local midnight.
        if (best && to_utc(day + date::days{1}, tz) > *best) return *best;
        // Blackout dates are a finite list and holidays a few dates a year, so the scan always
        // reaches days the window lists that nothing closes; one of the first few of them holds
        // the opening (only a day-long DST gap could empty one). Never reached in practice.
        if (open_listed_days > kMaxOpenListedDays) {
            throw std::runtime_error("send window: none of its blocks opens on the next " +
                                     std::to_string(kMaxOpenListedDays) + " days it lists");
        }
    }
}

}  // namespace relance::calendar
