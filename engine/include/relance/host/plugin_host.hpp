// The plugin host: finds plugin libraries on the plugin path, loads them with Boost.DLL
// (rtld_now) or serves each from a child process (`relance plugin-host`), checks the ABI, reads
// manifests and compiles their schemas, serves sandbox emulators on 127.0.0.1 and lends host
// services (HTTP, log, secrets, clock, cache, sandbox records) to plugins.
//
// A file that cannot be loaded is refused with its path and the reason; loading goes on with the
// others. Nothing here throws for a bad plugin, and no plugin can take the worker down by hanging
// (every call has a deadline) or, out of process, by crashing (DESIGN invariant 10).
#pragma once

#include <relance/base/clock.hpp>
#include <relance/base/json_value.hpp>
#include <relance/model/config.hpp>
#include <relance/model/validate.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relance::host {

using json = nlohmann::json;

enum class Mode { live, sandbox };

// in_process: loaded into the worker. process: served by a child `relance plugin-host` that
// loads the library; the worker never dlopens it. docs/plugins.md ("Isolation") says which to
// choose and what each costs per call.
using Isolation = model::PluginIsolation;
const char* to_string(Isolation isolation);

struct PluginManifest {
    std::string name;
    std::string version;
    std::string description;
    std::vector<model::ActionSpec> actions;
    JsonValue secrets = JsonValue::array();  // [{"name","description","required"}]
    JsonValue limits = JsonValue::object();  // default sender/provider limits
    JsonValue events = JsonValue::array();   // event types its webhooks parse
    JsonValue pollers = JsonValue::array();
    // The inbound role (its provider's callbacks): {"description","callbacks":[{"name",...}],
    // "secrets":[names],"events":[types],"timeout_ms"}; null when the plugin takes none.
    JsonValue inbound;
    // Deadline of a call, by action, when the manifest declares one ("timeout_ms" on the action
    // or at the top level); otherwise the operator's setting or HostConfig::default_timeout.
    std::map<std::string, Millis> timeouts;
    JsonValue raw;  // the manifest as the plugin gave it
};

struct LoadFailure {
    std::string file;
    std::string reason;
    // The plugin's name when its manifest could be read (a plugin whose create() failed or whose
    // child could not start); "" when the file was refused before that.
    std::string plugin;
    std::string str() const { return file + ": " + reason; }
};

// The classified outcome of one action call.
struct ActionOutcome {
    enum class Status {
        ok,
        retryable,     // nothing happened: try again later (after retry_after if set)
        rate_limited,  // the provider asked to slow down: retry after retry_after
        permanent,     // failed and will fail again; or the effect may have happened but its
                       // output is unusable (not JSON, violates output_schema): never repeated
        in_doubt,      // may or may not have happened (a timeout after sending, a crash, a hang)
        account,       // the provider refused the account (revoked key, unverified sender):
                       // nothing was sent; pause that account's sends with `error`
        unavailable,   // the plugin could not take the call (restarting after a crash,
                       // quarantined, every call slot busy): it was not called, so the lead
                       // spends no attempt; try again after retry_after
    };
    Status status = Status::ok;
    JsonValue output = JsonValue::object();  // with ok
    std::string error;                       // otherwise; never contains a known secret
    Millis retry_after{0};
};
const char* to_string(ActionOutcome::Status s);

struct ActionRequest {
    std::string action;
    JsonValue input;
    std::string message_id;
    std::string run_id;
    unsigned attempt = 1;
    std::int64_t started_at_ms = 0;  // when this attempt was committed as started
    // Real time the call may take; 0: the plugin's default for the action
    // (LoadedPlugin::timeout_for). Past it the call is answered in doubt (retryable for a
    // safe_to_repeat action) and abandoned.
    Millis timeout{0};
};

// After a crash: did an in-doubt call take effect?
struct ReconcileOutcome {
    enum class Outcome { done, not_done, unknown, pending };
    Outcome outcome = Outcome::unknown;
    JsonValue output = JsonValue::object();
    Millis retry_after{0};  // with pending: when to ask again
    // Why it is unknown or pending ("sendgrid answered 503 to the Email Activity lookup...",
    // "plugin sendgrid quarantined after 3 crashes..."), for the run's timeline.
    std::string reason;
    // The provider refused the account while looking (pending): pause that account as for an
    // ActionOutcome::Status::account.
    bool account_refused = false;
};

// A provider's callback handed to a plugin's inbound role (POST /v1/inbound/{plugin}/{account}).
struct InboundCall {
    std::string account = "default";  // whose secrets verify it
    std::string method = "POST";
    std::string path;
    // As received, in order, repeated ones included.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;   // the exact bytes received (any content, binary included)
    Millis timeout{0};  // real time; 0: the manifest's inbound "timeout_ms", else 10 s
};

