// One PluginHost in sandbox mode around one plugin, with its sandbox records captured.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>

namespace relance::test {

class SandboxedPlugin {
  public:
    struct Record {
        std::string plugin, box;
        nlohmann::json entry;
    };

    SandboxedPlugin(const std::string& name,
                    nlohmann::json sandbox_config = nlohmann::json::object(),
                    nlohmann::json plugin_config = nlohmann::json::object(),
                    host::Isolation isolation = host::Isolation::in_process)
        : clock(from_unix_ms(1'700'000'000'000)) {
        host::HostConfig c;
        c.default_isolation = isolation;
        c.plugin_host_command = {RELANCE_BIN, "plugin-host"};
        c.plugin_path = {std::filesystem::path(RELANCE_PLUGIN_DIR) / (name + ".so")};
        c.mode = host::Mode::sandbox;
        c.clock = &clock;
        c.sandbox_config[name] = std::move(sandbox_config);
        c.plugin_config[name] = std::move(plugin_config);
        c.sandbox_recorder = [this](const std::string& plugin, const std::string& box,
                                    const nlohmann::json& entry) {
            std::lock_guard lock(mutex_);
            records_.push_back({plugin, box, entry});
        };
        host_ = std::make_unique<host::PluginHost>(std::move(c));
        host_->load_all();
        host_->activate();
        for (const auto& f : host_->failures()) ADD_FAILURE() << f.str();
        plugin = host_->find(name);
    }

    host::ActionOutcome invoke(const std::string& action, nlohmann::json input,
                               const std::string& message_id = "msg-0001", unsigned attempt = 1) {
        host::ActionRequest r;
        r.action = action;
        r.input = std::move(input);
        r.message_id = message_id;
        r.run_id = "run-0001";
        r.attempt = attempt;
        return plugin->invoke(r);
    }

    std::vector<Record> records() {
        std::lock_guard lock(mutex_);
        return records_;
    }

    VirtualClock clock;
    host::LoadedPlugin* plugin = nullptr;

  private:
    std::mutex mutex_;
    std::vector<Record> records_;
    std::unique_ptr<host::PluginHost> host_;  // last: destroyed first, before the recorder goes
};

}  // namespace relance::test
