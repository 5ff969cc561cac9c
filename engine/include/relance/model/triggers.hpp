// What starts a workflow's runs besides `relance run`: its `triggers:`.
//
//   triggers:
//     - webhook:
//         name: new-lead                       # POST /v1/hooks/new-lead
//         input:                               # optional: the body itself when absent
//           email: "{{ body.email }}"
//           first_name: "{{ body.name.first | body.first_name }}"
//           source: "{{ headers.x-source | \"form\" }}"
//         idempotency_key: "{{ body.lead_id }}"   # optional
//         signature:
//           scheme: standard_webhooks          # stripe, hmac_sha256, none
//           secret: crm_hook                   # a secret's name, never its value
//           tolerance: 300                     # scheme options (signatures/scheme.hpp)
//         allow_unsigned: true                 # required with scheme: none
//     - cron: "0 9 * * mon-fri"
//       timezone: Europe/Paris
//       missed: skip                           # or run_once, after downtime
//       input: {email: ops@acme.test}
//
// The loader checks each entry (scheme and options through signatures::parse_scheme, cron specs
// through calendar::parse_cron, templates parse); docs/triggers.md is the user's guide.
#pragma once

#include <relance/model/source_pos.hpp>
#include <string>
#include <utility>
#include <vector>

namespace relance::model {

struct WebhookTrigger {
    std::string name;  // the path segment of /v1/hooks/{name}: lowercase letters, digits, - and _
    // Input field -> template over {body, headers, query} (header names lower-case). Empty: the
    // body's object is the input record as it is.
    std::vector<std::pair<std::string, std::string>> input;
    // A template over the same scope; "" = the request's Idempotency-Key header, else the
    // signature's delivery id (webhook-id, Stripe's event id is in the body), else none (every
    // request starts a run).
    std::string idempotency_key;
    std::string scheme = "none";  // signatures::SchemeKind by name
    std::vector<std::pair<std::string, std::string>> scheme_options;  // as written
    std::string secret;  // the secret's name in the workspace's secret source
    bool allow_unsigned = false;
    SourcePos pos;
};

enum class MissedFire { skip, run_once };

struct CronTrigger {
    std::string spec;      // "0 9 * * mon-fri" or "@daily"
    std::string timezone;  // "" = the workflow's schedule timezone, else UTC
    MissedFire missed = MissedFire::skip;
    std::string input_json = "{}";  // the record each fire starts a run with (a JSON object)
    SourcePos pos;
};

struct Triggers {
    std::vector<WebhookTrigger> webhooks;
    std::vector<CronTrigger> crons;
    bool empty() const { return webhooks.empty() && crons.empty(); }
};

}  // namespace relance::model
