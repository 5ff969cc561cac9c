// The routes of API v1, one file per resource. Each adds its routes to the router; a handler
// parses what the request carries, calls one workspace operation, and answers its view
// (relance/app/views.hpp, the shapes `relance --json` prints).
#pragma once

#include "router.hpp"

namespace relance::api::detail {

void add_health_routes(Router& router);       // /healthz, /readyz
void add_run_routes(Router& router);          // /v1/runs...
void add_event_routes(Router& router);        // /v1/events
void add_suppression_routes(Router& router);  // /v1/suppressions...
void add_stats_routes(Router& router);        // /v1/stats/{workflow}
void add_workflow_routes(Router& router);     // /v1/workflows..., POST /v1/runs
void add_hook_routes(Router& router);         // /v1/hooks/{name}: webhook triggers
void add_inbound_routes(Router& router);      // /v1/inbound/{plugin}/{account}: provider callbacks
void add_metrics_routes(Router& router);      // /metrics

}  // namespace relance::api::detail
