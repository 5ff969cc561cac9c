// Out-of-process isolation through the real `relance plugin-host` child: a plugin that segfaults,
// aborts, hangs or is killed costs only its calls in flight; its child restarts with backoff on
// the engine clock and a plugin that keeps failing is quarantined. In process, a hung call is
// abandoned at its deadline and never blocks the host's end.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "fault_host.hpp"
#include "process_plugin.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace relance;
using host::ActionOutcome;
using host::Isolation;
using nlohmann::json;
using test::contains;
using test::FaultHost;
using Status = ActionOutcome::Status;

namespace {

pid_t child_pid(FaultHost& h, const std::string& name) {
    auto* p = dynamic_cast<host::detail::ProcessPlugin*>(&h.plugin(name));
    return p ? p->child_pid() : -1;
}

int pid_of(FaultHost& h) {
    auto out = h.call("crashy", "pid");
    EXPECT_EQ(out.status, Status::ok) << out.error;
    return out.output->value("pid", -1);
}

// Whether this process has mapped a file of that name (dlopen maps the library).
bool mapped(const std::string& file_name) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line))
        if (contains(line, "/" + file_name)) return true;
    return false;
}

}  // namespace

TEST(ProcessIsolation, ThePluginRunsInAChildAndTheWorkerNeverLoadsIt) {
    // (An in-process test run earlier in this process may have left it mapped: a library with
    // unique symbols is never unmapped by dlclose.)
    const bool mapped_before = mapped("crashy.so");
    FaultHost h({"crashy"}, Isolation::process);
    ASSERT_EQ(h.plugin("crashy").isolation(), Isolation::process);
    int pid = pid_of(h);
    EXPECT_NE(pid, ::getpid());
    EXPECT_EQ(pid, child_pid(h, "crashy"));
    if (!mapped_before) {
        EXPECT_FALSE(mapped("crashy.so"));
    }
    // The child, though, has it mapped.
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string all((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(contains(all, "/crashy.so"));
    auto echo = h.call("crashy", "echo", {{"x", "caf\xC3\xA9"}});
    ASSERT_EQ(echo.status, Status::ok) << echo.error;
    EXPECT_EQ((*echo.output)["echo"]["x"], "caf\xC3\xA9");
}

TEST(ProcessIsolation, ASegfaultCostsOnlyItsCallAndTheChildRestartsAfterBackoff) {
    FaultHost h({"crashy"}, Isolation::process, [](host::HostConfig& c) {
        c.plugin_path.push_back(std::filesystem::path(RELANCE_PLUGIN_DIR) / "noop.so");
    });
    int first = pid_of(h);

    auto crashed = h.call("crashy", "segfault");
    EXPECT_EQ(crashed.status, Status::in_doubt);
    EXPECT_TRUE(contains(crashed.error,
                         "plugin crashy: segfault: the process serving the plugin "
                         "died (SIGSEGV)"))
        << crashed.error;
    // The worker (this process) and the other plugins are untouched.
    EXPECT_EQ(h.call("noop", "pass", {{"a", 1}}).status, Status::ok);

    // Restarting after a backoff on the engine clock: unavailable, with the reason, until then.
    auto a = h.plugin("crashy").availability(h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_EQ(a.retry_at, h.clock.now() + Millis{1000});
    EXPECT_TRUE(contains(a.reason, "plugin crashy is restarting after a fault (SIGSEGV in invoke)"))
        << a.reason;
    auto refused = h.call("crashy", "echo");
    EXPECT_EQ(refused.status, Status::unavailable);  // nothing was called: no attempt spent
    EXPECT_EQ(refused.retry_after, Millis{1000});

    h.clock.advance(Millis{1000});
    EXPECT_TRUE(h.plugin("crashy").availability(h.clock.now()).available);
    int second = pid_of(h);
    EXPECT_NE(second, first);
    EXPECT_NE(second, ::getpid());

    // The same crash in an action that is safe to repeat: retryable. The call in between
    // succeeded, so the backoff starts over at 1 s.
    auto safe = h.call("crashy", "segfault_safe");
    EXPECT_EQ(safe.status, Status::retryable);
    EXPECT_TRUE(contains(safe.error, "SIGSEGV")) << safe.error;
    EXPECT_EQ(h.plugin("crashy").availability(h.clock.now()).retry_at,
              h.clock.now() + Millis{1000});
}

TEST(ProcessIsolation, APluginThatKeepsCrashingIsQuarantined) {
    FaultHost h({"crashy"}, Isolation::process);
    EXPECT_EQ(h.call("crashy", "segfault").status, Status::in_doubt);
    h.clock.advance(Millis{1000});
    auto aborted = h.call("crashy", "abort");
    EXPECT_EQ(aborted.status, Status::in_doubt);
    EXPECT_TRUE(contains(aborted.error, "died (SIGABRT)")) << aborted.error;
    // A second crash in a row (no call answered in between): the backoff doubles.
    EXPECT_EQ(h.plugin("crashy").availability(h.clock.now()).retry_at,
              h.clock.now() + Millis{2000});
    h.clock.advance(Millis{2000});
    auto third = h.call("crashy", "segfault");
    EXPECT_EQ(third.status, Status::in_doubt);

    TimePoint until = h.clock.now() + Millis{600'000};
    auto a = h.host->availability("crashy", h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_EQ(a.retry_at, until);
    EXPECT_EQ(a.reason,
              "plugin crashy quarantined after 3 crashes in 60 s (last: SIGSEGV in "
              "invoke); next try at 2023-11-14 22:23:23 UTC");
    // While quarantined nothing is started or called.
    auto held = h.call("crashy", "echo");
    EXPECT_EQ(held.status, Status::unavailable);
    EXPECT_EQ(held.error, a.reason);
    EXPECT_EQ(child_pid(h, "crashy"), -1);

    h.clock.set(until);
    // Back from quarantine on probation: a crash before any call succeeds quarantines it again,
    // twice as long (a success would have trusted it again: FaultLedger tests).
    EXPECT_EQ(h.call("crashy", "segfault").status, Status::in_doubt);
    auto again = h.plugin("crashy").availability(h.clock.now());
    EXPECT_FALSE(again.available);
    EXPECT_EQ(again.retry_at, h.clock.now() + Millis{1'200'000});
    EXPECT_TRUE(contains(again.reason, "again")) << again.reason;
    h.clock.set(again.retry_at);
    EXPECT_EQ(h.call("crashy", "echo").status, Status::ok);
}

TEST(ProcessIsolation, EveryCallInFlightEndsWhenTheChildDies) {
    FaultHost h({"crashy"}, Isolation::process);
    // Four calls block inside the child at once (the socket carries them all); then one
    // segfaults the child.
    std::vector<std::future<ActionOutcome>> blocked;
    for (const char* action : {"block", "block", "block", "block_safe"})
        blocked.push_back(std::async(std::launch::async, [&h, action] {
            return h.call("crashy", action, json::object(), Millis{30'000});
        }));
    ASSERT_TRUE(test::eventually([&] {
        auto n = h.call("crashy", "blocked");
        return n.status == Status::ok && (*n.output)["blocked"] == 4;
    }));
    EXPECT_EQ(h.call("crashy", "segfault").status, Status::in_doubt);
    for (int i = 0; i < 4; ++i) {
        ActionOutcome out = blocked[static_cast<size_t>(i)].get();
        EXPECT_EQ(out.status, i < 3 ? Status::in_doubt : Status::retryable) << out.error;
        EXPECT_TRUE(contains(out.error, "died (SIGSEGV)")) << out.error;
    }
}

TEST(ProcessIsolation, AChildKilledFromOutsideIsAFaultToo) {
    FaultHost h({"crashy"}, Isolation::process);
    pid_t pid = child_pid(h, "crashy");
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGKILL);  // as the OOM killer would
    ASSERT_TRUE(test::eventually(
        [&] { return !h.plugin("crashy").availability(h.clock.now()).available; }));
    EXPECT_TRUE(
        contains(h.plugin("crashy").availability(h.clock.now()).reason, "SIGKILL while idle"));
    h.clock.advance(Millis{1000});
    EXPECT_EQ(h.call("crashy", "echo").status, Status::ok);
    EXPECT_NE(child_pid(h, "crashy"), pid);
}

TEST(ProcessIsolation, ACrashInReconcileAsksAgainLater) {
    FaultHost h({"crashy"}, Isolation::process);
    auto rec = h.reconcile("crashy", "segfault", "segfault-msg");
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->outcome, host::ReconcileOutcome::Outcome::pending);
    EXPECT_TRUE(contains(rec->reason, "died (SIGSEGV)")) << rec->reason;
    EXPECT_TRUE(
        contains(h.plugin("crashy").availability(h.clock.now()).reason, "SIGSEGV in reconcile"));
    h.clock.advance(Millis{1000});
    auto fine = h.reconcile("crashy", "segfault", "msg-2");
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->outcome, host::ReconcileOutcome::Outcome::not_done);
}

TEST(ProcessIsolation, HungCallsAreAbandonedThenTheChildIsRestarted) {
    FaultHost h({"hangs"}, Isolation::process, [](host::HostConfig& c) {
        c.faults.quarantine_after = 10;  // look at the stuck limit alone
    });
    pid_t first = child_pid(h, "hangs");
    for (int i = 0; i < 2; ++i)
        EXPECT_EQ(h.call("hangs", "hang", json::object(), Millis{200}).status, Status::in_doubt);
    EXPECT_EQ(child_pid(h, "hangs"), first);  // two stuck calls: kept
    EXPECT_EQ(h.call("hangs", "hang", json::object(), Millis{200}).status, Status::in_doubt);
    // The third stuck call reached the limit: the child was killed, and restarts after backoff.
    EXPECT_TRUE(test::eventually([&] { return child_pid(h, "hangs") == -1; }));
    auto a = h.plugin("hangs").availability(h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_TRUE(contains(a.reason, "killed with 3 calls stuck past their deadline")) << a.reason;
    h.clock.advance(a.retry_at - h.clock.now());
    EXPECT_EQ(h.call("hangs", "quick").status, Status::ok);
    EXPECT_NE(child_pid(h, "hangs"), first);
}

TEST(ProcessIsolation, HostServicesReachTheChild) {
    const std::string secret = "tok-LIVE-5ecret-value";
    FaultHost h({"services_probe"}, Isolation::process, [&](host::HostConfig& c) {
        c.mode = host::Mode::live;
        c.secrets = [secret](const std::string& plugin,
                             const std::string& name) -> std::optional<std::string> {
            if (plugin == "services_probe" && name == "token") return secret;
            return std::nullopt;
        };
    });
    // The engine clock is the worker's virtual clock, read across the socket.
    EXPECT_EQ((*h.call("services_probe", "now").output)["now_ms"], 1'700'000'000'000);
    h.clock.advance(Millis{42});
    EXPECT_EQ((*h.call("services_probe", "now").output)["now_ms"], 1'700'000'000'042);
    auto s = h.call("services_probe", "secret");
    EXPECT_EQ(s.output, (json{{"set", true}, {"length", secret.size()}}));
    // The cache lives in the child, on the engine clock.
    h.call("services_probe", "cache_set", {{"key", "k"}, {"value", "v"}, {"ttl_ms", 1000}});
    EXPECT_EQ((*h.call("services_probe", "cache_get", {{"key", "k"}}).output)["hit"], true);
    h.clock.advance(Millis{1000});
    EXPECT_EQ((*h.call("services_probe", "cache_get", {{"key", "k"}}).output)["hit"], false);
    // A secret in an error coming back from the child is redacted by the worker.
    auto leak = h.call("services_probe", "leak");
    EXPECT_EQ(leak.status, Status::permanent);
    EXPECT_FALSE(contains(leak.error, secret)) << leak.error;
    EXPECT_TRUE(contains(leak.error, "[redacted]")) << leak.error;
}

TEST(ProcessIsolation, AFileMustBeNamedAsItsPluginToBeIsolated) {
    test::TempDir dir("isolation-names");
    fs::copy_file(test::kFaultDir / "crashy.so", dir.path() / "other.so");
    VirtualClock clock(from_unix_ms(0));
    host::HostConfig c = test::fault_config({}, Isolation::process, clock);
    {
        c.plugin_path = {dir.path() / "other.so"};
        host::PluginHost h(c);
        h.load_all();
        ASSERT_EQ(h.failures().size(), 1u);
        EXPECT_TRUE(contains(h.failures()[0].reason, "the file must be named crashy.so"))
            << h.failures()[0].reason;
    }
    {
        // In process by default, but the operator asked for crashy out of process: refused
        // rather than loaded into the worker.
        c.default_isolation = Isolation::in_process;
        model::PluginSettings s;
        s.name = "crashy";
        s.isolation = Isolation::process;
        c.settings["crashy"] = s;
        host::PluginHost h(c);
        h.load_all();
        ASSERT_EQ(h.failures().size(), 1u);
        EXPECT_TRUE(contains(h.failures()[0].reason, "configured with isolation: process"))
            << h.failures()[0].reason;
        // In process the file had to be opened to learn its name (hence the naming rule); it
        // is refused before anything of it runs.
        EXPECT_FALSE(h.has_plugin("crashy"));
    }
}

TEST(ProcessIsolation, RefusalsReadTheSameAsInProcess) {
    // The child loads with the same checks: a bad file is refused with the same reason.
    VirtualClock clock(from_unix_ms(0));
    host::HostConfig c = test::fault_config({}, Isolation::process, clock);
    c.plugin_path = {fs::path(HOST_FIXTURE_DIR) / "hostfx_not_a_library.so"};
    host::PluginHost h(c);
    h.load_all();
    ASSERT_EQ(h.failures().size(), 1u);
    EXPECT_EQ(h.failures()[0].reason, "not a shared library (no ELF header)");
}

TEST(InProcessIsolation, HungCallsAreAbandonedAndTheHostEndsWithoutWaiting) {
    FaultHost h({"hangs"}, Isolation::in_process, [](host::HostConfig& c) {
        c.faults.quarantine_after = 10;  // look at the stuck limit alone
    });
    for (int i = 0; i < 3; ++i) {
        auto out = h.call("hangs", "hang", json::object(), Millis{200});  // hangs forever
        EXPECT_EQ(out.status, Status::in_doubt);
    }
    // Three threads are stuck inside the plugin for good: no new call goes in.
    auto a = h.plugin("hangs").availability(h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_TRUE(contains(a.reason, "plugin hangs has 3 calls stuck inside it past their deadline"))
        << a.reason;
    auto held = h.call("hangs", "quick");
    EXPECT_EQ(held.status, Status::unavailable);
    EXPECT_TRUE(contains(held.error, "stuck")) << held.error;
    // The host goes away with the calls still inside the plugin: it neither waits for them nor
    // unloads the library under them (this test would hang or crash otherwise).
    h.host.reset();
    EXPECT_TRUE(mapped("hangs.so"));
}

TEST(InProcessIsolation, ThreeHangsInAWindowQuarantine) {
    FaultHost h({"hangs"}, Isolation::in_process);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(h.call("hangs", "hang", {{"ms", 1500}}, Millis{200}).status, Status::in_doubt);
    auto a = h.plugin("hangs").availability(h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_TRUE(contains(a.reason,
                         "plugin hangs quarantined after 3 hangs in 60 s (last: hang in "
                         "hang)"))
        << a.reason;
}
