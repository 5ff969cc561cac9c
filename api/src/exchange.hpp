// One request and its response as the server's parts share them: the connection loop starts
// it, the dispatcher fills it, the access log reads it. A connection is served by one thread
// from its first byte to its close, so the current exchange is thread-local.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace relance::api::detail {

class ConnectionStream;

struct Exchange {
    ConnectionStream* stream = nullptr;  // the connection the request came on
    std::chrono::steady_clock::time_point started;
    std::string request_id;      // set by the dispatcher, or when the response is written
    std::string log_path;        // the path as the access log shows it ("" = the request's own)
    std::string_view route;      // the pattern of the route that took it ("" = none); metrics
    bool body_expected = false;  // the request announced a body
    bool body_read = false;      // ... and it was read to its end
    bool close_after = false;    // close the connection after this response

    void reset() {
        started = std::chrono::steady_clock::now();
        request_id.clear();
        log_path.clear();
        route = {};
        body_expected = body_read = close_after = false;
    }
};

// The exchange of the calling thread's connection; nullptr outside of one.
Exchange* current_exchange();
void set_current_exchange(Exchange* exchange);

}  // namespace relance::api::detail
