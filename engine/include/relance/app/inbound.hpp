// Provider callbacks: a request as the server received it, and what came of it.
// Placeholder while the inbound role is written (issue 9, point 6).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace relance::app {

struct InboundRequest {
    std::string plugin, account;
    std::vector<std::pair<std::string, std::string>> headers;  // as sent, repeated ones included
    std::string body;
};

struct InboundResult {
    std::size_t events = 0;
};

}  // namespace relance::app
