#include "workflow_cache.hpp"

#include <list>
#include <stdexcept>
#include <tuple>

namespace relance::runtime {

namespace {

// A version's text made runnable; the reason in `error` when it does not load (nothing about
// the store in it: the same text may come from several).
std::pair<std::shared_ptr<const CompiledWorkflow>, std::string> compile_text(
    const store::WorkflowVersion& version, const model::Config* config) {
    try {
        auto compiled = std::make_shared<CompiledWorkflow>();
        compiled->workflow = model::load_workflow_text(version.source, version.file);
        compiled->program = model::compile(compiled->workflow);
        compiled->schedule = std::make_unique<CompiledSchedule>(
            compiled->workflow.schedule, config ? &config->calendar : nullptr);
        // Only workflows that read it pay for loading a contact's history on each claim.
        compiled->uses_history = version.source.find("history.") != std::string::npos;
        return {std::move(compiled), {}};
    } catch (const std::exception& e) {
        return {nullptr, e.what()};
    }
}

// Compiled texts, least recently used last. The config is part of the key by address, and held
// by the entry so that no other config can take that address while the entry lives.
class CompiledTexts {
  public:
    using Result = std::pair<std::shared_ptr<const CompiledWorkflow>, std::string>;

    Result get(const store::WorkflowVersion& version,
               const std::shared_ptr<const model::Config>& config) {
        Key key{version.sha256, version.file, config.get()};
        std::lock_guard g(m_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            ages_.splice(ages_.begin(), ages_, it->second.age);
            return it->second.result;
        }
        // Compiled under the lock, once: a new version is rare, and every caller waits for it.
        Result result = compile_text(version, config.get());
        ages_.push_front(key);
        entries_.emplace(std::move(key), Entry{result, config, ages_.begin()});
        if (entries_.size() > WorkflowCache::kCapacity) {
            entries_.erase(ages_.back());
            ages_.pop_back();
        }
        return result;
    }

  private:
    struct Key {
        std::string sha256;
        std::string file;
        const model::Config* config;
        bool operator<(const Key& o) const {
            return std::tie(sha256, file, config) < std::tie(o.sha256, o.file, o.config);
        }
    };
    struct Entry {
        Result result;
        std::shared_ptr<const model::Config> config;  // keeps the key's address its own
        std::list<Key>::iterator age;
    };
    std::mutex m_;
    std::map<Key, Entry> entries_;
    std::list<Key> ages_;  // most recently used first
};

}  // namespace

WorkflowCache::Outcome WorkflowCache::compiled_text(
    const store::WorkflowVersion& version, const std::shared_ptr<const model::Config>& config) {
    static CompiledTexts texts;  // one per process: what it holds is true in every store
    auto [compiled, error] = texts.get(version, config);
    return {std::move(compiled), std::move(error)};
}

WorkflowCache::Outcome WorkflowCache::lookup(std::int64_t version_id) {
    std::lock_guard g(m_);
    if (auto it = by_id_.find(version_id); it != by_id_.end()) return it->second;
    std::string name = "workflow version " + std::to_string(version_id);
    auto version = store_.get_workflow_version(version_id);
    // Not remembered: a missing version is a broken store, not a fact about a text.
    if (!version) return {nullptr, name + " is missing from the store"};
    Outcome outcome = compiled_text(*version, config_);
    if (!outcome.compiled)
        outcome.error = name + " (" + version->file + ") no longer loads: " + outcome.error;
    if (by_id_.size() >= kCapacity) by_id_.clear();  // refilled on demand from the shared level
    by_id_.emplace(version_id, outcome);
    return outcome;
}

std::shared_ptr<const CompiledWorkflow> WorkflowCache::load(std::int64_t version_id) {
    Outcome outcome = lookup(version_id);
    if (!outcome.compiled) throw std::runtime_error(outcome.error);
    return std::move(outcome.compiled);
}

std::shared_ptr<const CompiledWorkflow> WorkflowCache::find(std::int64_t version_id,
                                                            std::string* why) {
    Outcome outcome = lookup(version_id);
    if (!outcome.compiled && why) *why = outcome.error;
    return std::move(outcome.compiled);
}

}  // namespace relance::runtime
