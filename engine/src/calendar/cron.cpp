#include "relance/calendar/cron.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>

namespace relance::calendar {

CronError::CronError(std::size_t column_, const std::string& message)
    : std::invalid_argument("column " + std::to_string(column_) + ": " + message),
      column(column_) {}

namespace {

using namespace std::chrono_literals;
using LocalMinutes = date::local_time<std::chrono::minutes>;

// ---------------------------------------------------------------------------------------------
// Parsing

constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};

struct Field {
    std::string_view name;
    int min;
    int max;   // largest value that may be written (7 in day-of-week: Sunday again)
    int last;  // where '*' and "a/n" stop (6 in day-of-week: the week is 0-6)
    std::span<const std::string_view> names;  // names[i] is the value min + i
    bool wraps;                               // a range a-b with a > b goes round (the week only)
};

constexpr Field kMinute{"minute", 0, 59, 59, {}, false};
constexpr Field kHour{"hour", 0, 23, 23, {}, false};
constexpr Field kDayOfMonth{"day-of-month", 1, 31, 31, {}, false};
constexpr Field kMonth{"month", 1, 12, 12, kMonthNames, false};
constexpr Field kDayOfWeek{"day-of-week", 0, 7, 6, kDayNames, true};

constexpr std::string_view kFieldList = "minute hour day-of-month month day-of-week";

struct Macro {
    std::string_view name;
    std::string_view fields;
};

constexpr std::array<Macro, 7> kMacros{{{"@yearly", "0 0 1 1 *"},
                                        {"@annually", "0 0 1 1 *"},
                                        {"@monthly", "0 0 1 * *"},
                                        {"@weekly", "0 0 * * 0"},
                                        {"@daily", "0 0 * * *"},
                                        {"@midnight", "0 0 * * *"},
                                        {"@hourly", "0 * * * *"}}};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

std::string hex_byte(unsigned char c) {
    constexpr std::string_view digits = "0123456789ABCDEF";
    return std::string("0x") + digits[c >> 4] + digits[c & 0xF];
}

std::string join_names(std::span<const std::string_view> names) {
    std::string out;
    for (const auto name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// Numbers are read whole for the message but their value stops growing here: anything larger
// is out of range in every field, and the cap keeps the arithmetic from overflowing.
constexpr int kNumberCap = 100000;

// One field's text ("1-5,10-20/2"), read left to right once. Positions are offsets in the
// whole expression so that errors can name the column.
class FieldParser {
  public:
    FieldParser(const Field& field, std::string_view text, std::size_t offset)
        : field_(field), text_(text), offset_(offset) {}

    // Bit v is set for each value v of the field; 7 stays bit 7 in day-of-week.
    std::uint64_t parse() {
        std::uint64_t values = 0;
        for (;;) {
            values |= item();
            if (at_end()) return values;
            if (text_[pos_] != ',')
                fail(pos_, std::string(field_.name) + ": unexpected " + found());
            ++pos_;
        }
    }

  private:
    [[noreturn]] void fail(std::size_t pos, const std::string& message) const {
        throw CronError(offset_ + pos + 1, message);
    }

    bool at_end() const { return pos_ >= text_.size(); }

    std::string found() const {
        if (at_end()) return "end of field";
        return std::string("'") + text_[pos_] + "'";
    }

    std::string expected(bool star) const {
        if (field_.names.empty()) return star ? "a number or '*'" : "a number";
        return star ? "a number, a name or '*'" : "a number or a name";
    }

    // One list element: '*', a value, or a range, each with an optional step.
    std::uint64_t item() {
        const std::size_t start = pos_;
        int lo = 0;
        int hi = 0;
        bool single = false;
        if (!at_end() && text_[pos_] == '*') {
            ++pos_;
            lo = field_.min;
            hi = field_.last;
        } else {
            lo = value(true);
            if (!at_end() && text_[pos_] == '-') {
                ++pos_;
                hi = value(false);
            } else {
                hi = lo;
                single = true;
            }
        }
        const std::string_view written = text_.substr(start, pos_ - start);
        int step = 1;
        if (!at_end() && text_[pos_] == '/') {
            ++pos_;
            step = step_value();
            // "a/n" runs from a to the end of the field (7/n in day-of-week is Sunday alone).
            if (single) hi = std::max(field_.last, lo);
        }
        if (!at_end() && text_[pos_] != ',') {
            fail(pos_, std::string(field_.name) + ": unexpected " + found());
        }
        if (lo <= hi) return every(lo, hi, step);
        if (!field_.wraps) {
            fail(start, std::string(field_.name) + " range " + std::string(written) +
                            " is reversed (only day-of-week ranges wrap around)");
        }
        return wrapped(lo, hi, step);
    }

    std::uint64_t every(int lo, int hi, int step) const {
        std::uint64_t bits = 0;
        for (int v = lo; v <= hi; v += step) bits |= std::uint64_t{1} << v;
        return bits;
    }

    // A day-of-week range that goes round the week: fri-mon is 5, 6, 0, 1.
    std::uint64_t wrapped(int lo, int hi, int step) const {
        if (lo == 7) return every(0, hi, step);  // 7-2 is Sunday to Tuesday
        const int count = hi - lo + 7 + 1;
        std::uint64_t bits = 0;
        for (int k = 0; k < count; k += step) bits |= std::uint64_t{1} << ((lo + k) % 7);
        return bits;
    }

    // A number or a name, checked against the field's range.
    int value(bool star_allowed) {
        const std::size_t start = pos_;
        if (!at_end() && is_digit(text_[pos_])) {
            int n = 0;
            while (!at_end() && is_digit(text_[pos_])) {
                n = std::min(n * 10 + (text_[pos_] - '0'), kNumberCap);
                ++pos_;
            }
            if (n < field_.min || n > field_.max) {
                fail(start, std::string(field_.name) + " " +
                                std::string(text_.substr(start, pos_ - start)) +
                                " is out of range (" + std::to_string(field_.min) + "-" +
                                std::to_string(field_.max) + ")");
            }
            return n;
        }
        if (!at_end() && is_letter(text_[pos_])) {
            while (!at_end() && is_letter(text_[pos_])) ++pos_;
            const std::string_view word = text_.substr(start, pos_ - start);
            if (field_.names.empty()) {
                fail(start, std::string(field_.name) + ": '" + std::string(word) +
                                "' is not a number (names are only accepted in month and "
                                "day-of-week)");
            }
            for (std::size_t i = 0; i < field_.names.size(); ++i) {
                if (equals_ignoring_case(word, field_.names[i])) {
                    return field_.min + static_cast<int>(i);
                }
            }
            fail(start, "unknown " + std::string(field_.name) + " name '" + std::string(word) +
                            "' (expected " + join_names(field_.names) + ")");
        }
        fail(pos_, std::string(field_.name) + ": expected " + expected(star_allowed) + ", found " +
                       found());
    }

    // The n of "/n": at least 1, at most the number of values of the field.
    int step_value() {
        const std::size_t start = pos_;
        if (at_end() || !is_digit(text_[pos_])) {
            fail(pos_,
                 std::string(field_.name) + ": expected a step number after '/', found " + found());
        }
        int n = 0;
        while (!at_end() && is_digit(text_[pos_])) {
            n = std::min(n * 10 + (text_[pos_] - '0'), kNumberCap);
            ++pos_;
        }
        const int span = field_.last - field_.min + 1;
        if (n < 1 || n > span) {
            fail(start, std::string(field_.name) + " step " +
                            std::string(text_.substr(start, pos_ - start)) +
                            " is out of range (1-" + std::to_string(span) + ")");
        }
        return n;
    }

    const Field& field_;
    std::string_view text_;
    std::size_t offset_;
    std::size_t pos_ = 0;
};

struct Token {
    std::size_t offset;  // 0-based, in the whole expression
    std::string_view text;
};

std::vector<Token> split_fields(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_blank(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !is_blank(text[i])) ++i;
        if (i > start) tokens.push_back({start, text.substr(start, i - start)});
    }
    return tokens;
}

// Only printable ASCII, spaces and tabs reach the field parsers.
void check_bytes(std::string_view text) {
    if (text.size() > kMaxCronBytes) {
        throw CronError(kMaxCronBytes + 1, "cron expression is " + std::to_string(text.size()) +
                                               " bytes long, the limit is " +
                                               std::to_string(kMaxCronBytes));
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            throw CronError(i + 1,
                            "non-ASCII byte " + hex_byte(c) + " (cron expressions are ASCII)");
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            throw CronError(i + 1, "control character " + hex_byte(c) +
                                       " (separate fields with spaces or tabs)");
        }
    }
}

CronSpec parse_fields(const std::vector<Token>& tokens) {
    static constexpr std::array<const Field*, 5> fields{&kMinute, &kHour, &kDayOfMonth, &kMonth,
                                                        &kDayOfWeek};
    std::array<std::uint64_t, 5> values{};
    for (std::size_t i = 0; i < fields.size(); ++i) {
        values[i] = FieldParser(*fields[i], tokens[i].text, tokens[i].offset).parse();
    }
    CronSpec spec;
    spec.minutes = std::bitset<60>(values[0]);
    spec.hours = std::bitset<24>(values[1]);
    spec.days_of_month = std::bitset<32>(values[2]);
    spec.months = std::bitset<13>(values[3]);
    // 7 is Sunday, as 0.
    spec.days_of_week = std::bitset<7>((values[4] | (values[4] >> 7)) & 0x7F);
    spec.days_of_month_restricted = tokens[2].text.front() != '*';
    spec.days_of_week_restricted = tokens[4].text.front() != '*';
    return spec;
}

CronSpec parse_macro(const std::vector<Token>& tokens) {
    const Token& name = tokens.front();
    for (const auto& macro : kMacros) {
        if (!equals_ignoring_case(name.text, macro.name)) continue;
        if (tokens.size() > 1) {
            throw CronError(tokens[1].offset + 1,
                            "unexpected text after " + std::string(macro.name));
        }
        return parse_fields(split_fields(macro.fields));
    }
    throw CronError(name.offset + 1, "unknown macro '" + std::string(name.text) +
                                         "' (expected @yearly, @annually, @monthly, @weekly, "
                                         "@daily, @midnight or @hourly)");
}

// ---------------------------------------------------------------------------------------------
// Matching and searching, on the local wall clock

// The spec as integer masks, so that each step of the search is a few bit operations.
class Slots {
  public:
    explicit Slots(const CronSpec& spec)
        : minutes_(spec.minutes.to_ullong()),
          hours_(static_cast<std::uint32_t>(spec.hours.to_ulong())),
          days_of_month_(static_cast<std::uint32_t>(spec.days_of_month.to_ulong())),
          months_(static_cast<std::uint32_t>(spec.months.to_ulong())),
          days_of_week_(static_cast<std::uint32_t>(spec.days_of_week.to_ulong())),
          either_day_(spec.days_of_month_restricted && spec.days_of_week_restricted) {}

