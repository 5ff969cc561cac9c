#include "relance/policy/sender_limits.hpp"

#include "relance/policy/jitter.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace relance::policy {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "90 s", "12.5 s", "0.25 s".
std::string format_duration(Millis d) {
    auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    return s + " s";
}

// Entries of the sorted range [first, last) later than `t`.
template <class It>
std::int64_t count_after(It first, It last, TimePoint t) {
    return static_cast<std::int64_t>(std::distance(std::upper_bound(first, last, t), last));
}

// The earliest time >= t at which fewer than `cap` entries of the sorted range lie in the rolling
// window (t' - len, +inf). TimePoint::max() when cap <= 0 (no time ever allows a send).
template <class It>
TimePoint window_earliest(It first, It last, TimePoint t, Millis len, std::int64_t cap) {
    if (count_after(first, last, t - len) < cap) return t;
    if (cap <= 0) return TimePoint::max();
    // The cap-th most recent send must leave the window: then cap - 1 remain.
    return *std::prev(last, static_cast<std::ptrdiff_t>(cap)) + len;
}

// The fixed point of all limits over sorted send times: `all` holds every send of the sender,
// `dom` the sends to `domain` (empty range when there is no domain). Both may hold entries older
// than 24 h; they are skipped here.
template <class It>
Decision decide_sorted(const SenderLimits& limits, It all_first, It all_last, It dom_first,
                       It dom_last, const std::string& domain, TimePoint now,
                       std::uint64_t jitter_seed) {
    validate(limits);
    const TimePoint horizon = now - kDay;
    all_first = std::upper_bound(all_first, all_last, horizon);
    dom_first = std::upper_bound(dom_first, dom_last, horizon);

    const Millis jitter = gap_jitter_for(limits, jitter_seed);
    const Millis gap = limits.min_gap + jitter;

    TimePoint t = now;
    std::string reason;
    auto push = [&](TimePoint to, auto&& why) {
        if (to > t) {
            t = to;
            reason = why();
        }
    };

    // Every limit is monotone (once satisfied at t, satisfied at any later time: windows only
    // lose sends and the ramp-up cap only grows), and every push goes to a time no later than the
    // first one satisfying that limit. So the loop ends on the least time satisfying all of them.
    while (t != TimePoint::max()) {
        const TimePoint before = t;

        if (limits.daily_cap || limits.ramp_up) {
            std::int64_t cap = limits.daily_cap ? *limits.daily_cap
                                                : std::numeric_limits<std::int64_t>::max();
            bool ramp_binds = false;
            std::int64_t day = 0;
            if (limits.ramp_up) {
                day = ramp_up_day(*limits.ramp_up, t);
                std::int64_t ramp_cap = ramp_up_cap(*limits.ramp_up, t);
                if (ramp_cap < cap) {
                    cap = ramp_cap;
                    ramp_binds = true;
                }
            }
            TimePoint to = window_earliest(all_first, all_last, t, kDay, cap);
            if (to > t && ramp_binds && limits.ramp_up->step_per_day > 0 &&
                cap < limits.ramp_up->max) {
                // The cap grows at the next day boundary; maybe enough to send then.
                TimePoint next_day = limits.ramp_up->since + kDay * (day + 1);
                to = std::min(to, next_day);
            }
            push(to, [&] {
                return ramp_binds ? "ramp-up day " + std::to_string(day) + ": cap " +
                                        std::to_string(cap)
                                  : "mailbox daily cap (" + std::to_string(cap) + " in 24 h)";
            });
        }
        if (limits.per_hour) {
            push(window_earliest(all_first, all_last, t, kHour, *limits.per_hour), [&] {
                return "per-hour rate (" + std::to_string(*limits.per_hour) + "/h)";
            });
        }
        if (limits.per_minute) {
            push(window_earliest(all_first, all_last, t, kMinute, *limits.per_minute), [&] {
                return "per-minute rate (" + std::to_string(*limits.per_minute) + "/min)";
            });
        }
        if (limits.per_domain_daily_cap && !domain.empty()) {
            push(window_earliest(dom_first, dom_last, t, kDay, *limits.per_domain_daily_cap),
                 [&] {
                     return "domain cap " + domain + " (" +
                            std::to_string(*limits.per_domain_daily_cap) + " in 24 h)";
                 });
        }
        if (gap > Millis{0} && all_first != all_last) {
            push(*std::prev(all_last) + gap, [&] {
                std::string why = "minimum gap " + format_duration(limits.min_gap);
                if (jitter > Millis{0}) why += " (+ " + format_duration(jitter) + " jitter)";
                return why;
            });
        }

        if (t == before) break;
    }
    if (t == now) reason.clear();
    return Decision{t, std::move(reason)};
}

void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("sender limits: ") + what);
}

}  // namespace

void validate(const SenderLimits& l) {
    require(!l.daily_cap || *l.daily_cap >= 0, "daily_cap must be >= 0");
    require(!l.per_minute || *l.per_minute >= 0, "per_minute must be >= 0");
    require(!l.per_hour || *l.per_hour >= 0, "per_hour must be >= 0");
    require(!l.per_domain_daily_cap || *l.per_domain_daily_cap >= 0,
            "per_domain_daily_cap must be >= 0");
    require(l.min_gap >= Millis{0}, "min_gap must be >= 0");
    require(l.gap_jitter >= Millis{0}, "gap_jitter must be >= 0");
    require(l.min_gap + l.gap_jitter <= kDay, "min_gap + gap_jitter must be at most 24 h");
    if (l.ramp_up) {
        require(l.ramp_up->start >= 0, "ramp_up.start must be >= 0");
        require(l.ramp_up->step_per_day >= 0, "ramp_up.step_per_day must be >= 0");
        require(l.ramp_up->max >= 0, "ramp_up.max must be >= 0");
    }
}

std::int64_t ramp_up_day(const SenderLimits::RampUp& ramp, TimePoint t) {
    if (t < ramp.since) return 0;
    return (t - ramp.since) / kDay;
}

int ramp_up_cap(const SenderLimits::RampUp& ramp, TimePoint t) {
    std::int64_t day = ramp_up_day(ramp, t);
    std::int64_t max = ramp.max;
    // Saturate instead of overflowing for absurd day counts or steps.
    std::int64_t grown = ramp.step_per_day > 0 && day > (max - ramp.start) / ramp.step_per_day + 1
                             ? max
                             : ramp.start + day * ramp.step_per_day;
    return static_cast<int>(std::min(max, grown));
}

Millis gap_jitter_for(const SenderLimits& limits, std::uint64_t jitter_seed) {
    return uniform_jitter(limits.gap_jitter, jitter_seed);
}

Decision next_allowed(const SenderLimits& limits, const std::vector<SendRecord>& history,
                      const std::string& recipient_domain, TimePoint now,
                      std::uint64_t jitter_seed) {
    const std::string domain = lower(recipient_domain);
    std::vector<TimePoint> all, dom;
    all.reserve(history.size());
    for (const auto& r : history) {
        all.push_back(r.at);
        if (!domain.empty() && lower(r.recipient_domain) == domain) dom.push_back(r.at);
    }
    std::sort(all.begin(), all.end());
    std::sort(dom.begin(), dom.end());
    return decide_sorted(limits, all.cbegin(), all.cend(), dom.cbegin(), dom.cend(),
                         recipient_domain, now, jitter_seed);
}

}  // namespace relance::policy
