// Opening a workspace's parts: the store from its URL, the config file, the plugins with their
// secret source. The operations live in workspace_runs.cpp and workspace_contacts.cpp.
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/model/config.hpp>

#include "deployed.hpp"
#include "key_limits.hpp"
#include "run_intake.hpp"
#include "secret_cache.hpp"

namespace relance::app {

namespace {
// The maximum of emulator history handed back to a plugin at its start.
constexpr int kSandboxHistory = 10000;

std::string secret_variable(const std::string& plugin, const std::string& name) {
    std::string var = "RELANCE_SECRET_" + plugin + "_" + name;
    for (auto& c : var)
        c = std::isalnum(static_cast<unsigned char>(c))
                ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                : '_';
    return var;
}

// The store, its failures as app::Error (failure, field "store").
std::unique_ptr<store::Store> open_store_as_app_error(const StoreUrl& url,
                                                      const store::SqliteOptions& options) {
    try {
        return open_store(url, options);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorKind::failure, e.what(), "store");
    }
}

}  // namespace

SecretSource environment_secrets() {
    return [](const std::string& plugin, const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(secret_variable(plugin, name).c_str()))
            return std::string(v);
        return std::nullopt;
    };
}

std::unique_ptr<host::PluginHost> load_plugins(const PluginOptions& options, const Clock& clock,
                                               store::Store* recorder,
                                               const model::Config* config) {
    host::HostConfig hc;
    hc.clock = &clock;
    hc.mode = options.live ? host::Mode::live : host::Mode::sandbox;
    if (options.path.empty())
        hc.plugin_path = host::PluginHost::default_plugin_path();
    else
        for (const auto& p : options.path) hc.plugin_path.emplace_back(p);
    // The workspace's `plugins:` section: isolation and deadline of each plugin.
    if (config) host::apply_workspace_config(*config, hc);
    hc.plugin_config = options.plugin_config;
    hc.sandbox_config = options.sandbox_config;
    hc.secrets = options.secrets;
    if (recorder) {
        hc.sandbox_recorder = [recorder, &clock](const std::string& plugin, const std::string& box,
                                                 const nlohmann::json& entry) {
            recorder->record_sandbox(plugin, box, entry, to_unix_ms(clock.now()));
        };
        hc.sandbox_history = [recorder](const std::string& plugin) {
            nlohmann::json history = nlohmann::json::object();
            for (const auto& e : recorder->list_sandbox(plugin, "", kSandboxHistory))
                history[e.box].push_back(e.entry);
            return history;
        };
    }
    auto plugins = std::make_unique<host::PluginHost>(std::move(hc));
    plugins->load_all();
    return plugins;
}

std::shared_ptr<const model::Config> load_config(const std::string& file) {
    try {
        return std::make_shared<const model::Config>(model::load_config_file(file));
    } catch (const model::LoadError& e) {
        std::vector<std::string> details;
        for (const auto& d : e.diagnostics()) details.push_back(d.str());
        throw Error(ErrorKind::invalid, "the config file " + file + " is not valid", "config",
                    std::move(details));
    }
}

Workspace::Workspace(WorkspaceOptions options, const Clock& clock)
    : secret_cache_(std::make_unique<SecretCache>()),
      options_(std::move(options)),
      clock_(clock),
      limits_(std::make_unique<KeyLimits>()),
      url_(parse_store_url(options_.store)) {}

Workspace::~Workspace() = default;

store::Store& Workspace::store() {
    std::lock_guard g(open_m_);
    if (!store_) store_ = open_store_as_app_error(url_, options_.sqlite);
    return *store_;
}

std::unique_ptr<store::Store> Workspace::open_connection(const store::SqliteOptions& options) {
    if (url_.kind == StoreUrl::Kind::sqlite &&
        (url_.location == ":memory:" || url_.location.empty()))
        return nullptr;
    return open_store_as_app_error(url_, options);
}

std::shared_ptr<const model::Config> Workspace::config() {
    std::lock_guard g(open_m_);
    if (!config_loaded_) {
        if (!options_.config_file.empty()) config_ = load_config(options_.config_file);
        config_loaded_ = true;
    }
    return config_;
}

host::PluginHost& Workspace::plugins() {
    auto cfg = config();
    store::Store& recorder = store();
    std::lock_guard g(open_m_);
    if (!plugins_) {
        // Plugins find their credentials as every part does: the environment, then the store's
        // sealed secrets (not through store(): this holds open_m_).
        PluginOptions options = options_.plugins;
        options.secrets = [this, &recorder](const std::string& plugin, const std::string& name) {
            return find_secret_in(recorder, plugin, name);
        };
        plugins_ = load_plugins(options, clock_, &recorder, cfg.get());
    }
    return *plugins_;
}

host::PluginHost& Workspace::active_plugins() {
    host::PluginHost& host = plugins();
    std::lock_guard g(open_m_);
    if (!plugins_active_) {
        // Calls need instances (and, in sandbox mode, the emulators they talk to). A plugin
        // that does not start is kept as failed, with its reason (plugin_problem).
        host.activate();
        plugins_active_ = true;
    }
    return host;
}

}  // namespace relance::app
