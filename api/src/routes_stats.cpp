// GET /v1/stats/{workflow}: per step and variant, sent, failed and the events that followed.
#include <relance/app/views.hpp>

#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply stats(Call& call) {
    const std::string& workflow = call.params[0];
    return {200, nlohmann::json{{"workflow", workflow},
                                {"steps", app::stats_view(call.workspace.stats(workflow))}}};
}

}  // namespace

void add_stats_routes(Router& router) {
    router.add(
        {"GET", "/v1/stats/{workflow}", "stats:read", BodyKind::none, {}, false, false, stats});
}

}  // namespace relance::api::detail
