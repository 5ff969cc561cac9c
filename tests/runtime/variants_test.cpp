// A/B variants: weighted assignment, recorded per run, the same on every attempt, sticky across
// steps on request; `relance stats` counts sends and the events that followed, per variant.
#include <nlohmann/json.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/stats.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

const char* const kAb = R"yaml(
name: ab
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, text: hi}
    variants:
      - {name: a, weight: 3, with: {subject: "A: quick question"}}
      - {name: b, weight: 1, with: {subject: "B: an idea"}}
  - wait: 2d
  - id: follow_up
    uses: sendgrid.send
    sticky: true
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, text: hi}
    variants:
      - {name: a, with: {subject: "A: following up"}}
      - {name: b, with: {subject: "B: following up"}}
)yaml";

TEST(Variants, WeightedStickyAndCounted) {
    RuntimeEnv env;
    std::vector<json> leads;
    for (int i = 0; i < 200; ++i) leads.push_back({{"email", "l" + std::to_string(i) + "@x.test"}});
    auto started = env.start(kAb, leads);
    ASSERT_EQ(started.started.size(), 200u);
    env.drive();

    // Every run got one variant, kept across both steps; the subject matches it.
    std::map<std::string, std::string> by_run;
    for (const auto& e : env.outbox()) {
        std::string subject = (*e.entry)["subject"];
        std::string run = (*e.entry)["engine_run_id"];
        std::string v = subject.substr(0, 1);
        if (by_run.count(run)) {
            EXPECT_EQ(by_run[run], v) << "variant switched in run " << run;
        }
        by_run[run] = v;
    }
    ASSERT_EQ(by_run.size(), 200u);
    int a = 0;
    for (const auto& [run, v] : by_run) a += v == "A";
    EXPECT_GT(a, 120);  // weight 3:1, so about 150 of 200
    EXPECT_LT(a, 180);

    // Opens attributed by message id; a reply without one goes to the last step sent before it.
    int opened = 0;
    for (const auto& id : started.started) {
        auto intro = env.steps_of(id, "intro");
        ASSERT_FALSE(intro.empty());
        if (opened++ >= 10) break;
        runtime::record_contact_event(*env.store, env.run(id).contact_key, "opened", "", 0,
                                      json::object(), env.clock, intro.back().message_id);
    }
    auto stats = runtime::workflow_stats(*env.store, "ab");
    std::int64_t intro_sent = 0, follow_sent = 0, opens = 0;
    for (const auto& r : stats) {
        EXPECT_TRUE(r.variant == "a" || r.variant == "b") << r.step_id;
        (r.step_id == "intro" ? intro_sent : follow_sent) += r.sent;
        if (r.step_id == "intro") {
            opens += r.events.count("opened") ? r.events.at("opened") : 0;
        } else {
            EXPECT_EQ(r.events.count("opened"), 0u);
        }
    }
    EXPECT_EQ(intro_sent, 200);
    EXPECT_EQ(follow_sent, 200);
    EXPECT_EQ(opens, 10);
}

TEST(Variants, TheSameVariantOnEveryAttempt) {
    RuntimeEnv env({{"sendgrid", json::parse(R"({"fail_next":[{"status":503}]})")}});
    std::string retrying = kAb;
    retrying.insert(retrying.find("    with:"), "    retry: {attempts: 2, backoff: 1m}\n");
    auto id = env.start_one(retrying, json{{"email", "ana@acme.test"}});
    env.drive();
    auto intro = env.steps_of(id, "intro");
    ASSERT_EQ(intro.size(), 2u);
    EXPECT_EQ(intro[0].status, store::StepStatus::retry);
    ASSERT_EQ(intro[1].detail.rfind("variant ", 0), 0u) << intro[1].detail;
    std::string variant = intro[1].detail.substr(8);
    EXPECT_EQ((*env.run(id).context)["steps"]["intro"]["variant"], variant);
    // The message that went out (on the second attempt) is the variant drawn at the first.
    auto out = env.outbox();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ((*out[0].entry)["subject"].get<std::string>().substr(0, 1),
              variant == "a" ? "A" : "B");
}

}  // namespace
}  // namespace relance::test
