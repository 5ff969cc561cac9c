// `schedule:` and business-day waits: parsed, and checked at load with positions.
#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

TEST(Schedule, ParsesEveryKey) {
    Workflow wf = load_workflow_text(R"(name: s
version: 1
schedule:
  timezone: Europe/Paris
  window: "mon-fri 09:00-12:00,14:00-17:30"
  calendar: [fr, BE]
  blackout: [2026-12-24, 2026-12-31]
  timezone_input: tz
steps:
  - wait: 3bd
  - uses: mail.send
    window: false
)",
                                     "s.yaml");
    EXPECT_EQ(wf.schedule.timezone, "Europe/Paris");
    EXPECT_EQ(wf.schedule.window, "mon-fri 09:00-12:00,14:00-17:30");
    EXPECT_EQ(wf.schedule.calendar, (std::vector<std::string>{"FR", "BE"}));
    EXPECT_EQ(wf.schedule.blackout.size(), 2u);
    EXPECT_EQ(wf.schedule.timezone_input, "tz");
    EXPECT_EQ(wf.steps[0].wait_business_days, 3);
    EXPECT_FALSE(wf.steps[1].in_window);
}

TEST(Schedule, BadValuesAreReportedWhereTheyAre) {
    auto ds = load_errors(R"(name: s
version: 1
schedule:
  timezone: Europe/Pariss
  window: "mon-fri 9-5"
  calendar: [FR, XX]
  blackout: [2026-02-30]
steps:
  - wait: 0bd
  - uses: mail.send
    window: maybe
  - set: {a: 1}
    window: false
)");
    EXPECT_TRUE(has_diag(ds, 4, 13, "unknown time zone 'Europe/Pariss'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 11, "invalid send window")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 18, "unknown holiday country 'XX'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 14, "invalid blackout date '2026-02-30'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 11, "must be positive")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 13, "'window' must be true or false")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 5, "'window' is not allowed on a 'set' step")) << dump(ds);
}

}  // namespace

namespace {

TEST(WaitFor, ParsesAndCompilesLikeABranch) {
    Workflow wf = load_workflow_text(R"(name: w
version: 1
steps:
  - id: await
    wait_for: [opened, clicked]
    timeout: 2d
    then:
      - exit: engaged
    else:
      - wait: 1d
  - exit: done
)",
                                     "w.yaml");
    const Step& s = wf.steps[0];
    EXPECT_EQ(s.kind, StepKind::wait_for);
    EXPECT_EQ(s.wait_events, (std::vector<std::string>{"opened", "clicked"}));
    EXPECT_EQ(s.timeout, std::chrono::hours(48));
    Program p = compile(wf);
    const Node& n = p.nodes[p.index_of.at("await")];
    EXPECT_EQ(n.then_first, p.index_of.at("exit"));
    EXPECT_EQ(n.else_first, p.index_of.at("wait"));
    EXPECT_EQ(p.nodes[p.index_of.at("wait")].next, p.index_of.at("exit_2"));
    EXPECT_TRUE(p.unreachable.empty());
}

TEST(WaitFor, NeedsATimeoutAndEventNames) {
    auto ds = load_errors(R"(name: w
version: 1
steps:
  - wait_for: Replied!
  - wait_for: opened
    timeout: soon
)");
    EXPECT_TRUE(has_diag(ds, 4, 5, "'wait_for' needs a 'timeout'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 4, 15, "unknown event type 'Replied!' in 'wait_for'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 14, "invalid timeout 'soon'")) << dump(ds);
}

}  // namespace
