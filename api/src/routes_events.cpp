// POST /v1/events: record something that happened to a contact, as `relance event add` does.
#include <relance/app/error.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/time_text.hpp>

#include "fields.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply add(Call& call) {
    Fields fields(call.body, {"contact", "type", "id", "at", "data", "message"});
    app::EventInput event;
    event.contact = fields.required_string("contact");
    event.type = fields.required_string("type");
    event.id = fields.optional_string("id").value_or("");
    if (auto at = fields.optional_string("at")) {
        try {
            event.at = runtime::parse_iso(*at);
        } catch (const std::exception& e) {
            throw app::Error(app::ErrorKind::invalid,
                             std::string(e.what()) +
                                 " (expected a time such as "
                                 "2026-11-21T09:30:00Z)",
                             "at");
        }
    }
    if (auto data = fields.optional_object("data")) *event.data = std::move(*data);
    event.message = fields.optional_string("message").value_or("");
    runtime::EventOutcome outcome = call.workspace.add_event(event);
    if (!outcome.stopped.empty() || !outcome.woken.empty()) call.work_added();
    // 201 for an event recorded now, 200 for one recorded before under the same id.
    return {outcome.recorded ? 201 : 200, app::event_outcome_view(outcome)};
}

}  // namespace

void add_event_routes(Router& router) {
    router.add({"POST", "/v1/events", "contacts:write", BodyKind::required, {}, false, false, add});
}

}  // namespace relance::api::detail
