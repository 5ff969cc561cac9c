// What one plugin's faults (crashes, hangs) mean for its next calls: the restart backoff of a
// crashed child, and quarantine when faults come too often. Times are on the engine clock, so
// tests move a virtual clock instead of sleeping.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <relance/host/plugin_host.hpp>
#include <string>

namespace relance::host::detail {

class FaultLedger {
  public:
    enum class Kind { crash, hang };

    FaultLedger(std::string plugin, FaultPolicy policy);

    // A fault at `now`: a crash ("SIGSEGV in invoke") or a call past its deadline ("hang in
    // send"). `restart` when the plugin's process died and must be started again: the next
    // start waits the backoff. Returns true when this fault put the plugin in quarantine.
    bool record(TimePoint now, Kind kind, const std::string& what, bool restart);
    // A child restarted for another reason than a fault already recorded (killed because too
    // many calls were stuck in it): the backoff applies, no fault is counted.
    void restarting(TimePoint now, const std::string& why);
    // A call answered: the restart backoff starts over, and a plugin back from quarantine is
    // trusted again. Cheap when nothing needs resetting (the hot path).
    void record_success(TimePoint now);

    Availability availability(TimePoint now) const;
    bool quarantined(TimePoint now) const;

  private:
    Availability blocked(TimePoint until, std::string reason) const;

    const std::string plugin_;
    const FaultPolicy policy_;
    mutable std::mutex mutex_;
    std::deque<std::pair<TimePoint, Kind>> recent_;  // within the window
    std::string restart_reason_;                     // why the process restarts, in words
    std::atomic<bool> clean_{true};  // no fault since the last success: nothing blocks calls
    int in_a_row_ = 0;               // faults since the last success
    int quarantines_ = 0;            // quarantines since the last success
    bool probation_ = false;         // back from quarantine: the next fault quarantines again
    TimePoint restart_at_{};
    TimePoint quarantined_until_{};
    std::string quarantine_reason_;
};

// "2026-11-21 09:00:00 UTC": how the host writes a time in a reason.
std::string format_time(TimePoint t);

}  // namespace relance::host::detail
