// POST /v1/hooks/{name}: a webhook trigger. No API key: the request carries the hook's own
// signature (or the workflow opted into none). The run is committed before the answer: 202 with
// its id for a new run, 200 with the same id for an idempotency key seen before.
#include <relance/app/views.hpp>

#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply receive(Call& call) {
    app::HookRequest request;
    request.name = call.params[0];
    request.headers.assign(call.request.headers.begin(), call.request.headers.end());
    request.query.assign(call.request.params.begin(), call.request.params.end());
    request.body = std::move(call.raw_body);
    app::StartedRun run = call.workspace.receive_hook(request);
    if (run.outcome == app::StartedRun::Outcome::started) call.work_added();
    return Reply(run.outcome == app::StartedRun::Outcome::started ? 202 : 200,
                 app::started_run_view(run));
}

}  // namespace

void add_hook_routes(Router& router) {
    Route hook;
    hook.method = "POST";
    hook.pattern = "/v1/hooks/{name}";
    hook.body = BodyKind::raw;
    hook.any_query = true;  // a sender's own parameters (?source=form) reach the templates
    hook.handler = receive;
    router.add(std::move(hook));
}

}  // namespace relance::api::detail
