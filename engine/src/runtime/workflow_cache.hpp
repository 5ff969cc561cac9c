// Workflow versions as the engine runs them: the one place where a stored version (the text every
// run started on it is pinned to) is loaded and compiled. The worker, contact events (stop_on,
// wait_for) and `relance runs resolve|list|show` all read versions here, so they agree on what a
// version says and on whether it still loads. A run is pinned to the source stored with its
// version, so editing the file on disk never changes a run in flight; the workspace calendar of
// the config the worker started with is joined to every version's schedule, so its dates reach
// them all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <relance/model/config.hpp>
#include <relance/model/workflow.hpp>
#include <relance/store/store.hpp>
#include <string>

#include "schedule.hpp"

namespace relance::runtime {

struct CompiledWorkflow {
    model::Workflow workflow;
    model::Program program;  // points into workflow.steps: keep both together, never copy
    std::unique_ptr<CompiledSchedule> schedule;  // always set; may have no window
    bool uses_history = false;  // conditions or templates read `history.`: load it per claim
};

// The versions of one store, by id. What they compile to is shared by every cache in the
// process: a version is immutable and its SHA-256 names its text, so compiled versions are kept
// by text (with the file name the loader's messages give, and the config whose calendar the
// schedule joins), whatever store or cache asked first. Both levels are bounded, the least
// recently used dropped first; a caller keeps what it got for as long as it holds it.
class WorkflowCache {
  public:
    static constexpr std::size_t kCapacity = 256;  // versions, at each level

    // `config` may be nullptr (no workspace calendar): callers that need no schedule (contact
    // events, resolve) pass none rather than make one up.
    WorkflowCache(store::Store& store, std::shared_ptr<const model::Config> config)
        : store_(store), config_(std::move(config)) {}

    // The version compiled. Throws std::runtime_error saying why when it is missing from the
    // store or no longer loads (a text an older relance took that this one refuses).
    std::shared_ptr<const CompiledWorkflow> load(std::int64_t version_id);
    // The same, for callers that carry on without it: nullptr in those cases, with the reason
    // in `why` when given.
    std::shared_ptr<const CompiledWorkflow> find(std::int64_t version_id,
                                                 std::string* why = nullptr);

  private:
    struct Outcome {
        std::shared_ptr<const CompiledWorkflow> compiled;
        std::string error;  // why not, when `compiled` is nullptr
    };
    Outcome lookup(std::int64_t version_id);
    // The process-wide level: compiles each text once per config.
    static Outcome compiled_text(const store::WorkflowVersion& version,
                                 const std::shared_ptr<const model::Config>& config);

    store::Store& store_;
    std::shared_ptr<const model::Config> config_;  // nullptr: no workspace calendar
    std::mutex m_;
    std::map<std::int64_t, Outcome> by_id_;  // ids are this store's: cleared when full
};

}  // namespace relance::runtime
