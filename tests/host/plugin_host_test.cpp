// Loading: every real plugin loads; every kind of bad file is refused with its name and a
// specific reason, and never stops the good plugins in the same directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>

#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace relance;
using namespace relance::host;

namespace {

const fs::path kPlugins = RELANCE_PLUGIN_DIR;
const fs::path kFixtures = HOST_FIXTURE_DIR;

HostConfig config_for(std::vector<fs::path> path, const Clock& clock, Mode mode = Mode::sandbox) {
    HostConfig c;
    c.plugin_path = std::move(path);
    c.mode = mode;
    c.clock = &clock;
    return c;
}

const LoadFailure* failure_for(const PluginHost& host, const std::string& file_name) {
    for (const auto& f : host.failures())
        if (fs::path(f.file).filename() == file_name) return &f;
    return nullptr;
}

ActionRequest request(const std::string& action, json input, unsigned attempt = 1) {
    ActionRequest r;
    r.action = action;
    r.input = std::move(input);
    r.message_id = "msg-1";
    r.run_id = "run-1";
    r.attempt = attempt;
    return r;
}

}  // namespace

TEST(PluginHost, LoadsEveryRealPlugin) {
    VirtualClock clock(from_unix_ms(1'700'000'000'000));
    PluginHost host(config_for({kPlugins}, clock));
    host.load_all();
    host.activate();
    for (const auto& f : host.failures()) ADD_FAILURE() << f.str();
    for (const char* name : {"noop", "http", "sendgrid"}) {
        LoadedPlugin* p = host.find(name);
        ASSERT_NE(p, nullptr) << name;
        EXPECT_TRUE(p->file().is_absolute());
        EXPECT_EQ(p->manifest().name, name);
    }
    EXPECT_FALSE(host.find("noop")->has_sandbox());
    EXPECT_TRUE(host.find("sendgrid")->has_sandbox());
    EXPECT_EQ(host.find("sendgrid")->sandbox_url().rfind("http://127.0.0.1:", 0), 0u);
    EXPECT_TRUE(host.find("http")->has_sandbox());
}

TEST(PluginHost, ManifestBecomesActionCatalog) {
    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({kPlugins}, clock));
    host.load_all();
    EXPECT_TRUE(host.has_plugin("sendgrid"));
    EXPECT_FALSE(host.has_plugin("twilio"));
    const model::ActionSpec* send = host.find_action("sendgrid", "send");
    ASSERT_NE(send, nullptr);
    EXPECT_EQ(send->plugin, "sendgrid");
    EXPECT_FALSE(send->safe_to_repeat);
    EXPECT_EQ((*send->input_schema)["additionalProperties"], false);
    ASSERT_NE(host.find_action("noop", "pass"), nullptr);
    EXPECT_TRUE(host.find_action("noop", "pass")->safe_to_repeat);
    EXPECT_TRUE(host.find_action("http", "get")->safe_to_repeat);
    EXPECT_FALSE(host.find_action("http", "request")->safe_to_repeat);
    EXPECT_EQ(host.find_action("sendgrid", "nope"), nullptr);
    const auto& m = host.find("sendgrid")->manifest();
    ASSERT_EQ(m.secrets->size(), 3u);
    EXPECT_EQ((*m.secrets)[0]["name"], "api_key");
    // The inbound role, and the secrets that verify its callbacks, declared like any other.
    EXPECT_EQ((*m.secrets)[1]["name"], "webhook_public_key");
    EXPECT_EQ((*m.secrets)[1]["required"], false);
    ASSERT_TRUE(m.inbound->is_object());
    EXPECT_EQ((*m.inbound)["callbacks"].size(), 2u);
    EXPECT_EQ((*m.inbound)["secrets"], json({"webhook_public_key", "parse_password"}));
    EXPECT_TRUE(host.find("sendgrid")->has_inbound());
    EXPECT_TRUE(host.find("noop")->manifest().inbound->is_null());
    EXPECT_FALSE(host.find("noop")->has_inbound());
    auto names = host.plugin_names();
    EXPECT_NE(std::find(names.begin(), names.end(), "noop"), names.end());
}

