// A PluginHost over the fault fixtures (tests/host/fixtures), in either isolation mode, on a
// virtual clock. Out of process it starts the real `relance plugin-host` children.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>
#include <string>
#include <vector>

namespace relance::test {

inline const std::filesystem::path kFaultDir = HOST_FAULT_DIR;

inline host::HostConfig fault_config(const std::vector<std::string>& plugins,
                                     host::Isolation isolation, const Clock& clock) {
    host::HostConfig c;
    for (const auto& p : plugins) c.plugin_path.push_back(kFaultDir / (p + ".so"));
    c.mode = host::Mode::sandbox;
    c.clock = &clock;
    c.default_isolation = isolation;
    c.plugin_host_command = {RELANCE_BIN, "plugin-host"};
    return c;
}

class FaultHost {
  public:
    FaultHost(const std::vector<std::string>& plugins, host::Isolation isolation,
              const std::function<void(host::HostConfig&)>& tweak = {})
        : clock(from_unix_ms(1'700'000'000'000)) {
        host::HostConfig c = fault_config(plugins, isolation, clock);
        if (tweak) tweak(c);
        host = std::make_unique<host::PluginHost>(std::move(c));
        host->load_all();
        host->activate();
    }

    host::LoadedPlugin& plugin(const std::string& name) {
        host::LoadedPlugin* p = host->find(name);
        if (!p) {
            std::string why;
            for (const auto& f : host->failures()) why += "\n  " + f.str();
            ADD_FAILURE() << "plugin " << name << " is not loaded" << why;
            throw std::runtime_error("plugin " + name + " is not loaded");
        }
        return *p;
    }

    host::ActionOutcome call(const std::string& plugin_name, const std::string& action,
                             nlohmann::json input = nlohmann::json::object(),
                             Millis timeout = Millis{0}, const std::string& message_id = "msg-1") {
        host::ActionRequest r;
        r.action = action;
        r.input = std::move(input);
        r.message_id = message_id;
        r.run_id = "run-1";
        r.timeout = timeout;
        return plugin(plugin_name).invoke(r);
    }

    std::optional<host::ReconcileOutcome> reconcile(const std::string& plugin_name,
                                                    const std::string& action,
                                                    const std::string& message_id,
                                                    Millis timeout = Millis{0}) {
        host::ActionRequest r;
        r.action = action;
        r.message_id = message_id;
        r.run_id = "run-1";
        r.started_at_ms = to_unix_ms(clock.now());
        r.timeout = timeout;
        return plugin(plugin_name).reconcile(r);
    }

    VirtualClock clock;
    std::unique_ptr<host::PluginHost> host;
};

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace relance::test
