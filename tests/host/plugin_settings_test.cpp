// The workspace config's `plugins:` section, and how it reaches the host.
#include <gtest/gtest.h>

#include <relance/host/plugin_host.hpp>
#include <relance/model/config.hpp>

using namespace relance;

TEST(PluginSettings, ReadFromTheWorkspaceConfig) {
    auto cfg = model::load_config_text(R"(plugins:
  sendgrid: {isolation: process, timeout: 45s}
  http:
    timeout: 2s
)",
                                       "relance.yaml");
    ASSERT_EQ(cfg.plugins.size(), 2u);
    const auto* sg = cfg.find_plugin("sendgrid");
    ASSERT_NE(sg, nullptr);
    EXPECT_EQ(sg->isolation, model::PluginIsolation::process);
    EXPECT_EQ(sg->timeout, Millis{45'000});
    EXPECT_FALSE(cfg.find_plugin("http")->isolation);
    EXPECT_EQ(cfg.find_plugin("http")->timeout, Millis{2000});

    host::HostConfig hc;
    host::apply_workspace_config(cfg, hc);
    ASSERT_TRUE(hc.settings.count("sendgrid"));
    EXPECT_EQ(hc.settings["sendgrid"].isolation, host::Isolation::process);
}

TEST(PluginSettings, MistakesNameTheirPlace) {
    try {
        model::load_config_text(R"(plugins:
  sendgrid: {isolation: proces, timeout: 45s}
  Bad_Name: {}
  http: {timeout: soon, isolaton: process}
)",
                                "relance.yaml");
        FAIL() << "accepted";
    } catch (const model::LoadError& e) {
        std::string all;
        for (const auto& d : e.diagnostics()) all += d.str() + "\n";
        EXPECT_NE(all.find("relance.yaml:2:"), std::string::npos) << all;
        EXPECT_NE(all.find("isolation 'proces' must be in_process or process"), std::string::npos)
            << all;
        EXPECT_NE(all.find("did you mean 'process'"), std::string::npos) << all;
        EXPECT_NE(all.find("plugin name 'Bad_Name' must match"), std::string::npos) << all;
        EXPECT_NE(all.find("'timeout' must be a duration"), std::string::npos) << all;
        EXPECT_NE(all.find("isolaton"), std::string::npos) << all;
    }
}
