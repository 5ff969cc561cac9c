// JSON views of what the application layer returns: a run, its detail with the timeline, what
// cancel or retry did, an event's outcome, a suppression entry, a workflow's stats. Written once,
// here, for both front ends: the command line prints them with --json, the HTTP API answers
// them. A field added here appears in both; a field renamed here changes both (docs/cli.md and
// docs/api.md describe these shapes).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <relance/app/workspace.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/stats.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::app {

// A run as listed: id, workflow, status, the step it is at, attempt, reason, times, inputs.
nlohmann::json run_view(const store::Run& run, const std::string& step);
// A run as shown: run_view plus its context (every step's output) and its timeline.
nlohmann::json run_detail_view(const RunDetail& detail);
// One line of a timeline.
nlohmann::json step_view(const store::StepRecord& step);
// What cancel or retry did: {"id", "status", "was_held"}.
nlohmann::json run_change_view(const RunChange& change);
// What recording an event did: its id, the contact key, whether it was new, the runs it stopped
// or found in flight, and the suppression it caused.
nlohmann::json event_outcome_view(const runtime::EventOutcome& outcome);
// One suppression entry.
nlohmann::json suppression_view(const store::Suppression& entry);
// A workflow's rows per step and variant: sent, failed, events.
nlohmann::json stats_view(const std::vector<runtime::StepStats>& rows);
// A deployed workflow: name, version, version_id, file, sha256, deployed_at, hooks (name, path,
// scheme), crons.
nlohmann::json workflow_view(const DeployedWorkflow& workflow);
// What validating a workflow found: {"valid", "name", "version", "problems": [{severity, file,
// line, column, message}]}.
nlohmann::json workflow_check_view(const WorkflowCheck& check);
// What starting a run did: {"outcome": started|duplicate|skipped, "run_id", "workflow",
// "version", "reason"?, "warnings"?}.
nlohmann::json started_run_view(const StartedRun& run);

}  // namespace relance::app
