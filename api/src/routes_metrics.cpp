// GET /metrics: the server's metrics as Prometheus text (relance/api/metrics.hpp). No API key:
// a scraper is not a client of the v1 API. With `relance serve --metrics-token-file`, the
// scraper sends that token as a bearer token instead (Prometheus: `authorization:
// credentials_file`).
#include <relance/app/error.hpp>

#include "auth.hpp"
#include "problem.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

// The Prometheus text exposition format, version 0.0.4 (what TextSerializer writes).
constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

Reply metrics(Call& call) {
    if (!call.metrics) throw ProblemError(http_problem(404, "no route for /metrics"));
    if (call.metrics->needs_token() && !call.metrics->token_matches(bearer_token(call.request, "/metrics needs its token")))
        refuse_token("this is not the metrics token");
    Reply reply;
    reply.text = call.metrics->scrape(call.workspace);
    reply.content_type = kExpositionType;
    return reply;
}

}  // namespace

void add_metrics_routes(Router& router) {
    // Any query is ignored (a scraper may add its own parameters).
    router.add({"GET", "/metrics", "", BodyKind::none, {}, true, false, metrics});
}

}  // namespace relance::api::detail