// Something that happened to a contact, as the plugin read it from a callback. Checked by the
// host: an id, a type that is a name, a contact, all within bounds.
struct InboundEvent {
    std::string id;          // the provider's event id
    std::string type;        // delivered, opened, clicked, replied, bounced, unsubscribed...
    std::string contact;     // as the provider wrote it: an email, a phone, a LinkedIn URL
    std::string message_id;  // the engine message id it concerns, "" when unknown
    std::int64_t at_ms = 0;  // when it happened; 0: unknown
    JsonValue data = JsonValue::object();
};

struct InboundOutcome {
    enum class Status {
        ok,
        no_role,       // the plugin takes no callbacks
        unauthorized,  // the request is not genuine (signature, credentials, stale timestamp)
        invalid,       // the request is malformed at `field`
        unavailable,   // it cannot be checked now (the plugin is restarting, quarantined, or
                       // cannot reach what it verifies with): send it again after retry_after
        failed,        // the plugin failed: crashed, hung, or answered something unusable
    };
    Status status = Status::ok;
    std::vector<InboundEvent> events;  // with ok
    std::size_t ignored = 0;           // with ok: what the request held that is no contact event
    std::vector<std::string> notes;    // with ok: why some of it was set aside
    std::string error;                 // otherwise; never contains a known secret
    std::string field;                 // with invalid: "body", "headers.content-type"...
    Millis retry_after{0};             // with unavailable
};
const char* to_string(InboundOutcome::Status s);

// Whether calls to a plugin may go now. The executor asks right before each call; when a plugin
// is unavailable its runs wait until retry_at with `reason` shown, and nothing is called.
struct Availability {
    bool available = true;
    TimePoint retry_at{};  // when to ask again (engine clock)
    std::string reason;    // "plugin sendgrid quarantined after 3 crashes in 60 s (last: ...)"
};

