// In-memory send history of every sender over the last 24 h, for deciding quickly.
//
// The durable source of truth for sends is the store (every send is a committed step); this
// ledger is a cache rebuilt from it at start (record() each send of the last 24 h, in any
// order) and then fed as sends are committed. Losing it loses nothing.
//
// Per sender it keeps a sorted deque of send times (with each send's domain alongside) and a
// sorted deque per recipient domain. A sender's entries at or before (latest time seen) - 24 h
// are pruned whenever that sender is touched, so its memory is bounded by one day of sends;
// prune() sweeps every sender (call it now and then to drop idle senders). decide() gives exactly next_allowed() over the same history, as long as `now`
// does not go back more than the pruning allows (time given to the ledger should only move
// forward). Thread-safe: one mutex guards everything.
#pragma once

#include "relance/policy/sender_limits.hpp"

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace relance::policy {

class SenderLedger {
public:
    // Records one send of `sender` to `recipient_domain` (case-insensitive; "" = none) at `at`.
    // Sends may arrive out of order; ones already outside the 24 h window are ignored.
    void record(const std::string& sender, const std::string& recipient_domain, TimePoint at);

    // next_allowed() over the sends recorded for `sender`.
    Decision decide(const std::string& sender, const SenderLimits& limits,
                    const std::string& recipient_domain, TimePoint now,
                    std::uint64_t jitter_seed);

    // Sends of `sender` in the 24 h before `now` (all domains, or one domain).
    std::size_t sent_in_last_day(const std::string& sender, TimePoint now);
    std::size_t sent_in_last_day(const std::string& sender, const std::string& recipient_domain,
                                 TimePoint now);

    void prune(TimePoint now);               // every sender
    void forget(const std::string& sender);  // e.g. a mailbox removed from the workspace
    void clear();

private:
    struct History {
        std::deque<TimePoint> times;     // every send, sorted ascending
        std::deque<std::string> domains;  // domains[i] is the (lower-case) domain of times[i]
        std::map<std::string, std::deque<TimePoint>> by_domain;  // domain -> sorted times
    };
    TimePoint advance_locked(TimePoint now);  // moves the horizon, returns the prune cutoff
    static void prune_history(History& h, TimePoint cutoff);

    std::mutex m_;
    std::map<std::string, History> senders_;
    std::optional<TimePoint> horizon_;  // latest `now` / `at` seen; prune before horizon - 24 h
};

}  // namespace relance::policy