    bool month(date::month m) const { return (months_ >> static_cast<unsigned>(m)) & 1u; }

    // Bit d is set for each day d of the month that matches (Vixie's day-of-month/day-of-week
    // rule included).
    std::uint32_t days(date::year_month ym) const {
        const unsigned last = static_cast<unsigned>((ym / date::last).day());
        const unsigned first_weekday = date::weekday{date::sys_days{ym / 1}}.c_encoding();
        std::uint32_t in_month = 0;
        std::uint32_t by_weekday = 0;
        for (unsigned d = 1; d <= last; ++d) {
            in_month |= 1u << d;
            if ((days_of_week_ >> ((first_weekday + d - 1) % 7)) & 1u) by_weekday |= 1u << d;
        }
        const std::uint32_t by_day = days_of_month_ & in_month;
        return either_day_ ? (by_day | by_weekday) : (by_day & by_weekday);
    }

    // The first slot of a day at or after `from` (minutes since midnight).
    std::optional<std::chrono::minutes> first_time(std::chrono::minutes from) const {
        const auto from_minutes = static_cast<unsigned>(from.count());
        for (unsigned h = from_minutes / 60; h < 24; ++h) {
            if (!((hours_ >> h) & 1u)) continue;
            const unsigned skip = h == from_minutes / 60 ? from_minutes % 60 : 0;
            const std::uint64_t left = (minutes_ >> skip) << skip;
            if (left != 0) {
                return std::chrono::minutes{h * 60 + static_cast<unsigned>(std::countr_zero(left))};
            }
        }
        return std::nullopt;
    }