// What the host does about a plugin that crashes or hangs. Times are on the engine clock.
struct FaultPolicy {
    int quarantine_after = 3;         // this many faults (crashes, hangs) within `window`...
    Millis window{60'000};
    Millis quarantine_for{600'000};   // ...quarantine it this long, doubled each time in a row
    Millis max_quarantine{3'600'000};
    Millis restart_backoff{1'000};    // out of process: first wait before restarting a crashed
    Millis max_restart_backoff{300'000};  // child, doubled per crash in a row, up to this
    // Calls abandoned at their deadline and still inside the plugin. At this many, an in-process
    // plugin takes no new call until they return; a child process is killed and restarted.
    int max_stuck_calls = 3;
};

struct HostConfig {
    std::vector<std::filesystem::path> plugin_path;  // directories (and/or files) to load
    Mode mode = Mode::sandbox;
    const Clock* clock = nullptr;                    // required
    // Extra configuration per plugin name, merged into the config given to create().
    std::map<std::string, JsonValue> plugin_config;
    // Configuration of each plugin's sandbox emulator (failure injection, latency...).
    std::map<std::string, JsonValue> sandbox_config;
    // Secret lookup for live mode: (plugin, secret name) -> value.
    std::function<std::optional<std::string>(const std::string&, const std::string&)> secrets;
    // Where sandbox_record() entries go: (plugin, box, entry). The store persists them.
    std::function<void(const std::string&, const std::string&, const json&)> sandbox_recorder;
    // What a plugin's emulator recorded before (by earlier processes): {box: [entries]}. Given
    // to the emulator as config "history", so that it remembers, after a crash, the messages it
    // accepted, and reconcile() can find them.
    std::function<json(const std::string&)> sandbox_history;

    // The operator's settings by plugin name (workspace config `plugins:`). A plugin is matched
    // to its settings by its file name (sendgrid.so) before it is loaded, since out of process
    // the worker never loads it; its manifest must then bear the same name.
    std::map<std::string, model::PluginSettings> settings;
    Isolation default_isolation = Isolation::in_process;
    Millis default_timeout{60'000};  // per call, when neither the settings nor the manifest say
    Millis start_timeout{30'000};    // loading a plugin out of process, and its create()
    FaultPolicy faults;
    std::size_t max_output_bytes = 1u << 20;  // a plugin output larger than this is refused
    // The program serving a plugin out of process, as argv; the host appends "--fd N". Empty:
    // this executable, "plugin-host" (right when it is `relance`; tests name the binary).
    std::vector<std::string> plugin_host_command;
};

// Takes the `plugins:` section of a workspace config into a host config.
void apply_workspace_config(const model::Config& workspace, HostConfig& config);

class LoadedPlugin {
public:
    virtual ~LoadedPlugin() = default;
    virtual const PluginManifest& manifest() const = 0;
    virtual const std::filesystem::path& file() const = 0;
    virtual Isolation isolation() const = 0;
    virtual bool has_sandbox() const = 0;
    // Base URL of the running sandbox emulator ("http://127.0.0.1:PORT"), empty if none. Out of
    // process it changes when the child restarts.
    virtual std::string sandbox_url() const = 0;

    // Unavailable while quarantined, while a crashed child waits to restart, or while too many
    // calls are stuck inside it. Cheap: call it before every call.
    virtual Availability availability(TimePoint now) const = 0;
    // The deadline of a call of `action` whose request sets none.
    virtual Millis timeout_for(const std::string& action) const = 0;
    // The input checked against the action's input schema, compiled at load: problems as
    // "field: description", empty when valid (an unknown action is one problem).
    virtual std::vector<std::string> check_input(const std::string& action,
                                                 const json& input) const = 0;

    // Calls an action. Requires activate(). Thread-safe; several calls may be in flight. Never
    // throws; never blocks past the request's deadline (plus the time to hand the call over).
    // An ok output has been checked: a JSON object, within max_output_bytes, valid against the
    // action's output_schema, secrets redacted.
    virtual ActionOutcome invoke(const ActionRequest& request) = 0;
    // The same for several calls made in turn, each with its own deadline; in process they
    // cross to the plugin's thread once for all. Meant for actions safe to repeat: when one
    // misses its deadline, the later ones are not called (they answer unavailable).
    virtual std::vector<ActionOutcome> invoke_each(const std::vector<ActionRequest>& requests) {
        std::vector<ActionOutcome> out;
        out.reserve(requests.size());
        for (const auto& r : requests) out.push_back(invoke(r));
        return out;
    }
    // Asks the plugin about an in-doubt call; std::nullopt if it cannot reconcile. Same deadline
    // as invoke: a reconcile that hangs or crashes answers pending, with the reason.
    virtual std::optional<ReconcileOutcome> reconcile(const ActionRequest& request) = 0;

    // The inbound role: whether the plugin takes its provider's callbacks (its manifest declares
    // "inbound" and its table has parse_webhook).
    virtual bool has_inbound() const { return false; }
    // Hands a callback to the plugin, within its deadline, in either isolation. Never throws. An
    // ok outcome has been checked (events, bounds, secrets redacted); no_role when the plugin
    // takes no callbacks.
    virtual InboundOutcome receive(const InboundCall&) {
        InboundOutcome out;
        out.status = InboundOutcome::Status::no_role;
        out.error = "plugin " + manifest().name + " takes no callbacks";
        return out;
    }
};

class PluginHost final : public model::ActionCatalog {
public:
    explicit PluginHost(HostConfig config);
    // Destroys instances and sandboxes before unloading libraries, and stops child processes.
    // Never blocks on a plugin: a library with a call still inside it (abandoned at its
    // deadline) is neither destroyed nor unloaded but left as it is.
    ~PluginHost() override;
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // Phase 1: load every library on the plugin path and read manifests. Refusals are recorded.
    void load_all();
    // Loads one file; returns false (and records the failure) if it is refused.
    bool load_file(const std::filesystem::path& file);
    // Phase 2: start sandbox emulators (in sandbox mode) and create plugin instances. A plugin
    // whose create() fails is recorded as failed (failures(), plugin_problem()) and unloaded.
    void activate();

    const std::vector<LoadFailure>& failures() const;
    std::vector<LoadedPlugin*> plugins() const;
    LoadedPlugin* find(const std::string& name) const;
    Mode mode() const;

    // Whether calls to `plugin` may go now, whatever its state: not loaded, failed to start
    // (with the reason), quarantined, restarting. The executor calls it before each call.
    Availability availability(const std::string& plugin, TimePoint now) const;

    // model::ActionCatalog
    bool has_plugin(const std::string& plugin) const override;
    const model::ActionSpec* find_action(const std::string& plugin,
                                         const std::string& action) const override;
    std::vector<std::string> plugin_names() const override;
    std::vector<std::string> action_names(const std::string& plugin) const override;
    // "create() failed: ..." for a plugin that loaded but could not start.
    std::optional<std::string> plugin_problem(const std::string& plugin) const override;

    // The default plugin path: $RELANCE_PLUGIN_PATH (colon-separated) if set, else the
    // "plugins" directory next to the running executable and <prefix>/lib/relance/plugins.
    static std::vector<std::filesystem::path> default_plugin_path();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The child side of out-of-process isolation, behind `relance plugin-host --fd N`: serves the
// plugin the parent names over the socket `fd` until the parent goes away. Returns the exit
// code.
int serve_plugin_host(int fd);

}  // namespace relance::host
