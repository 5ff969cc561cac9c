// The tracking operations of a workspace (docs/tracking.md): what the /t/ routes ask of it.
// The token in the URL is the only credential; a token that does not verify under the
// workspace's key is not_found (field "token") and nothing is recorded.
#pragma once

#include <relance/runtime/contact_events.hpp>
#include <string>

namespace relance::app {

// A request on a tracking link, as the front end saw it.
struct TrackingHit {
    std::string token;          // the path segment (a trailing ".gif" on the pixel is allowed)
    std::string user_agent;     // "" when none was sent
    std::string peer;           // the connection's address
    std::string forwarded_for;  // X-Forwarded-For as sent (read only when the config trusts it)
    bool record = true;         // false for HEAD: answered, nothing recorded
};

struct TrackOutcome {
    std::string url;        // a click's destination: the signed one, always
    bool recorded = false;  // an event was recorded now (false: a repeat, or no contact known)
    bool bot = false;       // judged a machine's: recorded as opened_bot / clicked_bot
    std::string bot_reason;
    runtime::EventOutcome event;  // when an event was recorded
    bool runs_changed() const { return !event.stopped.empty() || !event.woken.empty(); }
};

// What the unsubscribe page (GET /t/u/{token}) shows.
struct UnsubscribePage {
    bool suppressed = false;  // the contact is on the suppression list already
};

}  // namespace relance::app
