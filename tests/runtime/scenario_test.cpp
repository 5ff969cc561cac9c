// Simulation scenarios: parsed with named errors, drawn deterministically, and driving branches
// and stop rules in `simulate`.
#include <map>
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

namespace relance::test {
namespace {

// Lockstep keeps two groups of calls out at once (small claims here: many groups). With a
// daily cap smaller than the leads, which runs send today depends on the order outcomes are
// applied and runs admitted, so this catches an executor that applies them as they arrive
// (the emulator answers in whatever order its threads run): every run of the simulation gives
// the same timeline, step by step, and the cap holds on every day.
TEST(Scenario, ManyGroupsOutGiveTheSameSimulationEveryTime) {
    static constexpr int kLeads = 60;
    static constexpr int kCap = 25;
    auto once = [] {
        RuntimeEnv env;
        runtime::ExecutorOptions executor;
        executor.batch_size = 4;
        executor.concurrency = 3;
        env.use_config(
            "senders:\n  - id: alice@acme.test\n    channel: email\n    with: {from: "
            "alice@acme.test}\n    limits: {daily_cap: " +
            std::to_string(kCap) + "}\n");
        runtime::SimulationOptions options;
        options.days = 10;
        options.executor = executor;
        options.executor.config = env.config;
        options.scenario = Scenario::parse(json::parse(
            R"({"seed": 5, "default": {"opened": 0.5, "replied": {"p": 0.2, "after": "1d"},
                "bounced": {"p": 0.05, "after": "5m"}}})"));
        std::vector<json> leads;
        for (int i = 0; i < kLeads; ++i)
            leads.push_back(
                {{"email", "l" + std::to_string(i) + "@x" + std::to_string(i) + ".test"}});
        auto report = runtime::simulate(*env.store, *env.host, env.clock, env.load(R"(
name: capped
version: 1
inputs:
  email: {type: string, required: true}
senders: alice@acme.test
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: intro, text: hi}
  - wait: 1d
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: follow_up, text: hi}
)"),
                                        leads, {}, options);
        std::vector<std::string> out;
        std::map<std::int64_t, int> per_day;
        for (const auto& l : report.leads) {
            out.push_back(l.run_id + " " + store::to_string(l.status) + " " + l.reason);
            for (const auto& a : l.actions) {
                out.push_back("  " + std::to_string(a.at) + " " + a.step_id + " " +
                              store::to_string(a.status) + " " + a.detail);
                if (a.status == store::StepStatus::succeeded) ++per_day[(a.at - kT0) / 86'400'000];
            }
        }
        for (const auto& [day, n] : per_day) EXPECT_LE(n, kCap) << "day " << day;
        EXPECT_EQ(per_day[0], kCap) << "the first day sends up to the cap";
        return out;
    };
    auto first = once();
    ASSERT_GT(first.size(), static_cast<std::size_t>(kLeads));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(first, once()) << "simulation " << i + 2;
}

}  // namespace
}  // namespace relance::test
