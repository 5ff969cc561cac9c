// The plugin host: finds plugin files on the plugin path, loads each in process or starts its
// child (by the operator's settings), then activates them. Any refusal is recorded with the file
// and the reason; a plugin that loaded but could not start is remembered by name with its
// reason, so that validation and runs can say why it is missing. Loading goes on with the others.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <relance/host/plugin_host.hpp>
#include <set>

#include "host_services.hpp"
#include "http_client.hpp"
#include "in_process_plugin.hpp"
#include "process_plugin.hpp"
#include "redactor.hpp"

namespace relance::host {

namespace {

namespace fs = std::filesystem;
using detail::PluginBase;
using detail::Refused;

// How long the executor waits before asking again about a plugin that is missing for good
// (refused, failed to start): the operator has to fix it and restart the worker.
constexpr Millis kMissingRetry{5 * 60'000};

}  // namespace

const char* to_string(Isolation isolation) {
    return isolation == Isolation::process ? "process" : "in_process";
}

const char* to_string(ActionOutcome::Status s) {
    switch (s) {
        case ActionOutcome::Status::ok:
            return "ok";
        case ActionOutcome::Status::retryable:
            return "retryable";
        case ActionOutcome::Status::rate_limited:
            return "rate_limited";
        case ActionOutcome::Status::permanent:
            return "permanent";
        case ActionOutcome::Status::in_doubt:
            return "in_doubt";
        case ActionOutcome::Status::account:
            return "account";
        case ActionOutcome::Status::unavailable:
            return "unavailable";
    }
    return "unknown";
}

void apply_workspace_config(const model::Config& workspace, HostConfig& config) {
    for (const auto& p : workspace.plugins) config.settings[p.name] = p;
}

struct PluginHost::Impl {
    HostConfig config;
    SystemClock fallback_clock;
    detail::Redactor redactor;
    std::unique_ptr<detail::HttpClient> http;
    detail::Services services;
    std::vector<std::unique_ptr<PluginBase>> plugins;
    std::set<const PluginBase*> active;
    std::vector<LoadFailure> failures;
    std::map<std::string, std::string> failed;  // plugin name -> why it could not start

    explicit Impl(HostConfig c) : config(std::move(c)) {
        http = std::make_unique<detail::HttpClient>(redactor);
        services.config = &config;
        services.clock = config.clock ? config.clock : &fallback_clock;
        services.redactor = &redactor;
        services.http = http.get();
    }

    ~Impl() {
        // Order matters (pitfalls 4 and 6): instances first, then the pooled connections to the
        // emulators (a kept-alive one would hold a server's stop), then servers, emulators and
        // children, and only then the libraries. A plugin with a call still inside it is left
        // loaded (InProcessPlugin::destroy_instance).
        for (auto& p : plugins) p->destroy_instance();
        http->close_all();
        for (auto& p : plugins) p->shut_down();
        plugins.clear();
    }

    Isolation isolation_for(const std::string& name) const {
        auto it = config.settings.find(name);
        return it != config.settings.end() && it->second.isolation ? *it->second.isolation
                                                                   : config.default_isolation;
    }

    void refuse(const fs::path& file, const std::string& reason, const std::string& plugin = {}) {
        LoadFailure f{file.string(), redactor.apply(reason), plugin};
        // Debug only: callers report failures() to the user once, in their own words.
        spdlog::debug("plugin refused: {}", f.str());
        failures.push_back(std::move(f));
    }

    PluginBase* by_name(const std::string& name) const {
        for (const auto& p : plugins)
            if (p->manifest().name == name) return p.get();
        return nullptr;
    }

