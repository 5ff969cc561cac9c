// The http plugin against its echo emulator: nothing leaves loopback in sandbox mode.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plugin_fixture.hpp"
#include "test_util.hpp"

using namespace relance;
using host::ActionOutcome;
using nlohmann::json;
using test::SandboxedPlugin;

TEST(HttpPlugin, EchoesThroughTheSandbox) {
    SandboxedPlugin http("http");
    ASSERT_NE(http.plugin, nullptr);
    std::string url = "https://hooks.example.com/catch/123?lead=ana%40acme.io&x=1";
    auto out = http.invoke("request", {{"method", "POST"},
                                       {"url", url},
                                       {"headers", {{"X-Token", "abc"}}},
                                       {"json", {{"a", 1}}}});
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    EXPECT_EQ((*out.output)["status"], 200);
    const json& echo = (*out.output)["json"];
    EXPECT_EQ(echo["method"], "POST");
    EXPECT_EQ(echo["path"], "/catch/123");
    EXPECT_EQ(echo["query"]["lead"], "ana@acme.io");
    // cpp-httplib's server percent-decodes header values, so compare the undecoded part.
    EXPECT_EQ(
        echo["original_url"].get<std::string>().rfind("https://hooks.example.com/catch/123?", 0),
        0u);
    EXPECT_EQ(echo["headers"]["x-token"], "abc");
    EXPECT_EQ(echo["headers"]["content-type"], "application/json");
    EXPECT_EQ(echo["json"], (json{{"a", 1}}));
    EXPECT_EQ((*out.output)["headers"]["content-type"], "application/json");

    auto records = http.records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].box, "requests");
    EXPECT_EQ(records[0].entry["path"], "/catch/123");
}

TEST(HttpPlugin, GetIsAGet) {
    SandboxedPlugin http("http");
    auto out = http.invoke("get", {{"url", "http://api.example.com/v1/things"}});
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    EXPECT_EQ((*out.output)["json"]["method"], "GET");
    EXPECT_EQ((*out.output)["json"]["path"], "/v1/things");
}

TEST(HttpPlugin, ClassifiesStatuses) {
    SandboxedPlugin http("http", {{"fail_next",
                                   {{{"status", 429}, {"retry_after", "3"}},
                                    {{"status", 503}},
                                    {{"status", 404}},
                                    {{"status", 408}},
                                    {{"status", 400}}}}});
    json in = {{"method", "POST"}, {"url", "https://x.example.com/a"}, {"body", "hi"}};
    auto limited = http.invoke("request", in);
    EXPECT_EQ(limited.status, ActionOutcome::Status::rate_limited);
    EXPECT_EQ(limited.retry_after, Millis{3000});
    EXPECT_EQ(http.invoke("request", in).status, ActionOutcome::Status::retryable);
    auto missing = http.invoke("request", in);
    EXPECT_EQ(missing.status, ActionOutcome::Status::permanent);
    EXPECT_NE(missing.error.find("404"), std::string::npos);
    EXPECT_EQ(http.invoke("get", {{"url", "https://x.example.com/a"}}).status,
              ActionOutcome::Status::retryable);
    EXPECT_EQ(http.invoke("request", in).status, ActionOutcome::Status::permanent);
    EXPECT_EQ(http.invoke("request", in).status, ActionOutcome::Status::ok);
}

TEST(HttpPlugin, TransportErrors) {
    std::string closed = "http://127.0.0.1:" + std::to_string(test::closed_port());
    SandboxedPlugin refused("http", json::object(), {{"base_url", closed}});
    auto out = refused.invoke("request", {{"method", "POST"}, {"url", "https://x.example.com/"}});
    EXPECT_EQ(out.status, ActionOutcome::Status::retryable) << out.error;

    // Sent, then no answer in time: in doubt.
    SandboxedPlugin slow("http", {{"latency_ms", 600}});
    auto doubt = slow.invoke(
        "request", {{"method", "POST"}, {"url", "https://x.example.com/"}, {"timeout_ms", 150}});
    EXPECT_EQ(doubt.status, ActionOutcome::Status::in_doubt) << doubt.error;
    EXPECT_NE(doubt.error.find("timeout"), std::string::npos) << doubt.error;
}
