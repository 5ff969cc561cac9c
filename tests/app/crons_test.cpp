// Cron triggers through the Workspace on a virtual clock: each slot fires once, across
// restarts; a trigger starts from its next slot; after downtime `missed: skip` fires nothing for
// what it slept through and `missed: run_once` fires once.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>

#include "../runtime/runtime_env.hpp"

namespace relance::test {
namespace {

std::string every_five(const std::string& name, const std::string& missed) {
    return "name: " + name + R"(
version: 1
inputs:
  email: {type: string, required: true}
enrollment: {skip_if: never}  # the same address every slot
triggers:
  - cron: "*/5 * * * *"
    timezone: UTC
    missed: )" +
           missed + R"(
    input: {email: ops@acme.test}
steps:
  - id: note
    set: {done: true}
)";
}

// 2023-11-14T22:15:00Z: on a five-minute slot.
constexpr std::int64_t kSlot = 1'700'000'100'000;
constexpr std::int64_t kMinute = 60'000;

class Crons : public ::testing::Test {
  protected:
    Crons() {
        env.clock.set(from_unix_ms(kSlot + kMinute));
        open();
    }
    void open() {
        app::WorkspaceOptions o;
        o.store = "sqlite:" + env.db_path;
        o.plugins.path = {RELANCE_PLUGIN_DIR};
        ws = std::make_unique<app::Workspace>(std::move(o), env.clock);
    }
    void advance(std::int64_t ms) { env.clock.set(from_unix_ms(to_unix_ms(env.clock.now()) + ms)); }
    int runs() { return static_cast<int>(ws->store().count_runs().total); }

    RuntimeEnv env;
    std::unique_ptr<app::Workspace> ws;
};

TEST_F(Crons, EachSlotFiresOnceFromTheNextSlotOnAndAcrossARestart) {
    ws->deploy_workflow(every_five("digest", "skip"), "digest.yaml");
    auto first = ws->fire_crons();  // first seen at 22:16: nothing before the deploy fires
    EXPECT_TRUE(first.fired.empty());
    EXPECT_EQ(first.next_at, kSlot + 5 * kMinute);

    advance(4 * kMinute);  // 22:20, the next slot
    auto second = ws->fire_crons();
    ASSERT_EQ(second.fired.size(), 1u);
    EXPECT_EQ(second.fired[0].outcome, app::StartedRun::Outcome::started);
    EXPECT_EQ(ws->fire_crons().fired.size(), 0u);  // the same slot, again: nothing
    EXPECT_EQ(runs(), 1);

    open();  // a restart at the same moment
    EXPECT_EQ(ws->fire_crons().fired.size(), 0u);

    // The slot's record lost (a crash between the run's commit and it): the slot is offered
    // again and its run is the one already there.
    const std::string key = "digest#0 */5 * * * * UTC";
    ASSERT_EQ(ws->store().cron_slot(key), std::optional<std::int64_t>(kSlot + 5 * kMinute));
    ws->store().set_cron_slot(key, 0);  // only ever moves forward: the record stays
    ws->store().set_cron_slot(key, kSlot);
    EXPECT_EQ(ws->store().cron_slot(key), std::optional<std::int64_t>(kSlot + 5 * kMinute));
    open();
    {
        // A store whose slot record is older than the run (the process died in between).
        SQLite::Database db(env.db_path, SQLite::OPEN_READWRITE);
        db.exec("UPDATE cron_slots SET slot = " + std::to_string(kSlot));
    }
    auto again = ws->fire_crons();
    ASSERT_EQ(again.fired.size(), 1u);
    EXPECT_EQ(again.fired[0].outcome, app::StartedRun::Outcome::duplicate);
    EXPECT_EQ(again.fired[0].run_id, second.fired[0].run_id);
    EXPECT_EQ(runs(), 1);

    advance(5 * kMinute);  // 22:25
    auto third = ws->fire_crons();
    ASSERT_EQ(third.fired.size(), 1u);
    EXPECT_EQ(runs(), 2);
    auto run = ws->get_run(third.fired[0].run_id);
    EXPECT_EQ((*run.run.context)["inputs"]["email"], "ops@acme.test");
}

TEST_F(Crons, AfterDowntimeSkipFiresNothingAndRunOnceFiresTheLatestSlotOnce) {
    ws->deploy_workflow(every_five("skipper", "skip"), "a.yaml");
    ws->deploy_workflow(every_five("catcher", "run_once"), "b.yaml");
    ws->fire_crons();  // both seen at 22:16
    open();            // down for an hour, back 2 minutes after a slot
    advance(60 * kMinute + kMinute);
    auto pass = ws->fire_crons();
    ASSERT_EQ(pass.fired.size(), 1u);
    EXPECT_EQ(pass.fired[0].workflow, "catcher");
    EXPECT_EQ(pass.skipped, 12u + 11u);  // skipper's 12 slots, catcher's 11 older ones
    EXPECT_EQ(ws->fire_crons().fired.size(), 0u);
    EXPECT_EQ(runs(), 1);
}

TEST_F(Crons, ASlotWhoseInputDoesNotFitIsReportedAndPassed) {
    std::string wf = every_five("broken", "skip");
    wf.replace(wf.find("input: {email: ops@acme.test}"), 29, "input: {name: ops}           ");
    ws->deploy_workflow(wf, "broken.yaml");
    ws->fire_crons();
    advance(4 * kMinute);
    auto pass = ws->fire_crons();
    EXPECT_TRUE(pass.fired.empty());
    ASSERT_EQ(pass.errors.size(), 1u);
    EXPECT_NE(pass.errors[0].find("email"), std::string::npos) << pass.errors[0];
    EXPECT_TRUE(ws->fire_crons().errors.empty());  // passed: not reported every second
}

}  // namespace
}  // namespace relance::test
