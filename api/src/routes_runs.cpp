// GET /v1/runs, GET /v1/runs/{id}, POST /v1/runs/{id}/cancel | retry | resolve
#include <relance/app/error.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/runs.hpp>

#include "fields.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

constexpr int kMaxLimit = 1000;

int parse_limit(const std::string& text) {
    if (text.empty()) return 100;
    bool digits = text.size() <= 9 && std::all_of(text.begin(), text.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    int limit = digits ? std::stoi(text) : 0;
    if (limit < 1 || limit > kMaxLimit)
        throw app::Error(app::ErrorKind::invalid,
                         "limit must be a whole number from 1 to " + std::to_string(kMaxLimit),
                         "limit");
    return limit;
}

Reply list(Call& call) {
    app::RunQuery query;
    query.status = call.query("status");
    query.workflow = call.query("workflow");
    query.limit = parse_limit(call.query("limit"));
    nlohmann::json runs = nlohmann::json::array();
    call.workspace.list_runs(query, [&](const app::RunSummary& r) {
        runs.push_back(app::run_view(r.run, r.step));
        return true;
    });
    return {200, nlohmann::json{{"runs", std::move(runs)}}};
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
                {"status", "workflow", "limit"},
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
