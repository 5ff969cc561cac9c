#include "process_plugin.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>

namespace relance::host::detail {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> plugin_host_command(const HostConfig& config) {
    if (!config.plugin_host_command.empty()) return config.plugin_host_command;
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return {ec ? std::string("/proc/self/exe") : self.string(), "plugin-host"};
}

// Who a child's hooks talk to: set once the plugin object exists, cleared when it stops, so a
// hook never reaches a plugin that is not there.
}  // namespace

struct ProcessPlugin::Owner {
    std::mutex mutex;
    ProcessPlugin* plugin = nullptr;
};

namespace {

ChildProcess::Hooks hooks_for(const std::shared_ptr<ProcessPlugin::Owner>& owner) {
    return {[owner](const Message& m) -> std::vector<std::string> {
                std::lock_guard lock(owner->mutex);
                return owner->plugin ? owner->plugin->serve(m) : std::vector<std::string>{};
            },
            [owner](const std::string& how, const std::vector<MsgType>& in_flight) {
                std::lock_guard lock(owner->mutex);
                if (owner->plugin) owner->plugin->on_death(how, in_flight);
            }};
}

// A new child that has loaded `file` (whose plugin is `name`, as far as the settings go), with
// its `loaded` reply: ["1", manifest, has_sandbox, has_reconcile, has_inbound]. Throws Refused.
std::pair<std::shared_ptr<ChildProcess>, Message> start_loaded(
    const fs::path& file, const std::string& name, const HostConfig& config,
    const std::shared_ptr<ProcessPlugin::Owner>& owner) {
    std::shared_ptr<ChildProcess> child;
    try {
        child = std::make_shared<ChildProcess>(plugin_host_command(config), hooks_for(owner));
    } catch (const std::exception& e) {
        throw Refused(std::string("cannot start its plugin-host process: ") + e.what());
    }
    auto config_of = [&](const std::map<std::string, JsonValue>& all) {
        auto it = all.find(name);
        return json_text(it == all.end() ? json::object() : *it->second);
    };
    auto reply = child->request(MsgType::init,
                                {file.string(), config.mode == Mode::sandbox ? "sandbox" : "live",
                                 config_of(config.plugin_config), config_of(config.sandbox_config),
                                 std::to_string(static_cast<int>(spdlog::get_level()))},
                                std::chrono::steady_clock::now() + config.start_timeout);
    if (reply.kind == ChildProcess::Reply::Kind::died)
        throw Refused("its plugin-host process died while loading it (" + reply.how + ")");
    if (reply.kind == ChildProcess::Reply::Kind::deadline)
        throw Refused("its plugin-host process did not load it within " +
                      std::to_string(config.start_timeout.count()) + " ms");
    if (reply.message.field(0) != "1") throw Refused(reply.message.field(1));
    return {std::move(child), std::move(reply.message)};
}

}  // namespace

ProcessPlugin::ProcessPlugin(fs::path file, CompiledManifest manifest, const HostConfig& config,
                             Services& services)
    : PluginBase(std::move(file), std::move(manifest), config, services) {}

ProcessPlugin::~ProcessPlugin() {
    shut_down();
}

std::unique_ptr<ProcessPlugin> ProcessPlugin::start(const fs::path& file, const HostConfig& config,
                                                    Services& services) {
    // The manifest (hence the plugin object) comes from the child: until the object exists the
    // child's hooks have no one to talk to, and loading needs none of them.
    auto owner = std::make_shared<Owner>();
    std::string stem = file.stem().string();
    auto [child, loaded] = start_loaded(file, stem, config, owner);
    CompiledManifest manifest = parse_manifest(loaded.field(1).c_str());
    if (manifest.manifest.name != stem)
        throw Refused("it declares plugin '" + manifest.manifest.name +
                      "': out of process a plugin is matched to its settings by its file name "
                      "before it is loaded, so the file must be named " +
                      manifest.manifest.name + ".so");
    std::unique_ptr<ProcessPlugin> plugin(
        new ProcessPlugin(file, std::move(manifest), config, services));
    plugin->has_sandbox_ = loaded.field(2) == "1";
    plugin->has_reconcile_ = loaded.field(3) == "1";
    plugin->has_inbound_ = loaded.field(4) == "1";
    plugin->manifest_text_ = loaded.field(1);
    plugin->owner_ = owner;
    plugin->child_ = std::move(child);
    std::lock_guard lock(owner->mutex);
    owner->plugin = plugin.get();
    return plugin;
}