    std::unique_ptr<PluginBase> load(const fs::path& file) {
        std::string stem = file.stem().string();
        if (isolation_for(stem) == Isolation::process)
            // The worker never opens the library: its child does, and reports the manifest.
            return detail::ProcessPlugin::start(file, config, services);
        auto library = detail::open_library(file);
        const std::string name = library->manifest.manifest.name;
        if (name != stem && isolation_for(name) == Isolation::process)
            throw Refused("plugin '" + name +
                          "' is configured with isolation: process, but its "
                          "file is named " +
                          file.filename().string() +
                          ": the worker chooses by file name, before loading it; name the file " +
                          name + ".so");
        return std::make_unique<detail::InProcessPlugin>(std::move(library), config, services);
    }
};

PluginHost::PluginHost(HostConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
PluginHost::~PluginHost() = default;

void PluginHost::load_all() {
    for (const auto& entry : impl_->config.plugin_path) {
        std::error_code ec;
        fs::path p = fs::absolute(entry, ec);
        if (ec) p = entry;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> files;
            for (const auto& f : fs::directory_iterator(p, ec))
                if (f.path().extension() == ".so" && !fs::is_directory(f.path(), ec))
                    files.push_back(f.path());
            // Sorted, so which of two same-named plugins wins does not depend on the file system.
            std::sort(files.begin(), files.end());
            for (const auto& f : files) load_file(f);
        } else if (fs::exists(p, ec)) {
            load_file(p);
        } else {
            impl_->refuse(p, "plugin path entry does not exist");
        }
    }
}

bool PluginHost::load_file(const fs::path& file) {
    std::error_code ec;
    // Boost.DLL resolves bare names against the current directory (pitfall 3).
    fs::path abs = fs::absolute(file, ec);
    if (ec) abs = file;
    abs = abs.lexically_normal();
    try {
        std::unique_ptr<PluginBase> plugin = impl_->load(abs);
        const auto& m = plugin->manifest();
        if (PluginBase* other = impl_->by_name(m.name))
            throw Refused("duplicate plugin name '" + m.name + "' (already loaded from " +
                          other->file().string() + ")");
        spdlog::info("plugin {} {} loaded from {} ({})", m.name, m.version, abs.string(),
                     to_string(plugin->isolation()));
        impl_->plugins.push_back(std::move(plugin));
        return true;
    } catch (const Refused& r) {
        impl_->refuse(abs, r.what());
    } catch (const std::exception& e) {
        impl_->refuse(abs, std::string("unexpected error: ") + e.what());
    }
    return false;
}

void PluginHost::activate() {
    auto& list = impl_->plugins;
    for (auto it = list.begin(); it != list.end();) {
        PluginBase& p = **it;
        if (impl_->active.count(&p)) {
            ++it;
            continue;
        }
        try {
            p.activate();
            impl_->active.insert(&p);
            ++it;
        } catch (const std::exception& e) {
            // Not erased silently: validation and the executor can ask why (plugin_problem,
            // availability), and `plugins list` shows it.
            std::string name = p.manifest().name;
            impl_->refuse(p.file(), e.what(), name);
            impl_->failed[name] = impl_->failures.back().reason;
            p.destroy_instance();
            p.shut_down();
            it = list.erase(it);  // unloads the library, or stops the child
        }
    }
}

const std::vector<LoadFailure>& PluginHost::failures() const {
    return impl_->failures;
}

std::vector<LoadedPlugin*> PluginHost::plugins() const {
    std::vector<LoadedPlugin*> out;
    for (const auto& p : impl_->plugins) out.push_back(p.get());
    return out;
}

LoadedPlugin* PluginHost::find(const std::string& name) const {
    return impl_->by_name(name);
}

Mode PluginHost::mode() const {
    return impl_->config.mode;
}

Availability PluginHost::availability(const std::string& plugin, TimePoint now) const {
    if (PluginBase* p = impl_->by_name(plugin)) return p->availability(now);
    if (auto it = impl_->failed.find(plugin); it != impl_->failed.end())
        return {false, now + kMissingRetry,
                "plugin " + plugin + " failed to start: " + it->second +
                    "; fix it and restart the worker"};
    return {false, now + kMissingRetry, "plugin " + plugin + " is not loaded"};
}

bool PluginHost::has_plugin(const std::string& plugin) const {
    return impl_->by_name(plugin) != nullptr;
}

const model::ActionSpec* PluginHost::find_action(const std::string& plugin,
                                                 const std::string& action) const {
    PluginBase* p = impl_->by_name(plugin);
    return p ? p->action(action) : nullptr;
}

std::vector<std::string> PluginHost::action_names(const std::string& plugin) const {
    std::vector<std::string> out;
    if (auto* p = find(plugin))
        for (const auto& a : p->manifest().actions) out.push_back(a.name);
    return out;
}

std::vector<std::string> PluginHost::plugin_names() const {
    std::vector<std::string> out;
    for (const auto& p : impl_->plugins) out.push_back(p->manifest().name);
    return out;
}

std::optional<std::string> PluginHost::plugin_problem(const std::string& plugin) const {
    auto it = impl_->failed.find(plugin);
    if (it == impl_->failed.end()) return std::nullopt;
    return "it failed to start: " + it->second;
}

std::vector<fs::path> PluginHost::default_plugin_path() {
    std::vector<fs::path> out;
    if (const char* env = std::getenv("RELANCE_PLUGIN_PATH"); env && *env) {
        std::string s = env;
        size_t start = 0;
        while (start <= s.size()) {
            size_t end = s.find(':', start);
            if (end == std::string::npos) end = s.size();
            if (end > start) out.emplace_back(s.substr(start, end - start));
            start = end + 1;
        }
        return out;
    }
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return out;
    fs::path dir = exe.parent_path();
    for (fs::path candidate : {dir / "plugins", dir / ".." / "lib" / "relance" / "plugins"}) {
        candidate = candidate.lexically_normal();
        if (fs::is_directory(candidate, ec)) out.push_back(candidate);
    }
    return out;
}

}  // namespace relance::host
