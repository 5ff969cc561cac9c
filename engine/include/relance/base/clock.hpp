// The one clock of the engine (DESIGN invariant 3): real time in production, virtual time in
// tests, `simulate` and the demo. Nothing in the engine reads the wall clock directly.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace relance {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Millis>;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Block until `deadline` on this clock, or until `wake` is notified (spurious wakes allowed).
    // `lock` holds the mutex that guards the waiter's condition.
    virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                            TimePoint deadline) const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    }
    void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                    TimePoint deadline) const override {
        auto remaining = deadline - now();
        if (remaining > Millis{0}) wake.wait_for(lock, remaining);
    }
};

// Time moves only when told to. Waiting on it never blocks: whoever drives the simulation
// advances the clock to the next due time.
class VirtualClock final : public Clock {
public:
    explicit VirtualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override {
        std::lock_guard g(m_);
        return now_;
    }
    void set(TimePoint t) {
        std::lock_guard g(m_);
        if (t > now_) now_ = t;
    }
    void advance(Millis d) {
        std::lock_guard g(m_);
        now_ += d;
    }
    void wait_until(std::unique_lock<std::mutex>&, std::condition_variable&,
                    TimePoint) const override {}

private:
    mutable std::mutex m_;
    TimePoint now_;
};

// Milliseconds since the Unix epoch: how times are stored.
inline std::int64_t to_unix_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix_ms(std::int64_t ms) { return TimePoint{Millis{ms}}; }

}  // namespace relance
