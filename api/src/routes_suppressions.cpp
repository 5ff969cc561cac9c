// GET /v1/suppressions, POST /v1/suppressions, POST /v1/suppressions/import,
// DELETE /v1/suppressions/{entry}
#include <relance/app/contact_views.hpp>
#include <relance/app/views.hpp>

#include "fields.hpp"
#include "import_body.hpp"
#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

// Keyset pages by (kind, value): the cursor's key is "kind:value" of the last entry shown.
Reply list(Call& call) {
    PageRequest page = page_request(call);
    auto got = call.workspace.suppressions_page(page.after.value_or(""), page.limit);
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& s : got.entries) entries.push_back(app::suppression_view(s));
    nlohmann::json body{{"suppressions", std::move(entries)}};
    finish_page(body, got.more,
                got.entries.empty() ? std::string()
                                    : got.entries.back().kind + ":" + got.entries.back().value);
    return {200, std::move(body)};
}

// A JSON array of entries, or CSV / plain text lines; `?reason=` is kept with each entry.
Reply import(Call& call) {
    auto lines = import_lines(call.request.get_header_value("Content-Type"), call.raw_body,
                              call.raw_body.size());
    auto report = call.workspace.import_suppressions(lines, "import", call.query("reason"));
    return {200, app::suppression_import_view(report)};
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
    router.add({"GET",
                "/v1/suppressions",
                "suppression:read",
                BodyKind::none,
                {"limit", "cursor"},
                false,
                false,
                list});
    router.add({"POST",
                "/v1/suppressions/import",
                "suppression:write",
                BodyKind::raw,
                {"reason"},
                false,
                false,
                import});
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
