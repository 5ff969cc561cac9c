// The sequence form: channel steps at day offsets, compiled into steps and waits.
#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

TEST(Sequence, CompilesIntoStepsAndWaits) {
    Workflow wf = load_workflow_text(R"(name: s
version: 1
sequence:
  - day: 0
    uses: mail.send
  - day: 3
    uses: mail.send
    when: "inputs.x ~= nil"
  - day: 3
    id: same_day
    uses: mail.send
  - day: 10
    uses: mail.send
)",
                                     "s.yaml");
    ASSERT_EQ(wf.steps.size(), 6u);
    EXPECT_EQ(wf.steps[0].id, "day0");
    EXPECT_EQ(wf.steps[1].kind, StepKind::wait);
    EXPECT_EQ(wf.steps[1].wait_for, std::chrono::hours(72));
    EXPECT_EQ(wf.steps[2].id, "day3");
    EXPECT_EQ(wf.steps[2].when, "inputs.x ~= nil");
    EXPECT_EQ(wf.steps[3].id, "same_day");  // same day: no wait between
    EXPECT_EQ(wf.steps[4].wait_for, std::chrono::hours(24 * 7));
    EXPECT_EQ(wf.steps[5].id, "day10");
    EXPECT_EQ(wf.steps[5].pos.line, 12);  // positions point into the sequence entries
    EXPECT_EQ(wf.stop_on, (std::vector<std::string>{"replied", "bounced", "unsubscribed"}));
    EXPECT_TRUE(compile(wf).unreachable.empty());
}

TEST(Sequence, BusinessDays) {
    Workflow wf = load_workflow_text(R"(name: s
version: 1
sequence:
  - business_day: 0
    uses: mail.send
  - business_day: 2
    uses: mail.send
)",
                                     "s.yaml");
    ASSERT_EQ(wf.steps.size(), 3u);
    EXPECT_EQ(wf.steps[1].wait_business_days, 2);
    EXPECT_EQ(wf.steps[2].id, "business_day2");
}

TEST(Sequence, MistakesAreReportedWithPositions) {
    auto ds = load_errors(R"(name: s
version: 1
sequence:
  - day: 5
    uses: mail.send
  - day: 2
    uses: mail.send
  - uses: mail.send
  - day: 6
    wait: 1d
  - business_day: 7
    uses: mail.send
  - day: 8
    uses: mail.send
    wiht: {}
)");
    EXPECT_TRUE(has_diag(ds, 6, 10, "days must not go back: 2 after 5")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 5, "needs a 'day'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 5, "a sequence step is a channel step")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 19, "either 'day' or 'business_day'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 5, "unknown key 'wiht' in sequence step")) << dump(ds);
}

TEST(Sequence, NotTogetherWithSteps) {
    auto ds = load_errors("name: s\nversion: 1\nsteps:\n  - wait: 1d\nsequence:\n"
                          "  - day: 0\n    uses: mail.send\n");
    EXPECT_TRUE(has_diag(ds, 5, 1, "either 'steps' or 'sequence'")) << dump(ds);
}

}  // namespace

namespace {
TEST(Sequence, AMisspeltDayKeyIsNamed) {
    auto ds = load_errors("name: s\nversion: 1\nsequence:\n  - busines_day: 3\n"
                          "    uses: mail.send\n");
    EXPECT_TRUE(has_diag(ds, 4, 5, "did you mean 'business_day'")) << dump(ds);
}
}  // namespace
