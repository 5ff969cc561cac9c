// Deployed workflows, loaded from the store's versions and kept as one immutable snapshot.
#include "deployed.hpp"

#include <relance/app/error.hpp>

namespace relance::app {

const Workspace::Deployed::Loaded& Workspace::Deployed::load(std::int64_t version_id) {
    // Called with m_ held.
    if (auto it = versions_.find(version_id); it != versions_.end()) return it->second;
    auto version = store_.get_workflow_version(version_id);
    if (!version)
        throw Error(ErrorKind::failure,
                    "deployed workflow version " + std::to_string(version_id) + " is missing");
    Loaded loaded{std::make_shared<const model::Workflow>(
                      model::load_workflow_text(version->source, version->file)),
                  version->sha256};
    return versions_.emplace(version_id, std::move(loaded)).first->second;
}

std::shared_ptr<const DeployedSnapshot> Workspace::Deployed::build(std::int64_t seq) {
    auto snap = std::make_shared<DeployedSnapshot>();
    snap->seq = seq;
    for (const auto& d : store_.deployments()) {
        DeployedEntry e;
        try {
            const Loaded& loaded = load(d.workflow_version_id);
            e.workflow = loaded.workflow;
            e.sha256 = loaded.sha256;
        } catch (const model::LoadError&) {
            // Deployed by a relance that read it differently: it was valid then. Its runs go on
            // in the worker; it takes no new ones until deployed again.
            continue;
        }
        e.version_id = d.workflow_version_id;
        e.deployed_at = d.deployed_at;
        for (const auto& hook : e.workflow->triggers.webhooks) {
            DeployedHook h;
            h.workflow = e.workflow;
            h.version_id = e.version_id;
            h.trigger = &hook;
            h.scheme = signatures::parse_scheme(hook.scheme, hook.scheme_options);
            // Two workflows deployed with one hook name (deploy refuses it; a store written by
            // two processes at once could still hold it): the first by name keeps it.
            snap->hooks.emplace(hook.name, std::move(h));
        }
        snap->workflows.emplace(d.name, std::move(e));
    }
    return snap;
}

std::shared_ptr<const DeployedSnapshot> Workspace::Deployed::current(bool fresh) {
    std::lock_guard g(m_);
    auto now = std::chrono::steady_clock::now();
    if (snapshot_ && !fresh && now - checked_ < kDeployCheckInterval) return snapshot_;
    checked_ = now;
    std::int64_t seq = store_.deployment_seq();
    if (!snapshot_ || snapshot_->seq != seq) snapshot_ = build(seq);
    return snapshot_;
}

}  // namespace relance::app
