// What `relance senders` shows: each sender account of the workspace config, with what it sent
// in the last 24 hours and when it may send next.
#pragma once

#include <cstdint>
#include <optional>
#include <relance/model/config.hpp>
#include <relance/base/clock.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::runtime {

struct SenderStatus {
    std::string id;
    std::string channel;
    std::vector<std::string> pools;  // the pools it belongs to
    std::int64_t sent_last_day = 0;  // sends in the 24 h before now (in flight included)
    std::optional<int> cap_today;    // daily cap in force now, ramp-up included
    std::int64_t next_send_at = 0;   // unix ms; 0 when it may send now; -1 never
    std::string limited_by;          // the limit that sets next_send_at ("" when free)
};

// One entry per account, in config order. Reads the store; writes only the accounts' first-use
// day (ramp-up day 0) when an account with a ramp-up has never been seen.
std::vector<SenderStatus> sender_status(store::Store& store, const model::Config& config,
                                        TimePoint now);

}  // namespace relance::runtime
