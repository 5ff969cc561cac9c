// Host services as a plugin sees them, through the services_probe fixture: cache TTL on the
// engine clock, the virtual clock, secrets, and redaction of secrets in errors and logs.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>
#include <sstream>

#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace relance;
using namespace relance::host;

namespace {

const fs::path kProbe = fs::path(HOST_FIXTURE_DIR) / "hostfx_services_probe.so";
const std::string kSecret = "tok-S3CRET-0123456789";

class HostServices : public ::testing::Test {
  protected:
    VirtualClock clock{from_unix_ms(1'700'000'000'000)};
    std::unique_ptr<PluginHost> host;
    LoadedPlugin* probe = nullptr;

    void start(Mode mode) {
        HostConfig c;
        c.plugin_path = {kProbe};
        c.mode = mode;
        c.clock = &clock;
        c.secrets = [](const std::string& plugin,
                       const std::string& name) -> std::optional<std::string> {
            if (plugin == "services_probe" && name == "token") return kSecret;
            return std::nullopt;
        };
        host = std::make_unique<PluginHost>(std::move(c));
        host->load_all();
        host->activate();
        for (const auto& f : host->failures()) ADD_FAILURE() << f.str();
        probe = host->find("services_probe");
        ASSERT_NE(probe, nullptr);
    }

    json call(const std::string& action, json input = json::object()) {
        ActionRequest r;
        r.action = action;
        r.input = std::move(input);
        r.message_id = "m";
        r.run_id = "r";
        auto out = probe->invoke(r);
        EXPECT_EQ(out.status, ActionOutcome::Status::ok) << action << ": " << out.error;
        return out.output;
    }
};

}  // namespace

TEST_F(HostServices, CacheExpiresOnTheEngineClock) {
    start(Mode::live);
    call("cache_set", {{"key", "k"}, {"value", "v1"}, {"ttl_ms", 1000}});
    EXPECT_EQ(call("cache_get", {{"key", "k"}}), (json{{"hit", true}, {"value", "v1"}}));
    clock.advance(Millis{999});
    EXPECT_EQ(call("cache_get", {{"key", "k"}})["hit"], true);
    clock.advance(Millis{1});
    EXPECT_EQ(call("cache_get", {{"key", "k"}})["hit"], false);
    EXPECT_EQ(call("cache_get", {{"key", "never-set"}})["hit"], false);
    // ttl 0: kept until the host stops.
    call("cache_set", {{"key", "forever"}, {"value", "x"}, {"ttl_ms", 0}});
    clock.advance(Millis{365LL * 24 * 3600 * 1000});
    EXPECT_EQ(call("cache_get", {{"key", "forever"}})["hit"], true);
}

TEST_F(HostServices, ClockIsTheVirtualClock) {
    start(Mode::live);
    EXPECT_EQ(call("now")["now_ms"], 1'700'000'000'000);
    clock.advance(Millis{42});
    EXPECT_EQ(call("now")["now_ms"], 1'700'000'000'042);
}

TEST_F(HostServices, LiveSecretsComeFromTheConfig) {
    start(Mode::live);
    EXPECT_EQ(call("secret"), (json{{"set", true}, {"length", kSecret.size()}}));
    // Undeclared secrets are not lent.
    EXPECT_EQ(call("secret", {{"name", "other"}})["set"], false);
}

TEST_F(HostServices, SandboxSecretsAreFakeAndDeterministic) {
    start(Mode::sandbox);
    std::string fake = "sandbox-services_probe-token";
    EXPECT_EQ(call("secret"), (json{{"set", true}, {"length", fake.size()}}));
}

TEST_F(HostServices, SecretInHttpErrorMessageIsRedacted) {
    start(Mode::live);
    std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/v2/find";
    json out = call("fetch", {{"url", url}});
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["kind"], "connect");
    EXPECT_EQ(out["sent"], false);
    std::string message = out["message"];
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_NE(message.find("api_key=[redacted]"), std::string::npos) << message;
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
}

TEST_F(HostServices, AHostTooLongForDnsIsRefusedBeforeTheHttpLibrary) {
    // cpp-httplib's client parses its origin with std::regex, whose recursion overflows the
    // stack on a long one: a URL rendered from a 200 KB field killed the worker (SIGSEGV).
    start(Mode::live);
    std::string host(200'000, 'a');
    json out = call("fetch", {{"url", "http://" + host + ".test/v2/find"}});
    EXPECT_EQ(out["ok"], false);
    EXPECT_EQ(out["sent"], false);
    std::string message = out["message"];
    EXPECT_NE(message.find("longer than 253"), std::string::npos) << message.substr(0, 200);
    // A host of the longest length DNS allows still goes out (and finds no server here).
    std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                          std::string(63, 'c') + "." + std::string(61, 'd');
    ASSERT_EQ(longest.size(), 253u);
    out = call("fetch", {{"url", "http://" + longest + ":" + std::to_string(test::closed_port()) +
                                     "/v2/find"}});
    EXPECT_EQ(out["ok"], false);
    message = out["message"];
    EXPECT_EQ(message.find("longer than 253"), std::string::npos) << message;
}

TEST_F(HostServices, SecretInPluginErrorIsRedacted) {
    start(Mode::live);
    ActionRequest r;
    r.action = "leak";
    r.input = json::object();
    auto out = probe->invoke(r);
    EXPECT_EQ(out.status, ActionOutcome::Status::permanent);
    EXPECT_EQ(out.error.find(kSecret), std::string::npos) << out.error;
    EXPECT_NE(out.error.find("[redacted]"), std::string::npos) << out.error;
}

TEST_F(HostServices, SecretInPluginLogIsRedacted) {
    std::ostringstream captured;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
    start(Mode::live);
    call("log");
    spdlog::set_default_logger(previous);
    std::string text = captured.str();
    EXPECT_NE(text.find("[plugin services_probe] using token [redacted]"), std::string::npos)
        << text;
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
}