std::shared_ptr<ChildProcess> ProcessPlugin::spawn() {
    auto [child, loaded] = start_loaded(file(), manifest().name, config_, owner_);
    if (loaded.field(1) != manifest_text_)
        // Calls are checked against the manifest read at load: a library replaced since then
        // must not run under it.
        throw Refused(
            "its manifest changed since the worker loaded it (was the file replaced?); "
            "restart the worker to load the new one");
    start_instance(*child);
    return child;
}

void ProcessPlugin::start_instance(ChildProcess& child) {
    auto reply = child.request(MsgType::activate, {},
                               std::chrono::steady_clock::now() + config_.start_timeout);
    if (reply.kind == ChildProcess::Reply::Kind::died)
        throw Refused("its plugin-host process died while starting it (" + reply.how + ")");
    if (reply.kind == ChildProcess::Reply::Kind::deadline) {
        child.kill("did not start in time");
        throw Refused("create() did not return within " +
                      std::to_string(config_.start_timeout.count()) + " ms");
    }
    if (reply.message.field(0) != "1") throw Refused(reply.message.field(1));
    std::lock_guard lock(mutex_);
    sandbox_url_ = reply.message.field(1);
}

void ProcessPlugin::activate() {
    // The worker redacts what comes back from the child: it must know the secrets too.
    learn_secrets(manifest(), config_, *services_.redactor);
    std::shared_ptr<ChildProcess> child;
    {
        std::lock_guard lock(mutex_);
        child = child_;
    }
    if (!child || !child->alive()) throw Refused("its plugin-host process is not running");
    start_instance(*child);
    std::lock_guard lock(mutex_);
    active_ = true;
}

void ProcessPlugin::shut_down() {
    std::shared_ptr<ChildProcess> child;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        child = std::move(child_);
    }
    if (owner_) {
        std::lock_guard lock(owner_->mutex);
        owner_->plugin = nullptr;
    }
    child.reset();  // kills it (bounded: never waits on the plugin)
}

std::string ProcessPlugin::sandbox_url() const {
    std::lock_guard lock(mutex_);
    return sandbox_url_;
}

pid_t ProcessPlugin::child_pid() const {
    std::lock_guard lock(mutex_);
    return child_ && child_->alive() ? child_->pid() : -1;
}

std::shared_ptr<ChildProcess> ProcessPlugin::running_child(std::string* why) {
    const std::string& name = manifest().name;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            *why = "plugin " + name + " is stopping";
            return nullptr;
        }
        if (child_ && child_->alive() && active_) return child_;
        if (!active_) {
            *why = "plugin " + name + " is not active";
            return nullptr;
        }
    }
    std::unique_lock restart(restart_mutex_, std::try_to_lock);
    if (!restart.owns_lock()) {
        *why = "plugin " + name + " is restarting";
        return nullptr;
    }
    {
        std::lock_guard lock(mutex_);
        if (child_ && child_->alive()) return child_;  // another caller restarted it
    }
    if (Availability a = faults_.availability(now()); !a.available) {
        *why = a.reason;
        return nullptr;
    }
    std::shared_ptr<ChildProcess> fresh, old;
    try {
        fresh = spawn();
    } catch (const Refused& e) {
        faults_.record(now(), FaultLedger::Kind::crash, std::string("restart failed: ") + e.what(),
                       true);
        *why = "plugin " + name + " could not be restarted: " + e.what();
        return nullptr;
    }
    {
        std::lock_guard lock(mutex_);
        old = std::move(child_);
        child_ = fresh;
    }
    spdlog::info("plugin {}: plugin-host process restarted (pid {})", name, fresh->pid());
    return fresh;  // `old` (dead) goes here, outside every lock
}

