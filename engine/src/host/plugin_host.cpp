// Loading plugins: find .so files on the plugin path, dlopen them with Boost.DLL (rtld_now, on
// absolute paths), check the ABI and the manifest, then activate: serve sandbox emulators and
// create instances. Any refusal is recorded with the file and the reason; loading goes on.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <relance/host/plugin_host.hpp>
#include <set>
#include <stdexcept>

#include "host_services.hpp"
#include "http_client.hpp"
#include "redactor.hpp"
#include "sandbox_server.hpp"

namespace relance::host {

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
    }
    return "unknown";
}

namespace {

namespace fs = std::filesystem;

// Raised while loading one file; becomes a LoadFailure.
struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An rl_buffer writing into a std::string.
struct Buffer : rl_buffer {
    std::string text;
    Buffer() : rl_buffer{&Buffer::assign, nullptr} { opaque = this; }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    static void assign(rl_buffer* self, const char* data, size_t size) {
        static_cast<Buffer*>(self->opaque)->text.assign(data ? data : "", data ? size : 0);
    }
};

// Boost.DLL wraps dlerror() in boilerplate ("... failed (dlerror system message: X): Bad file
// descriptor", pitfall 3); the dlerror text is the useful part.
std::string dlerror_text(const std::string& what) {
    const std::string marker = "dlerror system message: ";
    auto begin = what.find(marker);
    if (begin == std::string::npos) return what;
    begin += marker.size();
    auto end = what.rfind("):");
    if (end == std::string::npos || end < begin) end = what.size();
    return what.substr(begin, end - begin);
}

bool has_elf_magic(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::memcmp(magic,
                                           "\x7f"
                                           "ELF",
                                           4) == 0;
}

const std::regex& name_pattern() {
    static const std::regex re("^[a-z][a-z0-9_-]*$");
    return re;
}

std::string require_string(const json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) throw Refused("invalid manifest: " + where + "missing \"" + key + "\"");
    if (!it->is_string() || it->get<std::string>().empty())
        throw Refused("invalid manifest: " + where + "\"" + key + "\" must be a non-empty string");
    return it->get<std::string>();
}

