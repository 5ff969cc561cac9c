// What tracking adds to the input of an email send (docs/tracking.md, "Sends"): the one-click
// unsubscribe URL of a marketing send, and, when asked, the open pixel and tracked links in its
// HTML. Everything added is a function of the message id, the key and the body, so the same
// attempt built again (a retry, a recovery after a crash) carries the same input.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace relance::tracking {

struct SendPlan {
    std::string base_url;      // the public base, no trailing '/'
    std::string key;           // kKeyBytes
    std::string message_id;    // the engine message id of the send
    bool unsubscribe = false;  // add `unsubscribe_url` (unless the input has one)
    bool opens = false;        // add the open pixel to `html`
    bool clicks = false;       // rewrite the http(s) links of `html`
};

struct SendChanges {
    bool unsubscribe = false;  // unsubscribe_url was added
    bool pixel = false;
    std::size_t links = 0;
};

// base_url + "/t/u/" + the token of the message's unsubscribe link (and /t/o/, /t/c/).
std::string unsubscribe_url(const SendPlan& plan);

// Adds to `input` (a JSON object) what the plan asks for. The `html` field, when a string, is
// rewritten in one linear pass (tracking/html_rewrite.hpp); a body's own links to base_url/t/
// are left alone.
SendChanges decorate_send(nlohmann::json& input, const SendPlan& plan);

}  // namespace relance::tracking