TEST(PluginHost, NoopPassAndFail) {
    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({kPlugins / "noop.so"}, clock));
    host.load_all();
    host.activate();
    LoadedPlugin* noop = host.find("noop");
    ASSERT_NE(noop, nullptr);

    auto ok = noop->invoke(request("pass", {{"a", 1}}));
    EXPECT_EQ(ok.status, ActionOutcome::Status::ok);
    EXPECT_EQ(ok.output, (json{{"echo", {{"a", 1}}}}));

    json fail = {{"status", "rate_limited"}, {"times", 2}, {"retry_after_ms", 1500}};
    auto first = noop->invoke(request("fail", fail, 1));
    EXPECT_EQ(first.status, ActionOutcome::Status::rate_limited);
    EXPECT_EQ(first.retry_after, Millis{1500});
    EXPECT_EQ(noop->invoke(request("fail", fail, 2)).status, ActionOutcome::Status::rate_limited);
    auto third = noop->invoke(request("fail", fail, 3));
    EXPECT_EQ(third.status, ActionOutcome::Status::ok);
    EXPECT_EQ((*third.output)["attempts"], 3);

    for (auto [name, status] : {std::pair{"retryable", ActionOutcome::Status::retryable},
                                {"permanent", ActionOutcome::Status::permanent},
                                {"in_doubt", ActionOutcome::Status::in_doubt}}) {
        auto out = noop->invoke(request("fail", {{"status", name}, {"times", 1}}));
        EXPECT_EQ(out.status, status) << name;
        EXPECT_FALSE(out.error.empty());
    }
    auto unknown = noop->invoke(request("nope", json::object()));
    EXPECT_EQ(unknown.status, ActionOutcome::Status::permanent);
    EXPECT_NE(unknown.error.find("nope"), std::string::npos);
    // noop has no reconcile of its own: the SDK default says it cannot tell.
    auto rec = noop->reconcile(request("fail", json::object()));
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->outcome, ReconcileOutcome::Outcome::unknown);
}

TEST(PluginHost, InvokeBeforeActivateIsRetryable) {
    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({kPlugins / "noop.so"}, clock));
    host.load_all();
    auto out = host.find("noop")->invoke(request("pass", json::object()));
    EXPECT_EQ(out.status, ActionOutcome::Status::retryable);
}

