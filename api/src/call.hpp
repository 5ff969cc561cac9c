// What a route handler gets (the request, its path parameters, its body, the key that asked)
// and what it answers.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <relance/api/metrics.hpp>
#include <relance/api/server.hpp>
#include <relance/app/workspace.hpp>
#include <string>
#include <utility>
#include <vector>

namespace relance::api::detail {

struct Call {
    app::Workspace& workspace;
    const ServerHooks& hooks;
    const httplib::Request& request;
    std::vector<std::string> params;  // the {name} segments of the route, decoded, in order
    nlohmann::json body = nlohmann::json::object();     // the JSON object sent, {} when none
    app::ApiKey key;                                    // the key that asked; empty without one
    bool draining = false;                              // the server is stopping
    std::function<void(const std::string&)> log_error;  // to the server's log, with the id
    std::string raw_body;        // the bytes sent, with BodyKind::raw (the body is then {})
    Metrics* metrics = nullptr;  // the server's metrics (/metrics)

    // A query parameter ("" when absent; each is sent at most once, the server checked).
    std::string query(const std::string& name) const {
        return request.has_param(name) ? request.get_param_value(name) : std::string();
    }
    // Tells an in-process worker that runs became due.
    void work_added() const {
        if (hooks.work_added) hooks.work_added();
    }
};

struct Reply {
    Reply() = default;
    Reply(int s, nlohmann::json b) : status(s), body(std::move(b)) {}

    int status = 200;
    nlohmann::json body;  // null with 204
    // A body that is not JSON (the Prometheus text of /metrics): sent as it is, with this
    // media type, instead of `body`.
    std::string text;
    std::string content_type;
    // Extra response headers (Location of a redirect, Cache-Control of the tracking pixel).
    std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace relance::api::detail
