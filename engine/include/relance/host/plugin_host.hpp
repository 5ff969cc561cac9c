// The plugin host: finds plugin libraries on the plugin path, loads them with Boost.DLL
// (rtld_now), checks the ABI, reads manifests, serves sandbox emulators on 127.0.0.1 and lends
// host services (HTTP, log, secrets, clock, cache, sandbox records) to plugins.
//
// A file that cannot be loaded is refused with its path and the reason; loading goes on with the
// others. Nothing here throws for a bad plugin.
#pragma once

#include <relance/model/validate.hpp>
#include <relance/base/clock.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace relance::host {

using json = nlohmann::json;

enum class Mode { live, sandbox };

struct PluginManifest {
    std::string name;
    std::string version;
    std::string description;
    std::vector<model::ActionSpec> actions;
    json secrets = json::array();  // [{"name","description","required"}]
    json limits = json::object();  // default sender/provider limits
    json events = json::array();   // event types its webhooks parse
    json pollers = json::array();
    json raw;                      // the manifest as the plugin gave it
};

struct LoadFailure {
    std::string file;
    std::string reason;
    std::string str() const { return file + ": " + reason; }
};

// The classified outcome of one action call.
struct ActionOutcome {
    // account: the provider refused the account (a revoked key, an unverified sender): nothing
    // was sent, and the account's sends wait until it is fixed.
    enum class Status { ok, retryable, rate_limited, permanent, in_doubt, account };
    Status status = Status::ok;
    json output = json::object();  // with ok
    std::string error;             // otherwise; never contains a known secret
    Millis retry_after{0};
};
const char* to_string(ActionOutcome::Status s);

struct ActionRequest {
    std::string action;
    json input;
    std::string message_id;
    std::string run_id;
    unsigned attempt = 1;
    std::int64_t started_at_ms = 0;  // when this attempt was committed as started
};

// After a crash: did an in-doubt call take effect?
struct ReconcileOutcome {
    enum class Outcome { done, not_done, unknown, pending };
    Outcome outcome = Outcome::unknown;
    json output = json::object();
    Millis retry_after{0};  // with pending: when to ask again
};

struct HostConfig {
    std::vector<std::filesystem::path> plugin_path;  // directories (and/or files) to load
    Mode mode = Mode::sandbox;
    const Clock* clock = nullptr;                    // required
    // Extra configuration per plugin name, merged into the config given to create().
    std::map<std::string, json> plugin_config;
    // Configuration of each plugin's sandbox emulator (failure injection, latency...).
    std::map<std::string, json> sandbox_config;
    // Secret lookup for live mode: (plugin, secret name) -> value.
    std::function<std::optional<std::string>(const std::string&, const std::string&)> secrets;
    // Where sandbox_record() entries go: (plugin, box, entry). The store persists them.
    std::function<void(const std::string&, const std::string&, const json&)> sandbox_recorder;
    // What a plugin's emulator recorded before (by earlier processes): {box: [entries]}. Given
    // to the emulator as config "history", so that it remembers, after a crash, the messages it
    // accepted, and reconcile() can find them.
    std::function<json(const std::string&)> sandbox_history;
};

class LoadedPlugin {
public:
    virtual ~LoadedPlugin() = default;
    virtual const PluginManifest& manifest() const = 0;
    virtual const std::filesystem::path& file() const = 0;
    virtual bool has_sandbox() const = 0;
    // Base URL of the running sandbox emulator ("http://127.0.0.1:PORT"), empty if none.
    virtual std::string sandbox_url() const = 0;
    // Calls an action. Requires activate(). Thread-safe.
    virtual ActionOutcome invoke(const ActionRequest& request) = 0;
    // Asks the plugin about an in-doubt call; std::nullopt if it cannot reconcile.
    virtual std::optional<ReconcileOutcome> reconcile(const ActionRequest& request) = 0;
};

class PluginHost final : public model::ActionCatalog {
public:
    explicit PluginHost(HostConfig config);
    ~PluginHost() override;  // destroys instances and sandboxes before unloading libraries
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // Phase 1: load every library on the plugin path and read manifests. Refusals are recorded.
    void load_all();
    // Loads one file; returns false (and records the failure) if it is refused.
    bool load_file(const std::filesystem::path& file);
    // Phase 2: start sandbox emulators (in sandbox mode) and create plugin instances. A plugin
    // whose create() fails is refused and unloaded.
    void activate();

    const std::vector<LoadFailure>& failures() const;
    std::vector<LoadedPlugin*> plugins() const;
    LoadedPlugin* find(const std::string& name) const;
    Mode mode() const;

    // model::ActionCatalog
    bool has_plugin(const std::string& plugin) const override;
    const model::ActionSpec* find_action(const std::string& plugin,
                                         const std::string& action) const override;
    std::vector<std::string> plugin_names() const override;
    std::vector<std::string> action_names(const std::string& plugin) const override;

    // The default plugin path: $RELANCE_PLUGIN_PATH (colon-separated) if set, else the
    // "plugins" directory next to the running executable and <prefix>/lib/relance/plugins.
    static std::vector<std::filesystem::path> default_plugin_path();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::host