CallEnd ProcessPlugin::call(CallKind kind, const CallData& data, Millis timeout) {
    if (kind == CallKind::reconcile && !has_reconcile_)
        return {CallEnd::Kind::unavailable, {}, "plugin " + manifest().name + " cannot reconcile"};
    if (kind == CallKind::inbound && !has_inbound_)
        return {
            CallEnd::Kind::unavailable, {}, "plugin " + manifest().name + " takes no callbacks"};
    std::string why;
    std::shared_ptr<ChildProcess> child = running_child(&why);
    if (!child) return {CallEnd::Kind::unavailable, {}, why};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto reply =
        kind == CallKind::inbound
            ? child->request(MsgType::inbound, {data.input_json}, deadline)
            : child->request(kind == CallKind::invoke ? MsgType::invoke : MsgType::reconcile,
                             {data.action, data.input_json, data.message_id, data.run_id,
                              std::to_string(data.attempt), std::to_string(data.started_at_ms)},
                             deadline);
    switch (reply.kind) {
        case ChildProcess::Reply::Kind::ok: {
            RawAnswer answer;
            answer.status = field_number<int>(reply.message.field(0), RL_IN_DOUBT);
            answer.output = reply.message.field(1);
            answer.error = reply.message.field(2);
            answer.retry_after_ms = field_number<std::int64_t>(reply.message.field(3), 0);
            return {CallEnd::Kind::answered, std::move(answer), {}};
        }
        case ChildProcess::Reply::Kind::deadline: {
            std::size_t stuck = child->stuck();
            if (stuck >= static_cast<std::size_t>(std::max(1, config_.faults.max_stuck_calls))) {
                // Threads stuck in the plugin cannot be freed in it: restart the whole child.
                std::string why =
                    "killed with " + std::to_string(stuck) + " calls stuck past their deadline";
                faults_.restarting(now(), why);
                spdlog::error("plugin {}: plugin-host process {}", manifest().name, why);
                child->kill(why);
            }
            return {CallEnd::Kind::deadline, {}, {}};
        }
        case ChildProcess::Reply::Kind::died:
            return {CallEnd::Kind::crashed, {}, reply.how};
    }
    return {CallEnd::Kind::crashed, {}, "unknown reply"};
}

Availability ProcessPlugin::transport_availability(TimePoint) const {
    return {};
}

std::vector<std::string> ProcessPlugin::serve(const Message& request) {
    const std::string& what = request.field(0);
    const std::string& name = manifest().name;
    if (what == "clock") return {std::to_string(to_unix_ms(now()))};
    if (what == "secret") {
        const std::string& secret = request.field(1);
        bool declared = std::any_of(manifest().secrets->begin(), manifest().secrets->end(),
                                    [&](const json& s) { return s.value("name", "") == secret; });
        if (!declared) return {"0"};
        std::optional<std::string> value;
        if (config_.mode == Mode::sandbox)
            value = sandbox_secret(name, secret);
        else if (config_.secrets)
            value = config_.secrets(name, secret);
        if (!value) return {"0"};
        services_.redactor->add(*value);
        return {"1", *value};
    }
    if (what == "record") {
        json entry = json::parse(request.field(2), nullptr, false);
        if (!entry.is_discarded() && config_.sandbox_recorder)
            config_.sandbox_recorder(name, request.field(1), entry);
        return {};
    }
    if (what == "history")
        return {
            json_text(config_.sandbox_history ? config_.sandbox_history(name) : json::object())};
    return {};
}

void ProcessPlugin::on_death(const std::string& how, const std::vector<MsgType>& in_flight) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
    }
    auto has = [&](MsgType t) {
        return std::find(in_flight.begin(), in_flight.end(), t) != in_flight.end();
    };
    std::string where = has(MsgType::invoke)      ? "in invoke"
                        : has(MsgType::reconcile) ? "in reconcile"
                        : has(MsgType::inbound)   ? "in inbound"
                        : has(MsgType::activate)  ? "while starting"
                        : has(MsgType::init)      ? "while loading"
                                                  : "while idle";
    bool quarantined = faults_.record(now(), FaultLedger::Kind::crash, how + " " + where, true);
    Availability a = faults_.availability(now());
    spdlog::error(
        "plugin {}: its plugin-host process died ({} {}); {} call(s) in flight end as "
        "failed or in doubt; {}",
        manifest().name, how, where, in_flight.size(),
        quarantined ? a.reason : "it restarts at the next call after " + format_time(a.retry_at));
}

}  // namespace relance::host::detail
