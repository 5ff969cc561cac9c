// GET /healthz (the process answers) and GET /readyz (it can serve: the store reads, the
// in-process worker runs, the server is not stopping). No key: orchestrators call them.
#include <relance/app/error.hpp>
#include <relance/store/store.hpp>

#include "problem.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

Reply healthz(Call&) {
    return {200, nlohmann::json{{"status", "ok"}}};
}

Reply readyz(Call& call) {
    if (call.draining) throw ProblemError(http_problem(503, "the server is shutting down"));
    try {
        call.workspace.store().next_due();  // one indexed read: the store opens and answers
    } catch (const std::exception& e) {
        // The log has the reason; the answer says only what is not ready.
        call.log_error(std::string("readyz: the store: ") + e.what());
        throw ProblemError(http_problem(503, "the store cannot be read"));
    }
    std::string worker = "none";
    if (call.hooks.worker_problem) {
        if (auto problem = call.hooks.worker_problem())
            throw ProblemError(http_problem(503, "the worker is not running: " + *problem));
        worker = "running";
    }
    return {200, nlohmann::json{{"status", "ready"}, {"worker", worker}}};
}

}  // namespace

void add_health_routes(Router& router) {
    router.add({"GET", "/healthz", "", BodyKind::none, {}, true, false, healthz});
    router.add({"GET", "/readyz", "", BodyKind::none, {}, true, false, readyz});
}

}  // namespace relance::api::detail
