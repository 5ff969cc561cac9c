// A plugin cannot take the worker down (DESIGN invariant 10), seen from a real `relance worker`:
// the `crashy` fixture plugin, served out of process as the workspace config asks, segfaults in
// every call or blocks forever. Its runs wait or pause with the reason shown; the worker, and the
// runs of every other plugin, go on; SIGTERM still stops the worker at once.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class WorkerIsolation : public ::testing::Test {
  protected:
    void SetUp() override {
        write("relance.yaml", "plugins:\n  crashy: {isolation: process, timeout: 2s}\n");
        write("leads.csv", "email\na@x.test\nb@x.test\nc@x.test\nd@x.test\n");
    }

    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    }

    // The real plugins, and the crashy fixture by its file (the other fault fixtures beside it
    // are not wanted here).
    std::vector<std::string> cmd(const std::vector<std::string>& rest) {
        std::vector<std::string> args = {RELANCE_BIN,
                                         "--db",
                                         dir / "w.db",
                                         "--config",
                                         dir / "relance.yaml",
                                         "--plugin-path",
                                         RELANCE_PLUGIN_DIR,
                                         "--plugin-path",
                                         HOST_FAULT_DIR "/crashy.so"};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    }
    ProcessResult relance(const std::vector<std::string>& rest) { return run_process(cmd(rest)); }

    std::string workflow(const std::string& name, const std::string& uses) {
        return write(name + ".yaml",
                     "name: " + name +
                         "\nversion: 1\ninputs:\n  email: {type: "
                         "string, required: true}\nsteps:\n  - id: call\n    uses: " +
                         uses + "\n    with: {}\n");
    }

    json runs_of(const std::string& wf) {
        auto r = relance({"--json", "runs", "list", "--workflow", wf});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out);
    }

    TempDir dir;
};

TEST_F(WorkerIsolation, ASegfaultingPluginCostsOnlyItsOwnRuns) {
    ASSERT_EQ(
        relance({"run", workflow("crashes", "crashy.segfault"), "-i", dir / "leads.csv"}).exit_code,
        0);
    ASSERT_EQ(relance({"run", workflow("fine", "noop.pass"), "-i", dir / "leads.csv"}).exit_code,
              0);
    auto w = relance({"worker", "--until-idle"});
    EXPECT_EQ(w.exit_code, 0) << "the worker itself must survive:\n" << w.err;

    for (const auto& run : runs_of("fine")) EXPECT_EQ(run["status"], "completed") << run.dump();
    // A crash in a call that is not safe to repeat leaves it in doubt: nothing is called twice,
    // and the run says why instead of completing or vanishing.
    json crashed = runs_of("crashes");
    ASSERT_EQ(crashed.size(), 4u);
    for (const auto& run : crashed) {
        EXPECT_NE(run["status"], "completed") << run.dump();
        EXPECT_FALSE(run["reason"].get<std::string>().empty()) << run.dump();
        // A lead whose call was never made (the plugin was restarting after another lead's
        // crash) is not failed for it: it waits, without spending an attempt.
        if (run["reason"].get<std::string>().find("not called") != std::string::npos) {
            EXPECT_EQ(run["status"], "waiting") << run.dump();
        }
    }
    for (const auto& run : crashed) {
        if (run["status"] == "failed") {
            EXPECT_EQ(run["reason"].get<std::string>().find("restarting after a fault"),
                      std::string::npos)
                << "a lead failed for another lead's crash: " << run.dump();
        }
    }
    auto plugins = relance({"--json", "plugins", "list"});
    EXPECT_NE(plugins.out.find("crashy"), std::string::npos) << plugins.out;
}

TEST_F(WorkerIsolation, SigtermStopsTheWorkerWhileAPluginHangs) {
    ASSERT_EQ(
        relance({"run", workflow("hangs", "crashy.block"), "-i", dir / "leads.csv"}).exit_code, 0);
    pid_t worker = spawn_background(cmd({"worker"}), dir / "worker.log");
    // Wait until the calls are inside the plugin (their started rows are committed).
    // A run's timeline holds a `started` row for its call only once the call is committed as
    // leaving: then it is inside the plugin, blocked.
    const std::string id = runs_of("hangs")[0]["id"];
    bool started = false;
    for (int i = 0; i < 1000 && !started; ++i) {
        std::this_thread::sleep_for(10ms);
        auto r = relance({"--json", "runs", "show", id});
        json show = json::parse(r.out, nullptr, false);
        if (show.is_discarded()) continue;
        for (const auto& t : show["timeline"]) started |= t["status"] == "started";
    }
    ASSERT_TRUE(started);
    std::this_thread::sleep_for(200ms);
    auto t0 = std::chrono::steady_clock::now();
    ::kill(worker, SIGTERM);
    int code = wait_process(worker);
    auto took = std::chrono::steady_clock::now() - t0;
    std::ifstream log(dir / "worker.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    EXPECT_EQ(code, 0) << text;
    EXPECT_LT(took, 5s) << text;  // the bound: whatever a plugin does
    // The hung calls are not lost: their runs are still there, not completed.
    for (const auto& run : runs_of("hangs")) EXPECT_NE(run["status"], "completed") << run.dump();
}

}  // namespace
}  // namespace relance::test