    bool time(unsigned hour, unsigned minute) const {
        return ((hours_ >> hour) & 1u) && ((minutes_ >> minute) & 1u);
    }

  private:
    std::uint64_t minutes_;
    std::uint32_t hours_;
    std::uint32_t days_of_month_;
    std::uint32_t months_;
    std::uint32_t days_of_week_;
    bool either_day_;
};

// The first slot at or after `from` whose day is not after `last_day`. Steps a month at a time,
// then a matching day, then a matching time, so the cost does not grow with the distance.
std::optional<LocalMinutes> next_slot(const Slots& slots, LocalMinutes from,
                                      date::local_days last_day) {
    const auto from_day = date::floor<date::days>(from);
    const date::year_month_day from_date{from_day};
    date::year_month ym = from_date.year() / from_date.month();
    unsigned first_day = static_cast<unsigned>(from_date.day());
    while (date::local_days{ym / 1} <= last_day) {
        if (slots.month(ym.month())) {
            std::uint32_t candidates = slots.days(ym) & ~((1u << first_day) - 1u);
            while (candidates != 0) {
                const auto d = static_cast<unsigned>(std::countr_zero(candidates));
                const date::local_days day{ym / date::day{d}};
                if (day > last_day) return std::nullopt;
                const auto time = slots.first_time(day == from_day ? from - from_day : 0min);
                if (time) return day + *time;
                candidates &= candidates - 1;
            }
        }
        ym += date::months{1};
        first_day = 1;
    }
    return std::nullopt;
}

// 400 Gregorian years are exactly 146097 days, a whole number of weeks: the calendar repeats,
// so a day pattern not met in that span is never met.
constexpr date::days kGregorianCycle{146097};

const TimePoint kFirstInstant{date::sys_days{date::year{1} / 1 / 1}};
const TimePoint kEndInstant{date::sys_days{date::year{10000} / 1 / 1}};
const date::local_days kLastDay{date::year{9999} / 12 / 31};

bool in_domain(TimePoint t) {
    return t >= kFirstInstant && t < kEndInstant;
}

// next_fire, with the search stopped after local day `last_day`.
std::optional<TimePoint> next_fire_until(const Slots& slots, const date::time_zone& zone,
                                         TimePoint after, date::local_days last_day) {
    // Every slot up to the local minute of `after` maps to an instant at or before `after`
    // (the local -> UTC mapping never goes backwards), so the search starts one minute later.
    LocalMinutes from = date::floor<std::chrono::minutes>(to_local(after, &zone)) + 1min;
    for (;;) {
        const auto slot = next_slot(slots, from, last_day);
        if (!slot) return std::nullopt;
        const TimePoint fire = to_utc(LocalTime{*slot}, &zone);
        if (fire > after) return fire;
        // Only a slot of a gap or of a repeated hour can map back to `after` or before: it
        // fired already (the gap's one fire, or the first pass). Skip the rest of that gap or
        // repeated span at once.
        const auto info = zone.get_info(date::local_seconds{*slot});
        LocalMinutes resume = *slot + 1min;
        if (info.result == date::local_info::nonexistent) {
            resume =
                std::max(resume, date::ceil<std::chrono::minutes>(date::local_seconds{
                                     (info.first.end + info.second.offset).time_since_epoch()}));
        } else if (info.result == date::local_info::ambiguous) {
            resume =
                std::max(resume, date::ceil<std::chrono::minutes>(date::local_seconds{
                                     (info.first.end + info.first.offset).time_since_epoch()}));
        }
        from = resume;
    }
}

date::local_days search_end(date::local_days from, date::local_days limit) {
    return std::min({from + kGregorianCycle, limit, kLastDay});
}

}  // namespace

