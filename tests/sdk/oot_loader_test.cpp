// Loads the out-of-tree plugin named by $RELANCE_OOT_PLUGIN (see out_of_tree_test.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>

using namespace relance;
using namespace relance::host;

TEST(OutOfTreePlugin, LoadsAndRuns) {
    const char* path = std::getenv("RELANCE_OOT_PLUGIN");
    if (!path) GTEST_SKIP() << "run through out_of_tree_test.sh";
    VirtualClock clock(from_unix_ms(1234));
    HostConfig c;
    c.plugin_path = {path};
    c.clock = &clock;
    PluginHost host(std::move(c));
    host.load_all();
    host.activate();
    for (const auto& f : host.failures()) ADD_FAILURE() << f.str();
    LoadedPlugin* hello = host.find("hello");
    ASSERT_NE(hello, nullptr);
    ASSERT_NE(host.find_action("hello", "greet"), nullptr);
    EXPECT_TRUE(host.find_action("hello", "greet")->safe_to_repeat);

    ActionRequest r;
    r.action = "greet";
    r.input = nlohmann::json{{"name", "Ana"}};
    auto out = hello->invoke(r);
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    EXPECT_EQ((*out.output)["greeting"], "hello Ana");
    EXPECT_EQ((*out.output)["at_ms"], 1234);
    EXPECT_EQ((*out.output)["mode"], "sandbox");

    r.input = nlohmann::json{{"name", ""}};
    EXPECT_EQ(hello->invoke(r).status, ActionOutcome::Status::permanent);
}
