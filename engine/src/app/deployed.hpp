// The deployed workflows of a workspace as a server uses them: each version loaded once, and
// the hooks by name. A snapshot is shared by the request threads and replaced whole when the
// store's deployments change (a deploy by this process, or by another one, seen within
// kDeployCheckInterval), so a request never sees half a deploy and never waits for one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <relance/app/workspace.hpp>
#include <relance/model/workflow.hpp>
#include <relance/signatures/scheme.hpp>
#include <string>

namespace relance::app {

inline constexpr std::chrono::milliseconds kDeployCheckInterval{1000};

struct DeployedEntry {
    std::shared_ptr<const model::Workflow> workflow;
    std::int64_t version_id = 0;
    std::int64_t deployed_at = 0;
    std::string sha256;
};

struct DeployedHook {
    std::shared_ptr<const model::Workflow> workflow;
    std::int64_t version_id = 0;
    const model::WebhookTrigger* trigger = nullptr;  // inside *workflow
    signatures::SchemeConfig scheme;
};

struct DeployedSnapshot {
    std::int64_t seq = 0;
    std::map<std::string, DeployedEntry> workflows;
    std::map<std::string, DeployedHook> hooks;
};

class Workspace::Deployed {
  public:
    explicit Deployed(store::Store& store) : store_(store) {}

    // The current snapshot; the store is asked whether it changed at most once per
    // kDeployCheckInterval, or now when `fresh`.
    std::shared_ptr<const DeployedSnapshot> current(bool fresh = false);

    // A stored version, loaded once: its workflow and the sha256 of its text.
    struct Loaded {
        std::shared_ptr<const model::Workflow> workflow;
        std::string sha256;
    };
    const Loaded& load(std::int64_t version_id);

  private:
    std::shared_ptr<const DeployedSnapshot> build(std::int64_t seq);

    store::Store& store_;
    std::mutex m_;
    std::shared_ptr<const DeployedSnapshot> snapshot_;
    std::chrono::steady_clock::time_point checked_{};
    std::map<std::int64_t, Loaded> versions_;
};

}  // namespace relance::app
