#include "relance/policy/circuit_breaker.hpp"

#include <stdexcept>

namespace relance::policy {

const char* to_string(BreakerState state) {
    switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
    }
    return "?";
}

CircuitBreaker::CircuitBreaker(int failure_threshold, Millis open_for)
    : threshold_(failure_threshold), open_for_(open_for) {
    if (failure_threshold < 1)
        throw std::invalid_argument("circuit breaker: failure_threshold must be >= 1");
    if (open_for < Millis{0})
        throw std::invalid_argument("circuit breaker: open_for must be >= 0");
}

bool CircuitBreaker::allow(TimePoint now) {
    switch (state_) {
    case BreakerState::closed: return true;
    case BreakerState::open:
    case BreakerState::half_open:
        // open: the wait is over -> the caller is the probe. half_open: the probe is presumed
        // lost once it has been out for open_for -> hand out a new one.
        if (now < since_ + open_for_) return false;
        state_ = BreakerState::half_open;
        since_ = now;
        return true;
    }
    return false;
}

void CircuitBreaker::on_success(TimePoint) {
    if (state_ == BreakerState::open) return;  // a late answer from before it opened
    state_ = BreakerState::closed;
    failures_ = 0;
}

void CircuitBreaker::on_failure(TimePoint now) {
    switch (state_) {
    case BreakerState::closed:
        if (++failures_ >= threshold_) {
            state_ = BreakerState::open;
            since_ = now;
        }
        break;
    case BreakerState::half_open:  // the probe failed: open again for a full period
        ++failures_;
        state_ = BreakerState::open;
        since_ = now;
        break;
    case BreakerState::open: break;  // a late answer from before it opened
    }
}

TimePoint CircuitBreaker::retry_at() const {
    if (state_ == BreakerState::closed) return TimePoint::min();
    return since_ + open_for_;
}

BreakerBoard::BreakerBoard(int failure_threshold, Millis open_for)
    : threshold_(failure_threshold), open_for_(open_for) {
    CircuitBreaker check(failure_threshold, open_for);  // validates
}

void BreakerBoard::configure(const std::string& provider, int failure_threshold,
                             Millis open_for) {
    CircuitBreaker fresh(failure_threshold, open_for);
    std::lock_guard g(m_);
    breakers_.insert_or_assign(provider, fresh);
}

CircuitBreaker& BreakerBoard::get_locked(const std::string& provider) {
    auto it = breakers_.find(provider);
    if (it == breakers_.end())
        it = breakers_.emplace(provider, CircuitBreaker(threshold_, open_for_)).first;
    return it->second;
}

bool BreakerBoard::allow(const std::string& provider, TimePoint now) {
    std::lock_guard g(m_);
    return get_locked(provider).allow(now);
}

void BreakerBoard::on_success(const std::string& provider, TimePoint now) {
    std::lock_guard g(m_);
    get_locked(provider).on_success(now);
}

void BreakerBoard::on_failure(const std::string& provider, TimePoint now) {
    std::lock_guard g(m_);
    get_locked(provider).on_failure(now);
}

BreakerState BreakerBoard::state(const std::string& provider) const {
    std::lock_guard g(m_);
    auto it = breakers_.find(provider);
    return it == breakers_.end() ? BreakerState::closed : it->second.state();
}

TimePoint BreakerBoard::retry_at(const std::string& provider) const {
    std::lock_guard g(m_);
    auto it = breakers_.find(provider);
    return it == breakers_.end() ? TimePoint::min() : it->second.retry_at();
}

CircuitBreaker BreakerBoard::snapshot(const std::string& provider) const {
    std::lock_guard g(m_);
    auto it = breakers_.find(provider);
    return it == breakers_.end() ? CircuitBreaker(threshold_, open_for_) : it->second;
}

}  // namespace relance::policy
