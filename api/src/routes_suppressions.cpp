// GET /v1/suppressions, POST /v1/suppressions, DELETE /v1/suppressions/{entry}
#include <relance/app/views.hpp>

#include "fields.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply list(Call& call) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& s : call.workspace.suppressions()) entries.push_back(app::suppression_view(s));
    return {200, nlohmann::json{{"suppressions", std::move(entries)}}};
}

Reply add(Call& call) {
    Fields fields(call.body, {"entry", "reason"});
    std::string entry = fields.required_string("entry");
    std::string reason = fields.optional_string("reason").value_or("");
    return {201, app::suppression_view(call.workspace.suppress(entry, "api", reason))};
}

Reply remove(Call& call) {
    call.workspace.unsuppress(call.params[0]);
    return {204, nullptr};
}

}  // namespace

void add_suppression_routes(Router& router) {
    router.add(
        {"GET", "/v1/suppressions", "suppression:read", BodyKind::none, {}, false, false, list});
    router.add({"POST",
                "/v1/suppressions",
                "suppression:write",
                BodyKind::required,
                {},
                false,
                false,
                add});
    // An entry is personal data (an email, a phone): the access log shows the route, not it.
    router.add({"DELETE",
                "/v1/suppressions/{entry}",
                "suppression:write",
                BodyKind::none,
                {},
                false,
                true,
                remove});
}

}  // namespace relance::api::detail