CronSpec parse_cron(std::string_view text) {
    check_bytes(text);
    const auto tokens = split_fields(text);
    if (tokens.empty()) {
        throw CronError(1, "empty cron expression (expected five fields, " +
                               std::string(kFieldList) + ", or a macro such as @daily)");
    }
    if (tokens.front().text.front() == '@') return parse_macro(tokens);
    if (tokens.size() < 5) {
        const Token& last = tokens.back();
        throw CronError(last.offset + last.text.size() + 1,
                        "expected 5 fields (" + std::string(kFieldList) + "), found " +
                            std::to_string(tokens.size()));
    }
    if (tokens.size() > 5) {
        throw CronError(tokens[5].offset + 1, "expected 5 fields (" + std::string(kFieldList) +
                                                  "), found " + std::to_string(tokens.size()) +
                                                  " (seconds and years are not supported)");
    }
    return parse_fields(tokens);
}

bool matches(const CronSpec& spec, LocalTime local) {
    const Slots slots(spec);
    const auto day = date::floor<date::days>(local);
    const date::year_month_day ymd{day};
    if (!slots.month(ymd.month())) return false;
    if (!((slots.days(ymd.year() / ymd.month()) >> static_cast<unsigned>(ymd.day())) & 1u)) {
        return false;
    }
    const date::hh_mm_ss time{date::floor<std::chrono::minutes>(local - day)};
    return slots.time(static_cast<unsigned>(time.hours().count()),
                      static_cast<unsigned>(time.minutes().count()));
}

std::optional<TimePoint> next_fire(const CronSpec& spec, const date::time_zone& zone,
                                   TimePoint after) {
    if (!in_domain(after)) return std::nullopt;
    const auto start = date::floor<date::days>(to_local(after, &zone));
    return next_fire_until(Slots(spec), zone, after, search_end(start, kLastDay));
}

std::vector<TimePoint> fires_between(const CronSpec& spec, const date::time_zone& zone,
                                     TimePoint from, TimePoint to, std::size_t limit) {
    std::vector<TimePoint> fires;
    if (!in_domain(from) || to <= from) return fires;
    to = std::min(to, kEndInstant - 1ms);
    const Slots slots(spec);
    // A slot on a local day after that of `to` can still map to `to` or before when a fall-back
    // repeats wall-clock time: leave two days of margin, the fires are checked against `to`.
    const auto last_day = date::floor<date::days>(to_local(to, &zone)) + date::days{2};
    TimePoint after = from;
    while (fires.size() < limit) {
        const auto start = date::floor<date::days>(to_local(after, &zone));
        const auto fire = next_fire_until(slots, zone, after, search_end(start, last_day));
        if (!fire || *fire > to) break;
        fires.push_back(*fire);
        after = *fire;
    }
    return fires;
}

}  // namespace relance::calendar
