#include "in_process_plugin.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/base/json_text.hpp>
#include <vector>

namespace relance::host::detail {

InProcessPlugin::InProcessPlugin(std::unique_ptr<Library> library, const HostConfig& config,
                                 Services& services)
    : PluginBase(library->file, std::move(library->manifest), config, services),
      core_(std::make_unique<Core>()) {
    core_->library = std::move(library);
    core_->ctx->plugin = manifest().name;
    core_->ctx->services = &services;
    for (const auto& s : *manifest().secrets)
        core_->ctx->declared_secrets.insert(s["name"].get<std::string>());
}

InProcessPlugin::~InProcessPlugin() {
    shut_down();
}

bool InProcessPlugin::has_sandbox() const {
    return core_ && core_->library->has_sandbox();
}
bool InProcessPlugin::has_reconcile() const {
    return core_ && core_->library->has_reconcile();
}
bool InProcessPlugin::has_inbound_slot() const {
    return core_ && core_->library->has_inbound();
}

std::string InProcessPlugin::sandbox_url() const {
    return core_ && core_->server ? core_->server->url() : std::string{};
}

void InProcessPlugin::activate() {
    Core& c = *core_;
    const rl_plugin& table = c.library->table;
    const std::string& name = manifest().name;
    // Every secret value the host may hand out is known to the redactor before the plugin runs,
    // so it never shows up in a log line or error message.
    learn_secrets(manifest(), config_, *services_.redactor);
    json plugin_config;
    if (config_.mode == Mode::sandbox) {
        plugin_config = {{"mode", "sandbox"}};
        if (has_sandbox()) {
            json secrets = json::object();
            for (const auto& s : c.ctx->declared_secrets) secrets[s] = sandbox_secret(name, s);
            // The test or operator's sandbox_config wins over the fake secrets, so a test can
            // make the emulator expect another key than the plugin holds.
            json sb = {{"secrets", secrets}};
            if (config_.sandbox_history) sb["history"] = config_.sandbox_history(name);
            if (auto it = config_.sandbox_config.find(name); it != config_.sandbox_config.end())
                sb.merge_patch(it->second);
            std::string error;
            void* sandbox =
                construct(table.sandbox_create, json_text(sb), "sandbox_create", &error);
            if (!sandbox) throw Refused("sandbox_create() failed: " + error);
            c.sandbox = sandbox;
            rl_plugin copy = table;
            c.server = std::make_unique<SandboxServer>([copy, sandbox](const std::string& request) {
                Buffer response;
                copy.sandbox_handle(sandbox, request.c_str(), &response);
                return response.text;
            });
            try {
                c.server->start();
            } catch (const std::exception& e) {
                throw Refused(std::string("cannot serve sandbox: ") + e.what());
            }
            plugin_config["base_url"] = c.server->url();
            spdlog::info("plugin {}: sandbox emulator on {}", name, c.server->url());
        }
    } else {
        plugin_config = {{"mode", "live"}};
    }
    if (auto it = config_.plugin_config.find(name); it != config_.plugin_config.end())
        plugin_config.merge_patch(it->second);

    std::string error;
    void* instance = construct(table.create, json_text(plugin_config), "create", &error);
    if (!instance)
        throw Refused("create() failed: " +
                      (error.empty() ? "no reason given" : services_.redactor->apply(error)));
    c.instance = instance;
}

void* InProcessPlugin::construct(Constructor fn, std::string config, const char* what,
                                 std::string* error) {
    // Plugin code like any call: a constructor that never returns must not hold the worker's
    // start. What the abandoned code may still touch is owned by the job or by the core (which
    // is then never freed), never by this object.
    struct Outcome {
        void* made = nullptr;
        std::string error;
        std::optional<std::string> threw;
    };
    auto out = std::make_shared<Outcome>();
    rl_host_ctx* ctx = core_->ctx.get();
    auto result = runner_->run(
        [out, fn, ctx, config = std::move(config)] {
            Buffer buffer;
            try {
                out->made = fn(host_api(), ctx, config.c_str(), &buffer);
            } catch (const std::exception& e) {
                out->threw = e.what();
            } catch (...) {
                out->threw = "an unknown exception";
            }
            out->error = std::move(buffer.text);
        },
        std::chrono::steady_clock::now() + config_.start_timeout);
    if (result != CallRunner::Result::returned)
        throw Refused(std::string(what) + "() did not return within " +
                      std::to_string(config_.start_timeout.count()) + " ms");
    if (out->threw) throw Refused(std::string(what) + "() threw: " + *out->threw);
    *error = std::move(out->error);
    return out->made;
}

void InProcessPlugin::destroy_instance() {
    if (!core_ || !core_->instance) return;
    // Calls whose callers still wait cannot exist here (the host is going away); calls whose
    // callers gave up at their deadline can.
    if (std::size_t stuck = runner_->abandoned(); stuck > 0) {
        // A call abandoned at its deadline is still inside the plugin: destroying the instance
        // or unloading the library under it would crash the worker. Leave both as they are, for
        // as long as the process lives, and give the plugin services that outlive the host.
        spdlog::warn("plugin {}: {} call(s) still inside it at shutdown; it is left loaded",
                     manifest().name, stuck);
        core_->ctx->orphan();
        // Leaked on purpose, and kept reachable from a global, so that it stays valid for the
        // stuck thread and leak checkers see it is meant.
        static auto* left_loaded = new std::vector<Core*>();
        static std::mutex left_loaded_mutex;
        std::lock_guard lock(left_loaded_mutex);
        left_loaded->push_back(core_.release());
        orphaned_ = true;
        return;
    }
    try {
        core_->library->table.destroy(core_->instance);
    } catch (...) {
        spdlog::error("plugin {}: destroy() threw", manifest().name);
    }
    core_->instance = nullptr;
}

void InProcessPlugin::stop_sandbox() {
    if (!core_) return;
    if (core_->server) core_->server->stop();
    core_->server.reset();
    if (core_->sandbox) {
        try {
            core_->library->table.sandbox_destroy(core_->sandbox);
        } catch (...) {
            spdlog::error("plugin {}: sandbox_destroy() threw", manifest().name);
        }
        core_->sandbox = nullptr;
    }
}

void InProcessPlugin::shut_down() {
    destroy_instance();
    if (orphaned_) return;
    stop_sandbox();
    core_.reset();  // unloads the library
}

RawAnswer InProcessPlugin::call_core(Core& core, CallKind kind, const CallData& data) {
    RawAnswer answer;
    const rl_plugin& table = core.library->table;
    if (!core.instance) {
        answer.status = RL_RETRYABLE;  // nothing was called
        answer.error = "plugin " + core.ctx->plugin + " is not active";
        return answer;
    }
    rl_call call{
        data.action.c_str(), data.input_json.c_str(), data.message_id.c_str(), data.run_id.c_str(),
        data.attempt,        data.started_at_ms};
    Buffer output, error;
    rl_result result{&output, &error, 0};
    try {
        switch (kind) {
            case CallKind::invoke:
                answer.status = table.invoke(core.instance, &call, &result);
                break;
            case CallKind::reconcile:
                answer.status = table.reconcile(core.instance, &call, &result);
                break;
            case CallKind::inbound:
                if (!table.parse_webhook) {  // the worker asks only plugins that have it
                    answer.status = RL_RETRYABLE;
                    answer.error = "plugin " + core.ctx->plugin + " takes no callbacks";
                    return answer;
                }
                // The request JSON rides in input_json; the rest of the call is empty.
                answer.status =
                    table.parse_webhook(core.instance, data.input_json.c_str(), &result);
                break;
        }
    } catch (const std::exception& e) {
        // A C++ plugin not built with the SDK let an exception escape: the effect may have
        // happened (the host reads it by the action's repeat class).
        answer.status = RL_IN_DOUBT;
        answer.error = std::string("plugin threw: ") + e.what();
        return answer;
    } catch (...) {
        answer.status = RL_IN_DOUBT;
        answer.error = "plugin threw an unknown exception";
        return answer;
    }
    answer.output = std::move(output.text);
    answer.error = std::move(error.text);
    answer.retry_after_ms = result.retry_after_ms;
    return answer;
}

RawAnswer InProcessPlugin::call_direct(CallKind kind, const CallData& data) {
    return call_core(*core_, kind, data);
}

CallEnd InProcessPlugin::call(CallKind kind, const CallData& data, Millis timeout) {
    if (kind == CallKind::reconcile && !has_reconcile())
        return {CallEnd::Kind::unavailable, {}, "plugin " + manifest().name + " cannot reconcile"};
    if (kind == CallKind::inbound && !has_inbound_slot())
        return {
            CallEnd::Kind::unavailable, {}, "plugin " + manifest().name + " takes no callbacks"};
    // Owned by the call, not by this frame: an abandoned call still writes its answer here.
    struct Pending {
        CallData data;
        RawAnswer answer;
    };
    auto pending = std::make_shared<Pending>();
    pending->data = data;
    Core* core = core_.get();
    auto result = runner_->run(
        [pending, core, kind] { pending->answer = call_core(*core, kind, pending->data); },
        std::chrono::steady_clock::now() + timeout);
    switch (result) {
        case CallRunner::Result::returned:
            return {CallEnd::Kind::answered, std::move(pending->answer), {}};
        case CallRunner::Result::abandoned:
            return {CallEnd::Kind::deadline, {}, {}};
        case CallRunner::Result::not_started:
            return {CallEnd::Kind::not_started, {}, {}};
    }
    return {CallEnd::Kind::deadline, {}, {}};
}

std::vector<CallEnd> InProcessPlugin::call_each(CallKind kind, const std::vector<CallData>& data,
                                                const std::vector<Millis>& timeouts) {
    std::vector<CallEnd> ends;
    if (data.empty()) return ends;
    if (kind == CallKind::reconcile && !has_reconcile())
        return PluginBase::call_each(kind, data, timeouts);
    // As call(), with one handoff for the whole group: the answers are owned by the job.
    struct Pending {
        std::vector<CallData> data;
        std::vector<RawAnswer> answers;
    };
    auto pending = std::make_shared<Pending>();
    pending->data = data;
    pending->answers.resize(data.size());
    Core* core = core_.get();
    std::vector<std::function<void()>> works;
    works.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i)
        works.emplace_back([pending, core, kind, i] {
            pending->answers[i] = call_core(*core, kind, pending->data[i]);
        });
    std::vector<CallRunner::Deadline::duration> limits(timeouts.begin(), timeouts.end());
    CallRunner::Each each = runner_->run_each(std::move(works), limits);
    ends.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i < each.returned)
            ends.push_back({CallEnd::Kind::answered, std::move(pending->answers[i]), {}});
        else if (i == each.returned && each.rest == CallRunner::Result::abandoned)
            ends.push_back({CallEnd::Kind::deadline, {}, {}});
        else
            ends.push_back({CallEnd::Kind::not_started, {}, {}});
    }
    return ends;
}

Availability InProcessPlugin::transport_availability(TimePoint now) const {
    std::size_t stuck = runner_->abandoned();
    if (stuck < static_cast<std::size_t>(std::max(1, config_.faults.max_stuck_calls))) return {};
    TimePoint retry = now + Millis{60'000};
    return {false, retry,
            "plugin " + manifest().name + " has " + std::to_string(stuck) +
                " calls stuck inside it past their deadline; in process they cannot be stopped, "
                "so it takes no new call until they return (isolation: process would restart "
                "it); next look at " +
                format_time(retry)};
}

}  // namespace relance::host::detail
