// POST /v1/inbound/{plugin}/{account}: a provider's callback (delivery events, replies). No API
// key: providers cannot send one, so the plugin checks the request itself (a signature, HTTP
// Basic credentials) over the exact bytes and every header as sent. docs/inbound.md.
#include <relance/app/inbound.hpp>
#include <relance/app/workspace.hpp>

#include "routes.hpp"

namespace relance::api::detail {

namespace {

// httplib files the connection's addresses among the headers; no client sent them.
bool added_by_httplib(const std::string& name) {
    return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
           name == "LOCAL_PORT";
}

Reply receive(Call& call) {
    app::InboundRequest request;
    request.plugin = call.params.at(0);
    request.account = call.params.at(1);
    request.path = call.request.path;
    // Every header, repeated ones included (httplib groups them by name, each name's values in
    // the order sent): a signature header sent twice must reach the plugin twice, so that it
    // can refuse the ambiguity.
    request.headers.reserve(call.request.headers.size());
    for (const auto& [name, value] : call.request.headers)
        if (!added_by_httplib(name)) request.headers.emplace_back(name, value);
    request.body = std::move(call.raw_body);
    app::InboundResult result = call.workspace.receive_inbound(request);
    if (result.runs_changed()) call.work_added();
    return {200, app::inbound_result_view(result)};
}

}  // namespace

void add_inbound_routes(Router& router) {
    router.add(
        {"POST", "/v1/inbound/{plugin}/{account}", "", BodyKind::raw, {}, false, false, receive});
}

}  // namespace relance::api::detail
