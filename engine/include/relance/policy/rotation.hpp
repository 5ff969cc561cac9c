// Choosing the sender for a send from a pool of mailboxes (outbound.md §6 rows 15 and 22).
#pragma once

#include "relance/policy/sender_limits.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relance::policy {

// The sender to use for the next send to a lead:
//  - `sticky` (the sender the lead was first contacted from) always wins when it is in `pool`,
//    even if another sender could send sooner: a lead keeps its sender, and a thread its
//    mailbox. Its own Decision then says when it may send.
//  - otherwise the sender of `pool` whose decision has the earliest `earliest`; ties go to the
//    one with the smallest `load` (e.g. its sends in the last 24 h, so new leads spread over
//    the pool), then to the one listed first in `pool`. A sender without an entry in
//    `decisions` ranks last (treated as TimePoint::max()); one without a load counts 0.
// Returns "" for an empty pool. Health gating (auth failures, bounce rate, a paused mailbox) is
// the caller's: leave unhealthy senders out of `pool`.
std::string pick_sender(const std::vector<std::string>& pool,
                        const std::map<std::string, Decision>& decisions,
                        std::optional<std::string> sticky,
                        const std::map<std::string, std::size_t>& load = {});

}  // namespace relance::policy
