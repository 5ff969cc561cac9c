// GET /v1/workflows, GET /v1/workflows/{name}, POST /v1/workflows (deploy),
// POST /v1/workflows/validate, POST /v1/runs (start one run of a deployed workflow).
#include <relance/app/error.hpp>
#include <relance/app/views.hpp>

#include "fields.hpp"
#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

// By name; the cursor is the last name shown. A workspace deploys tens of workflows, not
// millions: the page is cut from the deployed list in memory.
Reply list(Call& call) {
    PageRequest page = page_request(call);
    nlohmann::json out = nlohmann::json::array();
    bool more = false;
    std::string last;
    for (const auto& w : call.workspace.workflows()) {
        if (page.after && w.name <= *page.after) continue;
        if (static_cast<int>(out.size()) == page.limit) {
            more = true;
            break;
        }
        out.push_back(app::workflow_view(w));
        last = w.name;
    }
    nlohmann::json body{{"workflows", std::move(out)}};
    finish_page(body, more, last);
    return Reply(200, std::move(body));
}

Reply show(Call& call) {
    return Reply(200, app::workflow_view(call.workspace.get_workflow(call.params[0])));
}

// {"source": "<the workflow's YAML>", "file": "lead.yaml"}: the file name only names the
// workflow in diagnostics.
std::pair<std::string, std::string> source_of(Call& call) {
    Fields fields(call.body, {"source", "file"});
    std::string source = fields.required_string("source");
    std::string file = fields.optional_string("file").value_or("workflow.yaml");
    if (file.empty() || file.size() > 200)
        throw app::Error(app::ErrorKind::invalid, "'file' is a name of 1 to 200 characters",
                         "file");
    return {std::move(source), std::move(file)};
}

Reply validate(Call& call) {
    auto [source, file] = source_of(call);
    return Reply(200, app::workflow_check_view(call.workspace.validate_workflow(source, file)));
}

Reply deploy(Call& call) {
    auto [source, file] = source_of(call);
    app::DeployedWorkflow w = call.workspace.deploy_workflow(source, file);
    // 201 for a version that goes live now, 200 for the one that already was.
    return Reply(w.changed ? 201 : 200, app::workflow_view(w));
}

Reply start(Call& call) {
    Fields fields(call.body, {"workflow", "input", "idempotency_key"});
    std::string workflow = fields.required_string("workflow");
    auto input = fields.optional_object("input");
    std::string key = fields.optional_string("idempotency_key").value_or("");
    if (key.size() > 256)
        throw app::Error(app::ErrorKind::invalid, "the idempotency key is longer than 256 bytes",
                         "idempotency_key");
    app::StartedRun run = call.workspace.start_run(
        workflow, input ? std::move(*input) : nlohmann::json::object(), key);
    if (run.outcome == app::StartedRun::Outcome::started) call.work_added();
    return Reply(run.outcome == app::StartedRun::Outcome::started ? 201 : 200,
                 app::started_run_view(run));
}

Route route(const char* method, const char* pattern, const char* scope, BodyKind body,
            Reply (*handler)(Call&)) {
    Route r;
    r.method = method;
    r.pattern = pattern;
    r.scope = scope;
    r.body = body;
    r.handler = handler;
    return r;
}

}  // namespace

void add_workflow_routes(Router& router) {
    Route listing = route("GET", "/v1/workflows", "workflows:read", BodyKind::none, list);
    listing.query = {"limit", "cursor"};
    router.add(std::move(listing));
    router.add(route("GET", "/v1/workflows/{name}", "workflows:read", BodyKind::none, show));
    router.add(route("POST", "/v1/workflows", "workflows:write", BodyKind::required, deploy));
    router.add(
        route("POST", "/v1/workflows/validate", "workflows:read", BodyKind::required, validate));
    router.add(route("POST", "/v1/runs", "runs:write", BodyKind::required, start));
}

}  // namespace relance::api::detail