PluginManifest parse_manifest(const char* text) {
    if (!text) throw Refused("invalid manifest: manifest_json is NULL");
    json raw = json::parse(text, nullptr, false);
    if (raw.is_discarded()) throw Refused("invalid manifest: not valid JSON");
    if (!raw.is_object()) throw Refused("invalid manifest: not a JSON object");

    PluginManifest m;
    m.name = require_string(raw, "name", "");
    if (!std::regex_match(m.name, name_pattern()))
        throw Refused("invalid manifest: plugin name '" + m.name + "' must match [a-z][a-z0-9_-]*");
    m.version = require_string(raw, "version", "");
    if (auto it = raw.find("description"); it != raw.end() && it->is_string())
        m.description = it->get<std::string>();

    auto actions = raw.find("actions");
    if (actions == raw.end()) throw Refused("invalid manifest: missing \"actions\"");
    if (!actions->is_array()) throw Refused("invalid manifest: \"actions\" must be an array");
    std::set<std::string> seen;
    for (size_t i = 0; i < actions->size(); ++i) {
        const json& a = (*actions)[i];
        std::string where = "actions[" + std::to_string(i) + "]: ";
        if (!a.is_object()) throw Refused("invalid manifest: " + where + "not an object");
        model::ActionSpec spec;
        spec.plugin = m.name;
        spec.name = require_string(a, "name", where);
        where = "action '" + spec.name + "': ";
        if (!std::regex_match(spec.name, name_pattern()))
            throw Refused("invalid manifest: " + where + "name must match [a-z][a-z0-9_-]*");
        if (!seen.insert(spec.name).second)
            throw Refused("invalid manifest: " + where + "declared twice");
        if (auto it = a.find("description"); it != a.end() && it->is_string())
            spec.description = it->get<std::string>();
        if (auto it = a.find("safe_to_repeat"); it != a.end()) {
            if (!it->is_boolean())
                throw Refused("invalid manifest: " + where +
                              "\"safe_to_repeat\" must be a boolean");
            spec.safe_to_repeat = it->get<bool>();
        }
        if (auto it = a.find("channel"); it != a.end()) {
            if (!it->is_string() || !std::regex_match(it->get<std::string>(), name_pattern()))
                throw Refused("invalid manifest: " + where +
                              "\"channel\" must be a lowercase name such as \"email\"");
            spec.channel = it->get<std::string>();
        }
        auto in = a.find("input_schema");
        if (in == a.end()) throw Refused("invalid manifest: " + where + "missing \"input_schema\"");
        if (!in->is_object())
            throw Refused("invalid manifest: " + where + "\"input_schema\" must be an object");
        spec.input_schema = *in;
        if (auto it = a.find("output_schema"); it != a.end()) {
            if (!it->is_object())
                throw Refused("invalid manifest: " + where + "\"output_schema\" must be an object");
            spec.output_schema = *it;
        }
        m.actions.push_back(std::move(spec));
    }

    if (auto it = raw.find("secrets"); it != raw.end()) {
        if (!it->is_array()) throw Refused("invalid manifest: \"secrets\" must be an array");
        for (const json& s : *it) {
            // A bare string is shorthand for {"name": s}.
            json entry = s.is_string() ? json{{"name", s}} : s;
            if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
                throw Refused("invalid manifest: each secret needs a \"name\"");
            if (!entry.contains("required")) entry["required"] = true;
            m.secrets.push_back(std::move(entry));
        }
    }
    auto optional_member = [&](const char* key, json& target, bool array) {
        auto it = raw.find(key);
        if (it == raw.end()) return;
        if (array ? !it->is_array() : !it->is_object())
            throw Refused(std::string("invalid manifest: \"") + key + "\" must be " +
                          (array ? "an array" : "an object"));
        target = *it;
    };
    optional_member("limits", m.limits, false);
    optional_member("events", m.events, true);
    optional_member("pollers", m.pollers, true);
    m.raw = std::move(raw);
    return m;
}

ActionOutcome::Status from_rl(rl_status s) {
    switch (s) {
        case RL_OK:
            return ActionOutcome::Status::ok;
        case RL_RETRYABLE:
            return ActionOutcome::Status::retryable;
        case RL_RATE_LIMITED:
            return ActionOutcome::Status::rate_limited;
        case RL_PERMANENT:
            return ActionOutcome::Status::permanent;
        default:
            return ActionOutcome::Status::in_doubt;  // unknown value: assume the worst
    }
}

class Plugin final : public LoadedPlugin {
  public:
    // The library is the first member so it is unloaded last (pitfall 4).
    boost::dll::shared_library library;
    fs::path path;
    rl_plugin table{};  // copied, with members past the plugin's struct_size left NULL
    PluginManifest man;
    std::unique_ptr<rl_host_ctx> ctx = std::make_unique<rl_host_ctx>();
    void* sandbox = nullptr;
    std::unique_ptr<detail::SandboxServer> server;
    void* instance = nullptr;
    const detail::Redactor* redactor = nullptr;

    ~Plugin() override {
        destroy_instance();
        stop_sandbox();
    }

    void destroy_instance() {
        if (!instance) return;
        try {
            table.destroy(instance);
        } catch (...) {
            spdlog::error("plugin {}: destroy() threw", man.name);
        }
        instance = nullptr;
    }

    void stop_sandbox() {
        if (server) server->stop();
        server.reset();
        if (sandbox) {
            try {
                table.sandbox_destroy(sandbox);
            } catch (...) {
                spdlog::error("plugin {}: sandbox_destroy() threw", man.name);
            }
            sandbox = nullptr;
        }
    }

    const PluginManifest& manifest() const override { return man; }
    const fs::path& file() const override { return path; }
    bool has_sandbox() const override { return table.sandbox_create != nullptr; }
    std::string sandbox_url() const override { return server ? server->url() : std::string{}; }

