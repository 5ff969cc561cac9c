// GET /v1/senders: each sender account of the workspace config (caps, sent in the last 24 h,
// ramp-up, pause, health), as `relance senders --json` shows them.
#include <relance/app/contact_views.hpp>

#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply list(Call& call) {
    return {200, app::sender_report_view(call.workspace.senders())};
}

}  // namespace

void add_sender_routes(Router& router) {
    router.add({"GET", "/v1/senders", "senders:read", BodyKind::none, {}, false, false, list});
}

}  // namespace relance::api::detail
