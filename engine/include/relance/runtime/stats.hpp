// Per-step and per-variant figures of a workflow: what went out, and what contacts did after.
#pragma once

#include <map>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::runtime {

struct StepStats {
    std::string step_id;
    std::string kind;       // sendgrid.send
    std::string variant;    // "" when the step has none
    std::int64_t sent = 0;  // succeeded (or reconciled as done)
    std::int64_t failed = 0;
    std::map<std::string, std::int64_t> events;  // by type, attributed to this step
};

// Events are attributed to the step whose message they name (message id), else to the last
// step of the run that went out before the event occurred. Rows come in order of first
// appearance in the runs' timelines. Counted by the store in one pass over the workflow's runs
// (store::Store::workflow_counts, where the rules are spelled out): no query per run.
std::vector<StepStats> workflow_stats(store::Store& store, const std::string& workflow);

}  // namespace relance::runtime
