// Circuit breaker per provider (outbound.md §6 row 25).
//
//   closed    --(failure_threshold consecutive failures)-->  open
//   open      --(allow() once open_for has passed)-->        half_open (that call is the probe)
//   half_open --(probe succeeds)-->                          closed
//   half_open --(probe fails)-->                             open, for open_for again
//
// Only real failures are reported: a rate-limited answer (429, 421/450 "try later", a provider
// quota) means the provider is healthy and busy. The caller must NOT call on_failure() for it;
// it backs off (see backoff() and its retry_after) without touching the breaker. A success
// resets the count of consecutive failures.
//
// Time is injected: every transition uses the `now` given by the caller. Not thread-safe on its
// own; BreakerBoard is.
#pragma once

#include "relance/base/clock.hpp"

#include <map>
#include <mutex>
#include <string>

namespace relance::policy {

enum class BreakerState { closed, open, half_open };

const char* to_string(BreakerState state);

class CircuitBreaker {
public:
    // Throws std::invalid_argument when failure_threshold < 1 or open_for < 0.
    CircuitBreaker(int failure_threshold, Millis open_for);

    // May a call go out now? closed: yes. open: no until open_for has passed since it opened;
    // then the breaker turns half-open and this call is the single probe (true). half_open: no
    // while the probe is out; a probe that has not reported after open_for is presumed lost
    // (crash, timeout) and the next allow() hands out a new probe.
    bool allow(TimePoint now);
    // Outcome of a call that allow() let through. When open, a late outcome of a call started
    // before the breaker opened is ignored (it neither closes nor extends the open period).
    void on_success(TimePoint now);
    void on_failure(TimePoint now);

    // The state as of the last call; an open breaker whose open_for has passed stays `open`
    // here until allow() turns it half-open.
    BreakerState state() const { return state_; }
    // When allow() will next say yes: closed -> TimePoint::min(); open -> opened + open_for;
    // half_open -> when the outstanding probe is presumed lost (probe start + open_for).
    TimePoint retry_at() const;
    int consecutive_failures() const { return failures_; }
    int failure_threshold() const { return threshold_; }
    Millis open_for() const { return open_for_; }

private:
    int threshold_;
    Millis open_for_;
    BreakerState state_ = BreakerState::closed;
    int failures_ = 0;
    TimePoint since_{};  // open: when it opened; half_open: when the probe went out
};

// One breaker per provider name (e.g. "smtp.gmail.com", "sendgrid"), created closed on first
// use with the board's default settings or the ones set by configure(). Thread-safe.
class BreakerBoard {
public:
    BreakerBoard(int failure_threshold, Millis open_for);  // defaults; validated like a breaker

    // Settings for one provider; replaces (and resets) its breaker.
    void configure(const std::string& provider, int failure_threshold, Millis open_for);

    bool allow(const std::string& provider, TimePoint now);
    void on_success(const std::string& provider, TimePoint now);
    void on_failure(const std::string& provider, TimePoint now);  // never for rate limits

    // An unknown provider is closed (and is not created by asking).
    BreakerState state(const std::string& provider) const;
    TimePoint retry_at(const std::string& provider) const;
    CircuitBreaker snapshot(const std::string& provider) const;  // a copy, for display

private:
    CircuitBreaker& get_locked(const std::string& provider);

    mutable std::mutex m_;
    int threshold_;
    Millis open_for_;
    std::map<std::string, CircuitBreaker> breakers_;
};

}  // namespace relance::policy
