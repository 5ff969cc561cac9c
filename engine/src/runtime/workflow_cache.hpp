// Compiled workflow versions by id. A run is pinned to the source stored with its version, so
// editing the file on disk never changes a run in flight; the workspace calendar of the config
// the worker started with is joined to every version's schedule, so its dates reach them all.
#pragma once

#include <relance/model/config.hpp>
#include <relance/model/workflow.hpp>
#include <relance/store/store.hpp>

#include "schedule.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace relance::runtime {

struct CompiledWorkflow {
    model::Workflow workflow;
    model::Program program;  // points into workflow.steps: keep both together, never copy
    std::unique_ptr<CompiledSchedule> schedule;  // always set; may have no window
    bool uses_history = false;  // conditions or templates read `history.`: load it per claim
};

class WorkflowCache {
public:
    WorkflowCache(store::Store& store, std::shared_ptr<const model::Config> config)
        : store_(store), config_(std::move(config)) {}
    // Throws std::runtime_error when the version is missing or no longer parses.
    const CompiledWorkflow& get(std::int64_t version_id);

private:
    store::Store& store_;
    std::shared_ptr<const model::Config> config_;  // nullptr: no workspace calendar
    std::mutex m_;
    std::map<std::int64_t, std::unique_ptr<CompiledWorkflow>> cache_;
};

}  // namespace relance::runtime
