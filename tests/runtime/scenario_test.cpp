// Simulation scenarios: parsed with named errors, drawn deterministically, and driving branches
// and stop rules in `simulate`.
#include <nlohmann/json.hpp>
#include <relance/runtime/scenario.hpp>
#include <relance/runtime/simulate.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using runtime::Scenario;

TEST(Scenario, ParsesAndNamesBadFields) {
    auto s = Scenario::parse(json::parse(R"({"seed": 7,
        "default": {"opened": {"p": 0.5, "after": "6h"}, "delivered": 1},
        "steps": {"intro": {"replied": {"p": 0.2, "after": "2d"}}}})"));
    EXPECT_EQ(s.seed, 7u);
    EXPECT_EQ(s.defaults.at("opened").after, Millis{6 * 3600 * 1000});
    EXPECT_EQ(s.defaults.at("delivered").p, 1.0);
    EXPECT_EQ(s.by_step.at("intro").at("replied").p, 0.2);
    auto error_of = [](const char* text) {
        try {
            Scenario::parse(json::parse(text));
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of(R"({"steps": {"intro": {"replied": {"p": 2}}}})"),
              "steps.intro.replied.p: must be between 0 and 1");
    EXPECT_EQ(error_of(R"({"default": {"opened": {"p": 0.1, "after": "soon"}}})"),
              "default.opened.after: a duration like 30m, 6h, 2d");
    EXPECT_EQ(error_of(R"({"sed": 1})"), "sed: unknown key (seed, default, steps)");
}

TEST(Scenario, DrawsAreDeterministicAndABounceExcludesTheRest) {
    auto s = Scenario::parse(
        json::parse(R"({"seed": 1, "default": {"bounced": 0.3, "opened": 0.5, "replied": 0.1}})"));
    int bounced = 0, opened = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string msg = "r_" + std::to_string(i) + ".intro.3";
        auto a = s.draw("intro", msg);
        EXPECT_EQ(a, s.draw("intro", msg));
        bool b = !a.empty() && a[0].first == "bounced";
        if (b) {
            EXPECT_EQ(a.size(), 1u);
        }
        bounced += b;
        for (const auto& [type, after] : a) opened += type == "opened";
    }
    EXPECT_NEAR(bounced, 600, 90);
    EXPECT_NEAR(opened, 700, 100);  // 0.5 of the 70% not bounced
}

TEST(Scenario, RepliesStopTheSequenceInSimulate) {
    RuntimeEnv env;
    runtime::SimulationOptions options;
    options.days = 10;
    options.scenario = Scenario::parse(
        json::parse(R"({"seed": 3, "steps": {"intro": {"replied": {"p": 1, "after": "1d"}}}})"));
    std::vector<json> leads;
    for (int i = 0; i < 20; ++i) leads.push_back({{"email", "l" + std::to_string(i) + "@x.test"}});
    auto report = runtime::simulate(*env.store, *env.host, env.clock, env.load(kTwoMails), leads,
                                    {}, options);
    EXPECT_EQ(report.events["replied"], 20);
    EXPECT_EQ(report.counts.by_status[static_cast<int>(store::RunStatus::exited)], 20);
    EXPECT_EQ(env.outbox().size(), 20u);  // intros only: every reply stopped the follow-up
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {

// The same input and scenario give the same simulation: run ids come from the input, and the
// scenario is drawn from its seed and the message ids.
TEST(Scenario, ASimulationIsReproducible) {
    auto once = [] {
        RuntimeEnv env;
        runtime::SimulationOptions options;
        options.days = 10;
        options.scenario = Scenario::parse(json::parse(
            R"({"seed": 9, "default": {"opened": 0.5, "replied": {"p": 0.3, "after": "1d"}}})"));
        std::vector<json> leads;
        for (int i = 0; i < 30; ++i)
            leads.push_back({{"email", "l" + std::to_string(i) + "@x.test"}});
        auto report = runtime::simulate(*env.store, *env.host, env.clock, env.load(kTwoMails),
                                        leads, {}, options);
        std::vector<std::string> out;
        for (const auto& l : report.leads)
            out.push_back(l.run_id + ":" + store::to_string(l.status));
        out.push_back("replied:" + std::to_string(report.events["replied"]));
        return out;
    };
    auto first = once();
    EXPECT_EQ(first, once());
    EXPECT_NE(first.back(), "replied:0");
}

}  // namespace
}  // namespace relance::test
