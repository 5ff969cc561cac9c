#include "fault_ledger.hpp"

#include <date/date.h>

#include <algorithm>

namespace relance::host::detail {

namespace {

Millis doubled(Millis base, int times, Millis max) {
    Millis d = base;
    for (int i = 0; i < times && d < max; ++i) d *= 2;
    return std::min(d, max);
}

std::string seconds(Millis d) {
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                                 : std::to_string(d.count()) + " ms";
}

}  // namespace

std::string format_time(TimePoint t) {
    return date::format("%Y-%m-%d %H:%M:%S UTC", std::chrono::floor<std::chrono::seconds>(t));
}

FaultLedger::FaultLedger(std::string plugin, FaultPolicy policy)
    : plugin_(std::move(plugin)), policy_(policy) {}

bool FaultLedger::record(TimePoint now, Kind kind, const std::string& what, bool restart) {
    std::lock_guard lock(mutex_);
    clean_ = false;
    ++in_a_row_;
    recent_.emplace_back(now, kind);
    while (!recent_.empty() && recent_.front().first <= now - policy_.window) recent_.pop_front();
    if (restart) {
        restart_at_ =
            now + doubled(policy_.restart_backoff, in_a_row_ - 1, policy_.max_restart_backoff);
        restart_reason_ = what;
    }
    bool over = static_cast<int>(recent_.size()) >= policy_.quarantine_after;
    if (!over && !probation_) return false;
    int crashes = 0, hangs = 0;
    for (const auto& [at, k] : recent_) (k == Kind::crash ? crashes : hangs)++;
    Millis length = doubled(policy_.quarantine_for, quarantines_, policy_.max_quarantine);
    quarantined_until_ = now + length;
    auto counted = [](int n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    std::string count = crashes && hangs ? counted(crashes, "crash", "crashes") + " and " +
                                               counted(hangs, "hang", "hangs")
                        : crashes ? counted(crashes, "crash", "crashes")
                                  : counted(hangs, "hang", "hangs");
    quarantine_reason_ = "plugin " + plugin_ + " quarantined after " + count + " in " +
                         seconds(policy_.window) +
                         (probation_ ? " (again, right after its last quarantine)" : "") +
                         " (last: " + what + "); next try at " + format_time(quarantined_until_);
    ++quarantines_;
    probation_ = true;
    recent_.clear();
    return true;
}

void FaultLedger::restarting(TimePoint now, const std::string& why) {
    std::lock_guard lock(mutex_);
    clean_ = false;
    restart_reason_ = why;
    restart_at_ = std::max(restart_at_, now + doubled(policy_.restart_backoff, in_a_row_,
                                                      policy_.max_restart_backoff));
}

void FaultLedger::record_success(TimePoint now) {
    if (clean_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(mutex_);
    // A call that went out before the quarantine (or the restart) and answered after it proves
    // nothing about the plugin now.
    if (now < quarantined_until_ || now < restart_at_) return;
    in_a_row_ = 0;
    quarantines_ = 0;
    probation_ = false;
    clean_ = true;
}

Availability FaultLedger::blocked(TimePoint until, std::string reason) const {
    return Availability{false, until, std::move(reason)};
}

bool FaultLedger::quarantined(TimePoint now) const {
    std::lock_guard lock(mutex_);
    return now < quarantined_until_;
}

Availability FaultLedger::availability(TimePoint now) const {
    if (clean_.load(std::memory_order_relaxed)) return {};
    std::lock_guard lock(mutex_);
    if (now < quarantined_until_) return blocked(quarantined_until_, quarantine_reason_);
    if (now < restart_at_)
        return blocked(restart_at_, "plugin " + plugin_ + " is restarting after a fault (" +
                                        restart_reason_ + "); next try at " +
                                        format_time(restart_at_));
    return {};
}

}  // namespace relance::host::detail
