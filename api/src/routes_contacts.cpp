// POST /v1/contacts (upsert), GET /v1/contacts/{contact} (the person and their history),
// GET /v1/contacts/{contact}/export (everything about them: GDPR access), DELETE
// /v1/contacts/{contact} (GDPR erasure).
#include <relance/app/contact_views.hpp>

#include "fields.hpp"
#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply upsert(Call& call) {
    Fields fields(call.body, {"email", "phone", "linkedin", "attributes"});
    app::Workspace::ContactInput input;
    input.email = fields.optional_string("email");
    input.phone = fields.optional_string("phone");
    input.linkedin = fields.optional_string("linkedin");
    if (auto attributes = fields.optional_object("attributes"))
        *input.attributes = std::move(*attributes);
    auto out = call.workspace.upsert_contact(input);
    return {out.created ? 201 : 200, app::contact_upsert_view(out)};
}

Reply show(Call& call) {
    int limit = page_request(call).limit;
    return {200,
            app::contact_history_view(call.workspace.contact(call.params[0], limit), false, 0)};
}

Reply export_all(Call& call) {
    auto history = call.workspace.contact(call.params[0], 0);
    return {200,
            app::contact_history_view(history, true, to_unix_ms(call.workspace.clock().now()))};
}

Reply erase(Call& call) {
    return {200, app::contact_erasure_view(call.workspace.erase_contact(call.params[0]))};
}

}  // namespace

void add_contact_routes(Router& router) {
    router.add(
        {"POST", "/v1/contacts", "contacts:write", BodyKind::required, {}, false, false, upsert});
    // A contact is personal data (an email, a phone): the access log shows the route, not it.
    router.add({"GET",
                "/v1/contacts/{contact}",
                "contacts:read",
                BodyKind::none,
                {"limit"},
                false,
                true,
                show});
    router.add({"GET",
                "/v1/contacts/{contact}/export",
                "contacts:read",
                BodyKind::none,
                {},
                false,
                true,
                export_all});
    router.add({"DELETE",
                "/v1/contacts/{contact}",
                "contacts:write",
                BodyKind::none,
                {},
                false,
                true,
                erase});
}

}  // namespace relance::api::detail