    const model::ActionSpec* action(const std::string& name) const {
        for (const auto& a : man.actions)
            if (a.name == name) return &a;
        return nullptr;
    }

    ActionOutcome invoke(const ActionRequest& request) override {
        ActionOutcome out;
        const model::ActionSpec* spec = action(request.action);
        if (!spec) {
            out.status = ActionOutcome::Status::permanent;
            out.error = "plugin " + man.name + " has no action '" + request.action + "'";
            return out;
        }
        if (!instance) {
            // Nothing was called: safe to try again once the host is activated.
            out.status = ActionOutcome::Status::retryable;
            out.error = "plugin " + man.name + " is not active";
            return out;
        }
        std::string input = request.input.is_null() ? "{}" : request.input.dump();
        rl_call call{request.action.c_str(), input.c_str(), request.message_id.c_str(),
                     request.run_id.c_str(), request.attempt, request.started_at_ms};
        Buffer output, error;
        rl_result result{&output, &error, 0};
        rl_status status;
        try {
            status = table.invoke(instance, &call, &result);
        } catch (const std::exception& e) {
            // A C++ plugin that let an exception escape: the effect may have happened.
            out.status = spec->safe_to_repeat ? ActionOutcome::Status::retryable
                                              : ActionOutcome::Status::in_doubt;
            out.error = redactor->apply(std::string("plugin threw: ") + e.what());
            return out;
        } catch (...) {
            out.status = spec->safe_to_repeat ? ActionOutcome::Status::retryable
                                              : ActionOutcome::Status::in_doubt;
            out.error = "plugin threw an unknown exception";
            return out;
        }
        out.status = from_rl(status);
        if (out.status == ActionOutcome::Status::ok) {
            // Outputs are stored in run history: no secret may reach it (invariant 6).
            output.text = redactor->apply(output.text);
            json parsed = json::parse(output.text.empty() ? "{}" : output.text, nullptr, false);
            if (parsed.is_discarded() || !parsed.is_object()) {
                // The action took effect; keep what it said rather than fail the step.
                spdlog::warn("plugin {}: action {} returned non-object output", man.name,
                             request.action);
                parsed = json{{"raw_output", output.text}};
            }
            out.output = std::move(parsed);
        } else {
            out.error = redactor->apply(error.text.empty()
                                            ? std::string("plugin reported ") +
                                                  to_string(out.status) + " without a message"
                                            : error.text);
            out.retry_after = Millis{std::max<int64_t>(0, result.retry_after_ms)};
        }
        return out;
    }

    std::optional<ReconcileOutcome> reconcile(const ActionRequest& request) override {
        if (!table.reconcile || !instance) return std::nullopt;
        std::string input = request.input.is_null() ? "{}" : request.input.dump();
        rl_call call{request.action.c_str(), input.c_str(), request.message_id.c_str(),
                     request.run_id.c_str(), request.attempt, request.started_at_ms};
        Buffer output, error;
        rl_result result{&output, &error, 0};
        ReconcileOutcome rec;
        try {
            if (table.reconcile(instance, &call, &result) != RL_OK) return rec;  // unknown
        } catch (...) {
            return rec;
        }
        json j = json::parse(output.text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) return rec;
        std::string outcome = j.value("outcome", "unknown");
        if (outcome == "done")
            rec.outcome = ReconcileOutcome::Outcome::done;
        else if (outcome == "not_done")
            rec.outcome = ReconcileOutcome::Outcome::not_done;
        else if (outcome == "pending") {
            rec.outcome = ReconcileOutcome::Outcome::pending;
            rec.retry_after = Millis{std::max<std::int64_t>(0, j.value("retry_after_ms", 0))};
        }
        if (auto it = j.find("output"); it != j.end() && it->is_object())
            rec.output = json::parse(redactor->apply(it->dump()), nullptr, false);
        return rec;
    }
};

}  // namespace

struct PluginHost::Impl {
    HostConfig config;
    SystemClock fallback_clock;
    detail::Redactor redactor;
    std::unique_ptr<detail::HttpClient> http;
    detail::Services services;
    std::vector<std::unique_ptr<Plugin>> plugins;
    std::vector<LoadFailure> failures;