// One directory holding the good plugins and every kind of bad file.
TEST(PluginHost, RefusesBadPluginsAndKeepsTheGoodOnes) {
    test::TempDir dir("host-mixed");
    for (const char* good : {"noop.so", "http.so", "sendgrid.so"})
        fs::copy_file(kPlugins / good, dir.path() / good);
    for (const auto& f : fs::directory_iterator(kFixtures))
        fs::copy_file(f.path(), dir.path() / f.path().filename());
    fs::copy_file(kPlugins / "noop.so", dir.path() / "zz_noop_copy.so");
    // Not a .so: ignored, not refused.
    std::ofstream(dir.path() / "README.txt") << "not a plugin";

    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({dir.path()}, clock));
    host.load_all();
    host.activate();

    struct Expect {
        const char* file;
        std::vector<const char*> reason;
    };
    const std::vector<Expect> expected = {
        {"hostfx_not_a_library.so", {"not a shared library"}},
        {"hostfx_no_entry.so", {"missing relance_plugin_entry"}},
        {"hostfx_undefined_symbol.so", {"unresolved symbol", "relance_fixture_missing_function"}},
        {"hostfx_abi99.so", {"ABI version 99", "supports 1"}},
        {"hostfx_bad_manifest1.so", {"invalid manifest", "not valid JSON"}},
        {"hostfx_bad_manifest2.so", {"invalid manifest", "\"actions\""}},
        {"hostfx_bad_manifest3.so", {"invalid manifest", "action 'go'", "\"input_schema\""}},
        {"hostfx_bad_manifest4.so", {"declares \"inbound\" but parse_webhook is NULL"}},
        {"hostfx_bad_manifest5.so",
         {"invalid manifest", "\"inbound\"", "\"signing_key\" is not declared"}},
        {"hostfx_throwing_ctor.so", {"create() failed", "missing widget"}},
        {"zz_noop_copy.so", {"duplicate plugin name 'noop'", "noop.so"}},
    };
    for (const auto& e : expected) {
        const LoadFailure* f = failure_for(host, e.file);
        ASSERT_NE(f, nullptr) << "no refusal recorded for " << e.file;
        EXPECT_EQ(fs::path(f->file), dir.path() / e.file);
        EXPECT_NE(f->str().find(e.file), std::string::npos);
        for (const char* part : e.reason)
            EXPECT_NE(f->reason.find(part), std::string::npos)
                << e.file << ": reason \"" << f->reason << "\" lacks \"" << part << "\"";
    }
    EXPECT_EQ(host.failures().size(), expected.size());
    EXPECT_EQ(failure_for(host, "README.txt"), nullptr);

    // The good ones loaded and work; the refused ones are gone.
    EXPECT_FALSE(host.has_plugin("throwing_ctor"));
    EXPECT_FALSE(host.has_plugin("abi99"));
    EXPECT_TRUE(host.has_plugin("services_probe"));
    ASSERT_NE(host.find("noop"), nullptr);
    EXPECT_EQ(host.find("noop")->file(), dir.path() / "noop.so");
    EXPECT_EQ(host.find("noop")->invoke(request("pass", {{"x", 1}})).status,
              ActionOutcome::Status::ok);
    ASSERT_NE(host.find("sendgrid"), nullptr);
    EXPECT_FALSE(host.find("sendgrid")->sandbox_url().empty());
}

TEST(PluginHost, MissingPathEntryIsRecorded) {
    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({"/nonexistent/relance/plugins"}, clock));
    host.load_all();
    ASSERT_EQ(host.failures().size(), 1u);
    EXPECT_NE(host.failures()[0].reason.find("does not exist"), std::string::npos);
    EXPECT_FALSE(host.load_file("/nonexistent/x.so"));
}

TEST(PluginHost, RelativePathIsMadeAbsolute) {
    VirtualClock clock(from_unix_ms(0));
    auto cwd = fs::current_path();
    fs::current_path(kPlugins);
    PluginHost host(config_for({}, clock));
    bool ok = host.load_file("noop.so");
    fs::current_path(cwd);
    ASSERT_TRUE(ok);
    EXPECT_EQ(host.find("noop")->file(), kPlugins / "noop.so");
}

TEST(PluginHost, DefaultPluginPathFromEnvironment) {
    ::setenv("RELANCE_PLUGIN_PATH", "/a/b::/c", 1);
    auto path = PluginHost::default_plugin_path();
    ::unsetenv("RELANCE_PLUGIN_PATH");
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[0], fs::path("/a/b"));
    EXPECT_EQ(path[1], fs::path("/c"));
    // Without the variable: only directories that exist next to the executable.
    for (const auto& p : PluginHost::default_plugin_path()) EXPECT_TRUE(fs::is_directory(p));
}

TEST(PluginHost, LiveModeGivesPluginsLiveConfig) {
    // In live mode no emulator is started and sendgrid points at its real base URL; nothing is
    // called here, so nothing leaves the machine.
    VirtualClock clock(from_unix_ms(0));
    PluginHost host(config_for({kPlugins / "sendgrid.so"}, clock, Mode::live));
    host.load_all();
    host.activate();
    ASSERT_NE(host.find("sendgrid"), nullptr);
    EXPECT_TRUE(host.find("sendgrid")->sandbox_url().empty());
    EXPECT_EQ(host.mode(), Mode::live);
}
