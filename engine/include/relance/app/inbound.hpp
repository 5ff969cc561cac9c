// Provider callbacks (POST /v1/inbound/{plugin}/{account}): a request as the server received it,
// and what came of it. Workspace::receive_inbound hands the request to the plugin's inbound role,
// which checks that it is genuine and reads its events; each event is then recorded as
// Workspace::add_event records one (once per event id, with the suppression it causes in the
// same transaction). docs/inbound.md describes the whole path.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <relance/runtime/contact_events.hpp>
#include <string>
#include <utility>
#include <vector>

namespace relance::app {

struct InboundRequest {
    std::string plugin, account;
    std::string path;  // as requested, for the plugin (some providers sign the URL)
    std::vector<std::pair<std::string, std::string>> headers;  // as sent, repeated ones included
    std::string body;                                          // the exact bytes
};

struct InboundResult {
    std::string plugin, account;
    std::size_t received = 0;    // contact events the plugin read from the callback
    std::size_t recorded = 0;    // recorded now
    std::size_t duplicates = 0;  // recorded before under the same id: a provider's retry
    std::size_t unmatched = 0;   // about no contact relance can name: set aside (see notes)
    std::size_t ignored = 0;     // what the callback held that is no contact event
    std::vector<runtime::EventOutcome> events;  // one per event recorded now or before
    std::vector<std::string> notes;             // why some of it was set aside

    // Whether recording stopped or woke runs (an in-process worker should look).
    bool runs_changed() const {
        for (const auto& e : events)
            if (!e.stopped.empty() || !e.woken.empty()) return true;
        return false;
    }
};

// {"plugin","account","received","recorded","duplicates","unmatched","ignored",
//  "events":[event_outcome_view...],"notes":[...]}: the answer of the route.
nlohmann::json inbound_result_view(const InboundResult& result);

}  // namespace relance::app
