// POST /v1/subscriptions, GET /v1/subscriptions, GET|DELETE /v1/subscriptions/{id}: outbound
// webhooks (Zapier REST Hooks: subscribe, unsubscribe). The signing secret is answered once,
// at creation.
#include <relance/app/error.hpp>
#include <relance/app/subscriptions.hpp>

#include "fields.hpp"
#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

std::vector<std::string> event_types(const nlohmann::json& body) {
    auto it = body.find("events");
    if (it == body.end() || it->is_null())
        throw app::Error(app::ErrorKind::invalid, "events is required: a list of event types",
                         "events");
    if (!it->is_array())
        throw app::Error(app::ErrorKind::invalid,
                         "events must be a list of event types, not " + json_type_name(*it),
                         "events");
    std::vector<std::string> out;
    for (const auto& t : *it) {
        if (!t.is_string())
            throw app::Error(app::ErrorKind::invalid,
                             "each event type must be a string, not " + json_type_name(t),
                             "events");
        out.push_back(t.get<std::string>());
    }
    return out;
}

Reply create(Call& call) {
    Fields fields(call.body, {"target_url", "events"});
    std::string url = fields.required_string("target_url");
    auto made = call.workspace.create_subscription(url, event_types(call.body));
    Reply reply{201, app::new_subscription_view(made)};
    reply.headers.emplace_back("Location", "/v1/subscriptions/" + made.subscription.id);
    return reply;
}

Reply list(Call& call) {
    PageRequest page = page_request(call);
    auto found = call.workspace.list_subscriptions(page.after.value_or(""), page.limit);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : found.subscriptions) items.push_back(app::subscription_view(s));
    nlohmann::json body{{"subscriptions", std::move(items)}};
    finish_page(body, found.more,
                found.subscriptions.empty() ? std::string()
                                            : app::subscription_key(found.subscriptions.back()));
    return {200, std::move(body)};
}

Reply show(Call& call) {
    return {200, app::subscription_view(call.workspace.get_subscription(call.params[0]))};
}

Reply remove(Call& call) {
    call.workspace.delete_subscription(call.params[0]);
    return {204, nullptr};
}

}  // namespace

void add_subscription_routes(Router& router) {
    router.add({"POST",
                "/v1/subscriptions",
                "webhooks:write",
                BodyKind::required,
                {},
                false,
                false,
                create});
    router.add({"GET",
                "/v1/subscriptions",
                "webhooks:read",
                BodyKind::none,
                {"limit", "cursor"},
                false,
                false,
                list});
    router.add(
        {"GET", "/v1/subscriptions/{id}", "webhooks:read", BodyKind::none, {}, false, false, show});
    router.add({"DELETE",
                "/v1/subscriptions/{id}",
                "webhooks:write",
                BodyKind::none,
                {},
                false,
                false,
                remove});
}

}  // namespace relance::api::detail
