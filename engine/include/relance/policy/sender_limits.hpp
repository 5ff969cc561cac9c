// Sending limits of one sender account (a mailbox), and when it may send next.
//
// Sender accounts' limits (outbound.md §6 rows 19, 21, 23): pure functions of the limits, the
// send history and an injected `now`. No store, no clock, no I/O. The runtime's sender desk
// feeds them the history kept in the store; docs/limits.md describes the rules.
//
// Every window is rolling and half-open: a send at `a` counts for a candidate time `t` while
// a > t - window. So with a daily cap reached, the next send is allowed at exactly
// (the oldest send that must leave the window) + 24 h.
//
// Work over a limit is deferred, never dropped: a Decision always carries a time. The only case
// without a finite time is a cap of 0 that can never grow (daily_cap = 0, per_minute = 0, a
// ramp-up stuck at 0, ...): the sender is blocked and `earliest` is TimePoint::max().
#pragma once

#include "relance/base/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relance::policy {

inline constexpr Millis kDay{24LL * 60 * 60 * 1000};
inline constexpr Millis kHour{60LL * 60 * 1000};
inline constexpr Millis kMinute{60LL * 1000};

struct SenderLimits {
    std::optional<int> daily_cap{};   // sends in any rolling 24 h
    std::optional<int> per_minute{};  // sends in any rolling 60 s
    Millis min_gap{0};                // between two sends of this sender
    Millis gap_jitter{0};             // extra gap, deterministic from the seed, in [0, gap_jitter]
    struct RampUp {
        int start{0};         // cap on day 0
        int step_per_day{0};  // added per whole day since `since`
        int max{0};           // the ramp never goes above this
        TimePoint since{};    // start of day 0; times before it count as day 0
    };
    std::optional<RampUp> ramp_up{};            // effective daily cap: min(daily_cap, ramp cap)
    std::optional<int> per_domain_daily_cap{};  // sends to one recipient domain in rolling 24 h
    std::optional<int> per_hour{};              // sends in any rolling 60 min
};

// One past send of the sender. `recipient_domain` is compared case-insensitively.
struct SendRecord {
    TimePoint at;
    std::string recipient_domain;
};

struct Decision {
    TimePoint earliest;  // when one more send is allowed (>= now); TimePoint::max() if never
    // "" when allowed now; otherwise the limit that set `earliest` (the last one to push it):
    //   "mailbox daily cap (50 in 24 h)"    "per-minute rate (10/min)"   "per-hour rate (60/h)"
    //   "minimum gap 90 s" / "minimum gap 90 s (+ 12.5 s jitter)"   "ramp-up day 3: cap 20"
    //   "domain cap acme.com (5 in 24 h)"
    std::string reason;

    bool allowed_now(TimePoint now) const { return earliest <= now; }
    friend bool operator==(const Decision&, const Decision&) = default;
};

// Throws std::invalid_argument naming the field for a negative cap, gap, jitter or ramp-up
// value, or a min_gap + gap_jitter longer than 24 h (the history kept is 24 h long).
void validate(const SenderLimits& limits);

// The ramp-up cap on the day containing `t`: min(max, start + d * step_per_day) with
// d = whole days from `since` to `t` (0 before `since`).
int ramp_up_cap(const SenderLimits::RampUp& ramp, TimePoint t);
// Whole days from `since` to `t`, 0 when t < since.
std::int64_t ramp_up_day(const SenderLimits::RampUp& ramp, TimePoint t);

// The jitter added to min_gap for this seed: uniform_jitter(limits.gap_jitter, seed).
Millis gap_jitter_for(const SenderLimits& limits, std::uint64_t jitter_seed);

// The earliest time >= now at which every limit allows one more send of this sender to
// `recipient_domain` (an empty domain is exempt from the domain cap). The history may be in any
// order and may hold sends older than 24 h: those are ignored by every limit. Sends dated after
// `now` count as already made. The result is the least fixed point: each limit that is violated
// at the candidate time moves it to the earliest time it could be satisfied, and the limits are
// re-checked until none moves it. Calls validate().
Decision next_allowed(const SenderLimits& limits, const std::vector<SendRecord>& history,
                      const std::string& recipient_domain, TimePoint now,
                      std::uint64_t jitter_seed);

}  // namespace relance::policy
