// Simulation: a workflow run over input records on a virtual clock against the sandbox
// emulators. Weeks pass in seconds; every step still goes through the real store, executor and
// plugins (over loopback HTTP), so what it prints is what production would do.
#pragma once

#include <relance/host/plugin_host.hpp>
#include <relance/model/workflow.hpp>
#include <relance/base/clock.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/scenario.hpp>
#include <relance/runtime/stats.hpp>
#include <relance/store/store.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relance::runtime {

struct SimulationOptions {
    int days = 14;
    ExecutorOptions executor;
    std::optional<Scenario> scenario;  // how contacts react; none: nobody reacts
};

struct SimulatedStep {
    std::int64_t at = 0;  // unix ms (virtual)
    std::string step_id;
    std::string kind;
    store::StepStatus status = store::StepStatus::done;
    std::string detail;
};

struct SimulatedLead {
    std::string run_id;
    std::string lead;  // the record's email, else its id, else the run id
    store::RunStatus status = store::RunStatus::ready;
    std::string reason;
    std::vector<SimulatedStep> actions;  // action attempts and their outcomes, in order
    std::optional<std::int64_t> finished_at;
};

struct StepTotals {
    std::string step_id;
    std::string kind;
    std::int64_t succeeded = 0, failed = 0, skipped = 0, retried = 0, in_doubt = 0;
};

struct SimulationReport {
    std::string workflow;
    std::string version;
    std::int64_t start = 0, end = 0;
    StartResult started;
    std::vector<SimulatedLead> leads;
    std::vector<StepTotals> steps;  // in program order
    store::RunCounts counts;
    ExecutorStats stats;
    std::vector<StepStats> variants;               // per step and variant (relance stats)
    std::map<std::string, std::int64_t> deferrals;  // timeline "deferred" lines, by reason
    std::map<std::string, std::int64_t> events;     // scenario events recorded, by type
};

// Starts one run per record at clock.now() and executes until `days` have passed or nothing is
// scheduled any more. `host` must be activated (sandbox mode).
SimulationReport simulate(store::Store& store, host::PluginHost& host, VirtualClock& clock,
                          const model::Workflow& wf, const std::vector<nlohmann::json>& records,
                          const std::vector<std::string>& where, const SimulationOptions& options);

}  // namespace relance::runtime
