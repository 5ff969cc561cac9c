#include "workflow_cache.hpp"

#include <stdexcept>

namespace relance::runtime {

const CompiledWorkflow& WorkflowCache::get(std::int64_t version_id) {
    std::lock_guard g(m_);
    auto it = cache_.find(version_id);
    if (it != cache_.end()) return *it->second;
    auto version = store_.get_workflow_version(version_id);
    if (!version)
        throw std::runtime_error("workflow version " + std::to_string(version_id) +
                                 " is missing from the store");
    auto compiled = std::make_unique<CompiledWorkflow>();
    compiled->workflow = model::load_workflow_text(version->source, version->file);
    compiled->program = model::compile(compiled->workflow);
    compiled->schedule = std::make_unique<CompiledSchedule>(compiled->workflow.schedule,
                                                            config_ ? &config_->calendar : nullptr);
    // Only workflows that read it pay for loading a contact's history on each claim.
    compiled->uses_history = version->source.find("history.") != std::string::npos;
    auto& ref = *compiled;
    cache_.emplace(version_id, std::move(compiled));
    return ref;
}

}  // namespace relance::runtime
