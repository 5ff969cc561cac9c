#include "relance/calendar/date_text.hpp"

#include <stdexcept>
#include <string>

namespace relance::calendar {
namespace {

constexpr const char* kDateForm = "YYYY-MM-DD, e.g. 2026-12-24";
constexpr const char* kClockForm = "HH:MM, e.g. 09:30";
constexpr const char* kInstantForm =
    "2026-01-05, 2026-01-05T09:00:00Z or 2026-01-05T10:00:00+01:00";

// The text as quoted in a message: long text is cut so a hostile value cannot flood the output.
std::string quoted(std::string_view text) {
    constexpr std::size_t kMax = 40;
    if (text.size() <= kMax) return "'" + std::string(text) + "'";
    return "'" + std::string(text.substr(0, kMax)) + "...' (" + std::to_string(text.size()) +
           " characters)";
}

// One left-to-right pass over the text; every read has an explicit width.
class Scanner {
  public:
    Scanner(std::string_view text, std::string_view what, const char* form)
        : text_(text), what_(what), form_(form) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw std::invalid_argument("invalid " + std::string(what_) + " " + quoted(text_) + ": " +
                                    why + " (expected " + form_ + ")");
    }

    bool at_end() const { return i_ == text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[i_]; }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    void expect(char c, const char* after) {
        if (!eat(c)) fail(std::string("expected '") + c + "' after the " + after + found());
    }
    // Between `min` and `max` digits (max <= 9, so the value fits an int).
    int digits(std::size_t min, std::size_t max, const char* field) {
        std::size_t start = i_;
        int value = 0;
        while (i_ < text_.size() && i_ - start < max && text_[i_] >= '0' && text_[i_] <= '9')
            value = value * 10 + (text_[i_++] - '0');
        const std::size_t n = i_ - start;
        last_count_ = n;
        if (n < min || (i_ < text_.size() && text_[i_] >= '0' && text_[i_] <= '9'))
            fail(std::string("the ") + field + " takes " +
                 (min == max ? std::to_string(min)
                             : std::to_string(min) + " or " + std::to_string(max)) +
                 " digits" + found());
        return value;
    }
    std::size_t last_count() const { return last_count_; }
    void expect_end() {
        if (!at_end()) fail("unexpected text " + quoted(text_.substr(i_)) + " at the end");
    }

  private:
    std::string found() const {
        return at_end() ? ", found the end" : ", found " + quoted(text_.substr(i_, 1));
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::size_t last_count_ = 0;  // digits read by the last digits()
    std::string_view what_;
    const char* form_;
};

date::year_month_day scan_date(Scanner& s) {
    const int y = s.digits(4, 4, "year");
    s.expect('-', "year");
    const int m = s.digits(2, 2, "month");
    s.expect('-', "month");
    const int d = s.digits(2, 2, "day");
    if (m < 1 || m > 12) s.fail("there is no month " + std::to_string(m));
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok())
        s.fail(date::format("%Y-%m", date::year_month{ymd.year(), ymd.month()}) + " has no day " +
               std::to_string(d));
    return ymd;
}

}  // namespace

date::year_month_day parse_date(std::string_view text, std::string_view what) {
    Scanner s(text, what, kDateForm);
    const auto ymd = scan_date(s);
    s.expect_end();
    return ymd;
}

std::chrono::minutes parse_clock_time(std::string_view text) {
    Scanner s(text, "time", kClockForm);
    const int h = s.digits(1, 2, "hour");
    s.expect(':', "hour");
    const int m = s.digits(2, 2, "minutes");
    s.expect_end();
    if (h > 24) s.fail("hours go from 0 to 24");
    if (m > 59) s.fail("minutes go from 00 to 59");
    if (h == 24 && m != 0) s.fail("the only time after 23:59 is 24:00 (the end of the day)");
    return std::chrono::hours{h} + std::chrono::minutes{m};
}

TimePoint parse_instant(std::string_view text) {
    using namespace std::chrono;
    Scanner s(text, "time", kInstantForm);
    const auto day = date::sys_days{scan_date(s)};
    if (s.at_end()) return TimePoint{day};
    if (!s.eat('T') && !s.eat('t') && !s.eat(' '))
        s.fail("expected 'T' and a time of day after the date");
    const int h = s.digits(2, 2, "hour");
    s.expect(':', "hour");
    const int min = s.digits(2, 2, "minutes");
    int sec = 0, ms = 0;
    if (s.eat(':')) {
        sec = s.digits(2, 2, "seconds");
        if (s.eat('.') || s.eat(',')) {
            // Up to nanoseconds are read; below the millisecond they are dropped.
            int frac = s.digits(1, 9, "fraction of a second");
            for (std::size_t n = s.last_count(); n < 3; ++n) frac *= 10;
            for (std::size_t n = s.last_count(); n > 3; --n) frac /= 10;
            ms = frac;
        }
    }
    if (h > 23) s.fail("hours go from 00 to 23");
    if (min > 59) s.fail("minutes go from 00 to 59");
    if (sec > 59) s.fail("seconds go from 00 to 59");
    minutes offset{0};
    if (s.eat('Z') || s.eat('z')) {
        // UTC, said explicitly.
    } else if (const char sign = s.peek(); sign == '+' || sign == '-') {
        s.eat(sign);
        // +hh, +hhmm or +hh:mm
        int oh = s.digits(2, 4, "offset");
        int om = 0;
        if (s.last_count() == 3) s.fail("the offset takes +hh, +hhmm or +hh:mm");
        if (s.last_count() == 4) {
            om = oh % 100;
            oh /= 100;
        } else if (s.eat(':')) {
            om = s.digits(2, 2, "offset minutes");
        }
        if (oh > 23 || om > 59) s.fail("the offset must lie between -23:59 and +23:59");
        offset = hours{oh} + minutes{om};
        if (sign == '-') offset = -offset;
    }
    s.expect_end();
    return TimePoint{day} + hours{h} + minutes{min} + seconds{sec} + milliseconds{ms} - offset;
}

}  // namespace relance::calendar
