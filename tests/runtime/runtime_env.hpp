// A runtime under test, from real parts: a SQLite file in a temp dir, the real plugin libraries
// loaded through PluginHost in sandbox mode (emulators on 127.0.0.1, recording into the store),
// a VirtualClock and an Executor.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/model/config.hpp>
#include <relance/model/workflow.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

#include "../support/process.hpp"

namespace relance::test {

using json = nlohmann::json;

inline constexpr std::int64_t kT0 = 1'700'000'000'000;  // virtual start, unix ms

class RuntimeEnv {
  public:
    explicit RuntimeEnv(std::map<std::string, json> sandbox_config = {},
                        std::map<std::string, json> plugin_config = {},
                        std::vector<std::string> extra_plugin_dirs = {})
        : clock(from_unix_ms(kT0)) {
        spdlog::set_level(spdlog::level::warn);  // plugin loading is logged at info
        db_path = dir / "relance.db";
        store = store::open_sqlite(db_path);
        host::HostConfig c;
        c.plugin_path = {RELANCE_PLUGIN_DIR};
        for (const auto& d : extra_plugin_dirs) c.plugin_path.emplace_back(d);
        c.mode = host::Mode::sandbox;
        c.clock = &clock;
        for (auto& [name, value] : sandbox_config) c.sandbox_config[name] = std::move(value);
        for (auto& [name, value] : plugin_config) c.plugin_config[name] = std::move(value);
        c.sandbox_recorder = [this](const std::string& plugin, const std::string& box,
                                    const json& entry) {
            store->record_sandbox(plugin, box, entry, to_unix_ms(clock.now()));
        };
        host = std::make_unique<host::PluginHost>(std::move(c));
        host->load_all();
        host->activate();
        for (const auto& f : host->failures()) ADD_FAILURE() << "plugin refused: " << f.str();
        executor = std::make_unique<runtime::Executor>(*store, *host, clock);
    }

    // Runs a new executor with these options from now on.
    void use_options(runtime::ExecutorOptions options) {
        options.config = config;
        executor = std::make_unique<runtime::Executor>(*store, *host, clock, std::move(options));
    }

    // Runs the executor with this workspace config (sender accounts and pools) from now on.
    void use_config(const std::string& yaml, runtime::ExecutorOptions options = {}) {
        config =
            std::make_shared<const model::Config>(model::load_config_text(yaml, "relance.yaml"));
        options.config = config;
        executor = std::make_unique<runtime::Executor>(*store, *host, clock, options);
    }

    model::Workflow load(const std::string& yaml) {
        return model::load_workflow_text(yaml, "inline.yaml");
    }

    runtime::StartResult start(const std::string& yaml, const std::vector<json>& records) {
        model::Workflow wf = load(yaml);
        return runtime::start_runs(*store, wf, records, {}, clock);
    }

    // Starts one run and returns its id.
    std::string start_one(const std::string& yaml, const json& record = json::object()) {
        auto r = start(yaml, {record});
        EXPECT_EQ(r.started.size(), 1u);
        EXPECT_TRUE(r.rejected.empty());
        return r.started.empty() ? std::string{} : r.started.front();
    }

    store::Run run(const std::string& id) {
        auto r = store->get_run(id);
        EXPECT_TRUE(r.has_value()) << id;
        return r ? *r : store::Run{};
    }

    std::vector<store::StepRecord> steps(const std::string& id) { return store->list_steps(id); }

    // The timeline records of one step id, in order.
    std::vector<store::StepRecord> steps_of(const std::string& id, const std::string& step_id) {
        std::vector<store::StepRecord> out;
        for (auto& s : steps(id))
            if (s.step_id == step_id) out.push_back(s);
        return out;
    }

    std::vector<store::SandboxEntry> outbox(const std::string& plugin = "sendgrid") {
        return store->list_sandbox(plugin, "outbox", 10000);
    }

    // Executes until nothing is scheduled any more (or `limit` jumps of the clock).
    void drive(int limit = 100) {
        for (int i = 0; i < limit; ++i) {
            executor->run_due();
            auto next = store->next_due();
            if (!next) return;
            clock.set(from_unix_ms(*next));
        }
        ADD_FAILURE() << "still scheduled after " << limit << " clock jumps";
    }

    std::int64_t now() const { return to_unix_ms(clock.now()); }

    TempDir dir;
    std::string db_path;
    VirtualClock clock;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<host::PluginHost> host;
    std::unique_ptr<runtime::Executor> executor;
    std::shared_ptr<const model::Config> config;
};

// One email, then a built-in step: the shape the recovery tests need.
inline const char* const kOneMail = R"(
name: one_mail
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: send
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: Hi, text: Hello}
  - id: after
    set: {ok: true}
)";

// Two emails three days apart, to one contact: the shape most contact tests need.
inline const char* const kTwoMails = R"(
name: two_mails
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: intro, text: hi}
  - wait: 3d
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: follow_up, text: hi}
)";

// "status1 status2 ..." of a timeline, for readable assertions.
inline std::string statuses(const std::vector<store::StepRecord>& steps) {
    std::string out;
    for (const auto& s : steps)
        out += (out.empty() ? "" : " ") + s.step_id + ":" + store::to_string(s.status);
    return out;
}

}  // namespace relance::test
