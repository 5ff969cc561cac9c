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
void add_subscription_routes(Router& router); // /v1/subscriptions...: outbound webhooks
void add_feed_routes(Router& router);         // GET /v1/events?after=: the polling feed
void add_tracking_routes(Router& router);     // /t/...: open pixel, click redirect, unsubscribe
void add_contact_routes(Router& router);      // /v1/contacts...
void add_sender_routes(Router& router);       // /v1/senders
void add_openapi_routes(Router& router);      // /openapi.json

}  // namespace relance::api::detail