    explicit Impl(HostConfig c) : config(std::move(c)) {
        http = std::make_unique<detail::HttpClient>(redactor);
        services.config = &config;
        services.clock = config.clock ? config.clock : &fallback_clock;
        services.redactor = &redactor;
        services.http = http.get();
    }

    ~Impl() {
        // Order matters (pitfall 4 and 6): instances first, then the pooled connections to the
        // emulators (a kept-alive one would hold a server's stop), then servers and emulators,
        // and only then the libraries.
        for (auto& p : plugins) p->destroy_instance();
        http->close_all();
        for (auto& p : plugins) p->stop_sandbox();
        plugins.clear();
    }

    void refuse(const fs::path& file, const std::string& reason) {
        LoadFailure f{file.string(), redactor.apply(reason)};
        // Debug only: callers report failures() to the user once, in their own words.
        spdlog::debug("plugin refused: {}", f.str());
        failures.push_back(std::move(f));
    }

    Plugin* by_name(const std::string& name) const {
        for (const auto& p : plugins)
            if (p->man.name == name) return p.get();
        return nullptr;
    }

    std::unique_ptr<Plugin> load(const fs::path& file) {
        auto plugin = std::make_unique<Plugin>();
        plugin->path = file;
        plugin->redactor = &redactor;
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) throw Refused("no such file");
        if (!has_elf_magic(file)) throw Refused("not a shared library (no ELF header)");
        try {
            plugin->library.load(file, boost::dll::load_mode::rtld_now);
        } catch (const std::exception& e) {
            std::string text = dlerror_text(e.what());
            if (text.find("undefined symbol") != std::string::npos)
                throw Refused("unresolved symbol: " + text);
            throw Refused("cannot load shared library: " + text);
        }
        if (!plugin->library.has(RELANCE_ENTRY_SYMBOL))
            throw Refused(std::string("missing ") + RELANCE_ENTRY_SYMBOL +
                          " (not a relance plugin)");
        const rl_plugin* table = nullptr;
        try {
            auto entry = plugin->library.get<const rl_plugin*()>(RELANCE_ENTRY_SYMBOL);
            table = entry();
        } catch (const std::exception& e) {
            throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " threw: " + e.what());
        } catch (...) {
            throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " threw");
        }
        if (!table) throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " returned NULL");
        if (table->abi_version != RELANCE_ABI_VERSION)
            throw Refused("plugin ABI version " + std::to_string(table->abi_version) +
                          ", this host supports " + std::to_string(RELANCE_ABI_VERSION));
        constexpr size_t kMinSize = offsetof(rl_plugin, reconcile);
        if (table->struct_size < kMinSize)
            throw Refused("rl_plugin struct_size " + std::to_string(table->struct_size) +
                          " is too small (at least " + std::to_string(kMinSize) + ")");
        std::memcpy(&plugin->table, table, std::min<size_t>(table->struct_size, sizeof(rl_plugin)));
        const rl_plugin& t = plugin->table;
        if (!t.create || !t.destroy || !t.invoke)
            throw Refused("rl_plugin lacks create, destroy or invoke");
        bool any_sandbox = t.sandbox_create || t.sandbox_destroy || t.sandbox_handle;
        bool all_sandbox = t.sandbox_create && t.sandbox_destroy && t.sandbox_handle;
        if (any_sandbox && !all_sandbox)
            throw Refused("sandbox_create, sandbox_destroy and sandbox_handle go together");
        try {
            plugin->man = parse_manifest(t.manifest_json);
        } catch (const Refused&) {
            throw;
        } catch (const std::exception& e) {
            throw Refused(std::string("invalid manifest: ") + e.what());
        }
        if (Plugin* other = by_name(plugin->man.name))
            throw Refused("duplicate plugin name '" + plugin->man.name + "' (already loaded from " +
                          other->path.string() + ")");
        plugin->ctx->plugin = plugin->man.name;
        plugin->ctx->services = &services;
        for (const auto& s : plugin->man.secrets)
            plugin->ctx->declared_secrets.insert(s["name"].get<std::string>());
        return plugin;
    }

    json secrets_for_sandbox(const Plugin& p) const {
        json secrets = json::object();
        for (const auto& s : p.ctx->declared_secrets)
            secrets[s] = detail::sandbox_secret(p.man.name, s);
        return secrets;
    }

    // Sandbox (if any) then instance; throws Refused.
    void activate(Plugin& p) {
        const std::string& name = p.man.name;
        // Every secret value the host may hand out is known to the redactor before the plugin
        // runs, so it never shows up in a log line or error message.
        for (const auto& s : p.ctx->declared_secrets) {
            if (config.mode == Mode::sandbox)
                redactor.add(detail::sandbox_secret(name, s));
            else if (config.secrets)
                if (auto v = config.secrets(name, s)) redactor.add(*v);
        }
        json plugin_config;
        if (config.mode == Mode::sandbox) {
            plugin_config = {{"mode", "sandbox"}};
            if (p.has_sandbox()) {
                // The test or operator's sandbox_config wins over the fake secrets, so a test can
                // make the emulator expect another key than the plugin holds.
                json sb = {{"secrets", secrets_for_sandbox(p)}};
                if (config.sandbox_history) sb["history"] = config.sandbox_history(name);
                if (auto it = config.sandbox_config.find(name); it != config.sandbox_config.end())
                    sb.merge_patch(it->second);
                Buffer error;
                void* sandbox = nullptr;
                try {
                    sandbox = p.table.sandbox_create(detail::host_api(), p.ctx.get(),
                                                     sb.dump().c_str(), &error);
                } catch (...) {
                    throw Refused("sandbox_create() threw");
                }
                if (!sandbox) throw Refused("sandbox_create() failed: " + error.text);
                p.sandbox = sandbox;
                rl_plugin table = p.table;
                p.server = std::make_unique<detail::SandboxServer>(
                    [table, sandbox](const std::string& request) {
                        Buffer response;
                        table.sandbox_handle(sandbox, request.c_str(), &response);
                        return response.text;
                    });
                try {
                    p.server->start();
                } catch (const std::exception& e) {
                    throw Refused(std::string("cannot serve sandbox: ") + e.what());
                }
                plugin_config["base_url"] = p.server->url();
                spdlog::info("plugin {}: sandbox emulator on {}", name, p.server->url());
            }
        } else {
            plugin_config = {{"mode", "live"}};
        }
        if (auto it = config.plugin_config.find(name); it != config.plugin_config.end())
            plugin_config.merge_patch(it->second);

        Buffer error;
        void* instance = nullptr;
        try {
            instance = p.table.create(detail::host_api(), p.ctx.get(), plugin_config.dump().c_str(),
                                      &error);
        } catch (const std::exception& e) {
            throw Refused(std::string("create() threw: ") + e.what());
        } catch (...) {
            throw Refused("create() threw");
        }
        if (!instance)
            throw Refused("create() failed: " +
                          (error.text.empty() ? "no reason given" : error.text));
        p.instance = instance;
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
        impl_->plugins.push_back(impl_->load(abs));
        const auto& m = impl_->plugins.back()->man;
        spdlog::info("plugin {} {} loaded from {}", m.name, m.version, abs.string());
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
        Plugin& p = **it;
        if (p.instance) {
            ++it;
            continue;
        }
        try {
            impl_->activate(p);
            ++it;
        } catch (const Refused& r) {
            impl_->refuse(p.path, r.what());
            p.destroy_instance();
            p.stop_sandbox();
            it = list.erase(it);  // unloads the library
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

bool PluginHost::has_plugin(const std::string& plugin) const {
    return impl_->by_name(plugin) != nullptr;
}

const model::ActionSpec* PluginHost::find_action(const std::string& plugin,
                                                 const std::string& action) const {
    Plugin* p = impl_->by_name(plugin);
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
    for (const auto& p : impl_->plugins) out.push_back(p->man.name);
    return out;
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
