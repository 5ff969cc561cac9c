// Telling machines from people on the tracking routes (docs/tracking.md, "Bot filtering").
// Opens: Apple Mail Privacy Protection fetches every image of every message, read or not, from
// Apple's network with a bare "Mozilla/5.0" user agent; security scanners fetch them too.
// Clicks: mail security gateways follow every link within seconds of delivery. A hit judged
// a machine's is still recorded, as `opened_bot` / `clicked_bot`, so it shows in reports, but it
// never counts as the person's open or click (no `opened` / `clicked` branch, no wait_for).
// Pure functions of what the request says: no clock, no store.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relance::tracking {

struct Hit {
    std::string_view user_agent;
    std::string_view address;  // the client's IP address (v4 or v6), as text; "" when unknown
    // Time since the message was sent (its step's end), when known.
    std::optional<std::chrono::milliseconds> since_send;
};

struct BotVerdict {
    bool bot = false;
    std::string reason;  // "apple_mpp", "scanner:proofpoint", "no_user_agent", "too_soon"...
    std::string proxy;   // a person's open seen through a mail provider's image proxy: "google"
};

// An open (the pixel was fetched).
BotVerdict classify_open(const Hit& hit);
// A click; `scanner_window`: a click this soon after the send is a scanner's.
BotVerdict classify_click(const Hit& hit, std::chrono::milliseconds scanner_window);

// The user-agent fragments of known mail scanners and automated clients (lower case), matched
// as substrings of the lower-cased user agent.
const std::vector<std::string_view>& scanner_agents();

// Whether `address` is in the address ranges Apple's mail privacy proxy fetches from
// (17.0.0.0/8, 2620:149::/32, 2403:300::/32, 2a01:b740::/32; IPv4-mapped IPv6 included).
bool apple_network(std::string_view address);

// The client address of a request: the peer's, or the leftmost X-Forwarded-For entry when the
// workspace trusts a reverse proxy to set it. "" when neither is an IP address.
std::string client_address(std::string_view peer, std::string_view forwarded_for, bool trust);

}  // namespace relance::tracking
