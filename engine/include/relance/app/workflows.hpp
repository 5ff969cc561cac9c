// The workflow operations of a workspace, and what they answer: validate a workflow's text,
// deploy it (the version new runs take), list what is deployed, start a run on it, and take a
// webhook trigger's request. Deploying needs no restart: a server sees a deploy made by another
// process within a second (Workspace::receive_hook), and runs already started keep the version
// they started on.
#pragma once

#include <cstdint>
#include <relance/base/json_value.hpp>
#include <relance/model/source_pos.hpp>
#include <string>
#include <utility>
#include <vector>

namespace relance::app {

// A diagnostic of a workflow's text, as the loader and the validator give it.
struct WorkflowProblem {
    std::string severity;  // "error" or "warning"
    model::SourcePos pos;
    std::string message;
    std::string text;  // "file:line:col: error: message"
};

struct WorkflowCheck {
    bool valid = false;  // no error (warnings may remain)
    std::string name, version;
    std::vector<WorkflowProblem> problems;
};

struct HookSummary {
    std::string name;    // POST /v1/hooks/<name>
    std::string scheme;  // standard_webhooks, stripe, hmac_sha256, none
};

struct DeployedWorkflow {
    std::string name, version, file, sha256;
    std::int64_t version_id = 0;
    std::int64_t deployed_at = 0;  // unix ms
    std::vector<HookSummary> hooks;
    std::vector<std::string> crons;  // the cron specs
    bool changed = true;             // deploy: false when this version was deployed already
};

// What became of a request to start one run.
struct StartedRun {
    enum class Outcome {
        started,    // a new run (202)
        duplicate,  // the idempotency key had a run already: this is it (200)
        skipped,    // the workflow's enrollment policy refused the contact (200, no run)
    } outcome = Outcome::started;
    std::string run_id;  // started and duplicate
    std::string workflow, version;
    std::string reason;  // skipped: why
    std::vector<std::string> warnings;
};
const char* to_string(StartedRun::Outcome outcome);  // "started", "duplicate", "skipped"

// What one pass over the cron triggers did.
struct CronPass {
    std::vector<StartedRun> fired;  // a run per slot fired (started, or duplicate after a crash)
    std::size_t skipped = 0;        // slots missed while down and skipped by `missed: skip`
    std::int64_t next_at = 0;       // unix ms of the next slot of any trigger; 0 = none
    // Slots whose run could not start (its `input:` does not fit the workflow's inputs): the
    // slot is passed, with the reason, so one bad trigger does not stop the others.
    std::vector<std::string> errors;
};

// A webhook trigger's request as the server received it: the body's exact bytes (every scheme
// signs bytes), every header (repeated ones included), and the query parameters.
struct HookRequest {
    std::string name;  // the hook, from /v1/hooks/<name>
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::pair<std::string, std::string>> query;
    std::string body;
};

}  // namespace relance::app
