// GET /v1/runs, GET /v1/runs/{id}, POST /v1/runs/{id}/cancel | retry | resolve
#include <relance/app/error.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/runs.hpp>

#include "fields.hpp"
#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

// A run's place in the list, as its cursor holds it: "<created_at>.<row>".
std::pair<std::int64_t, std::int64_t> run_place(const std::string& key) {
    auto dot = key.find('.');
    try {
        if (dot != std::string::npos && dot > 0 && dot + 1 < key.size()) {
            std::size_t used_a = 0, used_b = 0;
            std::int64_t created = std::stoll(key.substr(0, dot), &used_a);
            std::int64_t row = std::stoll(key.substr(dot + 1), &used_b);
            if (used_a == dot && used_b == key.size() - dot - 1) return {created, row};
        }
    } catch (const std::exception&) {
    }
    throw app::Error(app::ErrorKind::invalid, "cursor is not one this server gave", "cursor");
}

Reply list(Call& call) {
    app::RunQuery query;
    query.status = call.query("status");
    query.workflow = call.query("workflow");
    PageRequest page = page_request(call);
    if (page.after) query.after = run_place(*page.after);
    // One more than the page: whether another page follows.
    query.limit = page.limit + 1;
    nlohmann::json runs = nlohmann::json::array();
    bool more = false;
    std::string last_key;
    call.workspace.list_runs(query, [&](const app::RunSummary& r) {
        if (static_cast<int>(runs.size()) == page.limit) {
            more = true;
            return false;
        }
        runs.push_back(app::run_view(r.run, r.step));
        last_key = std::to_string(r.run.created_at) + "." + std::to_string(r.run.row);
        return true;
    });
    nlohmann::json body{{"runs", std::move(runs)}};
    finish_page(body, more, last_key);
    return {200, std::move(body)};
}

Reply show(Call& call) {
    return {200, app::run_detail_view(call.workspace.get_run(call.params[0]))};
}

Reply cancel(Call& call) {
    Fields fields(call.body, {"reason"});
    std::string reason = fields.optional_string("reason").value_or("");
    return {200, app::run_change_view(call.workspace.cancel_run(call.params[0], reason))};
}

Reply retry(Call& call) {
    Fields fields(call.body, {});
    auto change = call.workspace.retry_run(call.params[0]);
    call.work_added();
    return {200, app::run_change_view(change)};
}

Reply resolve(Call& call) {
    Fields fields(call.body, {"as"});
    std::string as = fields.required_string("as");
    if (as != "sent" && as != "retry")
        throw app::Error(app::ErrorKind::invalid,
                         "'as' must be \"sent\" (it went out: move on) or \"retry\" (it did not: "
                         "run it again), not \"" +
                             as + "\"",
                         "as");
    const std::string& id = call.params[0];
    call.workspace.resolve_run(
        id, as == "sent" ? runtime::Resolution::sent : runtime::Resolution::retry);
    call.work_added();
    auto run = call.workspace.get_run(id);
    return {200,
            nlohmann::json{
                {"id", id}, {"resolved_as", as}, {"status", store::to_string(run.run.status)}}};
}

}  // namespace

void add_run_routes(Router& router) {
    router.add({"GET",
                "/v1/runs",
                "runs:read",
                BodyKind::none,
                {"status", "workflow", "limit", "cursor"},
                false,
                false,
                list});
    router.add({"GET", "/v1/runs/{id}", "runs:read", BodyKind::none, {}, false, false, show});
    router.add({"POST",
                "/v1/runs/{id}/cancel",
                "runs:write",
                BodyKind::optional,
                {},
                false,
                false,
                cancel});
    router.add(
        {"POST", "/v1/runs/{id}/retry", "runs:write", BodyKind::optional, {}, false, false, retry});
    router.add({"POST",
                "/v1/runs/{id}/resolve",
                "runs:write",
                BodyKind::required,
                {},
                false,
                false,
                resolve});
}

}  // namespace relance::api::detail
