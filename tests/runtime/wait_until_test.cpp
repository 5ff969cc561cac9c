// `wait: {until, offset, past}` through the executor on the virtual clock: the moment lands at
// the right instant (the contact's zone, an offset in calendar days across a DST change, a UTC
// input), a moment already past goes by `past`, a value that is not a moment fails its step with
// its name, the send window still applies after the wait, and the wait survives a restart.
#include <ctime>
#include <nlohmann/json.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;
using store::StepStatus;

// "2026-03-30T07:00" (UTC) -> unix ms.
std::int64_t utc(const char* text) {
    std::tm tm{};
    strptime(text, "%Y-%m-%dT%H:%M", &tm);
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string send(const std::string& id) {
    return "  - id: " + id +
           "\n    uses: sendgrid.send\n"
           "    with: {to: \"{{ contact.email }}\", from: sam@relance-demo.test, subject: " +
           id + ", text: hello}\n";
}

// A webinar reminder: the wait (`wait` is its mapping), then the reminder, then a last call
// one hour before.
std::string webinar(const std::string& wait, const std::string& schedule =
                                                 "  timezone: "
                                                 "Europe/Paris\n") {
    return R"(name: webinar
version: 1
inputs:
  email: {type: string, required: true}
  webinar_at: {type: string, required: true}
  timezone: string
schedule:
)" + schedule +
           "steps:\n  - id: day_before\n    wait: " + wait + "\n" + send("reminder") +
           "  - id: hour_before\n    wait: {until: \"{{ inputs.webinar_at }}\", offset: -1h}\n" +
           send("last_call");
}

std::map<std::string, std::int64_t> sent_at(RuntimeEnv& env) {
    std::map<std::string, std::int64_t> out;
    for (const auto& e : env.outbox())
        out[(*e.entry)["subject"].get<std::string>()] = e.recorded_at;
    return out;
}

const char* kDayBefore = R"({until: "{{ inputs.webinar_at }}", offset: -1d})";

// Paris moves to summer time on Sunday 2026-03-29. A webinar at 18:00 that Sunday (16:00Z):
// "one day before" is Saturday 18:00 local, in winter time (17:00Z), not 24 hours before.
TEST(WaitUntil, ADayBeforeKeepsTheLocalTimeAcrossTheParisDstChange) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-20T10:00")));
    auto id = env.start_one(webinar(kDayBefore),
                            json{{"email", "a@x.test"}, {"webinar_at", "2026-03-29T18:00"}});
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(*run.due_at, utc("2026-03-28T17:00"));
    auto rows = env.steps_of(id, "day_before");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].status, StepStatus::waiting);
    EXPECT_NE(rows[0].detail.find("until 2026-03-28 17:00:00Z (2026-03-29T18:00 -1d, read in "
                                  "Europe/Paris: Sat 2026-03-28 18:00 local)"),
              std::string::npos)
        << rows[0].detail;
    EXPECT_NE(run.reason.find(rows[0].detail), std::string::npos);  // `runs list` says why
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["reminder"], utc("2026-03-28T17:00"));
    EXPECT_EQ(at["last_call"], utc("2026-03-29T15:00"));  // 17:00 CEST
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
}

// The contact's own zone wins over the workflow's; a moment written with 'Z' is that instant
// whatever the zone.
TEST(WaitUntil, TheContactsZoneReadsABareTimeAndZIsUtc) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-06-01T10:00")));
    const std::string wf = webinar(R"({until: "{{ inputs.webinar_at }}", offset: -2h})");
    auto ny = env.start_one(wf, json{{"email", "ny@x.test"},
                                     {"webinar_at", "2026-06-10T15:00"},
                                     {"timezone", "America/New_York"}});
    auto z = env.start_one(wf, json{{"email", "z@x.test"},
                                    {"webinar_at", "2026-06-10T15:00:00Z"},
                                    {"timezone", "America/New_York"}});
    auto paris = env.start_one(wf, json{{"email", "p@x.test"}, {"webinar_at", "2026-06-10T15:00"}});
    auto offset =
        env.start_one(wf, json{{"email", "o@x.test"}, {"webinar_at", "2026-06-10T15:00:00+05:30"}});
    env.executor->run_due();
    EXPECT_EQ(*env.run(ny).due_at, utc("2026-06-10T17:00"));      // 15:00 EDT = 19:00Z, -2h
    EXPECT_EQ(*env.run(z).due_at, utc("2026-06-10T13:00"));       // 15:00Z, -2h
    EXPECT_EQ(*env.run(paris).due_at, utc("2026-06-10T11:00"));   // 15:00 CEST = 13:00Z, -2h
    EXPECT_EQ(*env.run(offset).due_at, utc("2026-06-10T07:30"));  // 09:30Z, -2h
    auto rows = env.steps_of(z, "day_before");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NE(rows[0].detail.find("America/New_York: Wed 2026-06-10 09:00 local"),
              std::string::npos)
        << rows[0].detail;
    EXPECT_EQ(rows[0].detail.find("read in"), std::string::npos) << rows[0].detail;
}

// Registered three hours before the webinar: the day-before reminder would say "tomorrow", so
// `past: skip` (the default) passes over it; the hour-before call still waits and goes out.
TEST(WaitUntil, APastMomentSkipsTheStepItTimes) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-29T13:00")));  // 15:00 CEST
    auto id = env.start_one(webinar(kDayBefore),
                            json{{"email", "a@x.test"}, {"webinar_at", "2026-03-29T18:00"}});
    env.executor->run_due();
    auto wait = env.steps_of(id, "day_before");
    ASSERT_EQ(wait.size(), 1u);
    EXPECT_EQ(wait[0].status, StepStatus::done);
    EXPECT_NE(wait[0].detail.find("the moment has passed: 2026-03-28 17:00:00Z"), std::string::npos)
        << wait[0].detail;
    EXPECT_NE(wait[0].detail.find("past: skip, skipping reminder"), std::string::npos)
        << wait[0].detail;
    auto reminder = env.steps_of(id, "reminder");
    ASSERT_EQ(reminder.size(), 1u);
    EXPECT_EQ(reminder[0].status, StepStatus::skipped);
    EXPECT_NE(reminder[0].detail.find("the moment of day_before had passed"), std::string::npos)
        << reminder[0].detail;
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(*run.due_at, utc("2026-03-29T15:00"));
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at.count("reminder"), 0u);
    EXPECT_EQ(at["last_call"], utc("2026-03-29T15:00"));
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
}

TEST(WaitUntil, APastMomentWithRunNowGoesOnAtOnce) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-29T13:00")));
    auto id =
        env.start_one(webinar(R"({until: "{{ inputs.webinar_at }}", offset: -1d, past: run_now})"),
                      json{{"email", "a@x.test"}, {"webinar_at", "2026-03-29T18:00"}});
    env.drive();
    auto wait = env.steps_of(id, "day_before");
    ASSERT_EQ(wait.size(), 1u);
    EXPECT_EQ(wait[0].status, StepStatus::done);
    EXPECT_NE(wait[0].detail.find("past: run_now, going on now"), std::string::npos)
        << wait[0].detail;
    auto at = sent_at(env);
    EXPECT_EQ(at["reminder"], utc("2026-03-29T13:00"));  // now, late
    EXPECT_EQ(at["last_call"], utc("2026-03-29T15:00"));
}

// A value that is not a moment fails the step, naming the step and the value; the worker goes
// on with other runs. With on_error: continue the run goes on instead.
TEST(WaitUntil, AValueThatIsNotAMomentFailsTheStepByName) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-20T10:00")));
    auto bad = env.start_one(webinar(kDayBefore),
                             json{{"email", "a@x.test"}, {"webinar_at", "next tuesday"}});
    auto good = env.start_one(webinar(kDayBefore),
                              json{{"email", "b@x.test"}, {"webinar_at", "2026-03-29T18:00"}});
    env.executor->run_due();
    auto run = env.run(bad);
    EXPECT_EQ(run.status, RunStatus::failed);
    EXPECT_NE(run.reason.find("step day_before failed: 'until' {{ inputs.webinar_at }} is not a "
                              "moment: invalid time 'next tuesday'"),
              std::string::npos)
        << run.reason;
    auto rows = env.steps_of(bad, "day_before");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].status, StepStatus::failed);
    EXPECT_EQ(env.run(good).status, RunStatus::waiting);

    // on_error sits under the wait step
    const std::string lenient = webinar(kDayBefore + std::string("\n    on_error: continue"));
    auto cont = env.start_one(lenient, json{{"email", "c@x.test"}, {"webinar_at", "soon"}});
    env.executor->run_due();
    auto rows2 = env.steps_of(cont, "day_before");
    ASSERT_EQ(rows2.size(), 1u);
    EXPECT_NE(rows2[0].detail.find("on_error: continue"), std::string::npos) << rows2[0].detail;
    EXPECT_EQ(env.steps_of(cont, "reminder").size(), 1u);  // it went on to the reminder
}

// The send after the wait still meets the send window: the moment is a Saturday, the window
// opens on Monday.
TEST(WaitUntil, TheSendWindowStillAppliesAfterTheWait) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-06-01T08:00")));
    auto id = env.start_one(webinar(kDayBefore,
                                    "  timezone: Europe/Paris\n"
                                    "  window: mon-fri 09:00-17:00\n"),
                            json{{"email", "a@x.test"}, {"webinar_at", "2026-06-07T11:00"}});
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["reminder"], utc("2026-06-08T07:00"));  // Sat 11:00 -> Mon 09:00 CEST
    auto reminder = env.steps_of(id, "reminder");
    ASSERT_GE(reminder.size(), 2u);
    EXPECT_EQ(reminder[0].status, StepStatus::deferred);
}

// Business days back from the moment, in the contact's zone: Monday 10:00 minus one business day
// is Friday 10:00 (in winter time: the Sunday between changed the clocks).
TEST(WaitUntil, BusinessDayOffsetsSkipTheWeekend) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-20T10:00")));
    auto id = env.start_one(webinar(R"({until: "{{ inputs.webinar_at }}", offset: -1bd})"),
                            json{{"email", "a@x.test"}, {"webinar_at", "2026-03-30T10:00"}});
    env.executor->run_due();
    EXPECT_EQ(*env.run(id).due_at, utc("2026-03-27T09:00"));
}

// The wait is the run's due_at in the store: a new process on the same file (the worker
// restarted) sends at the same instant, once.
TEST(WaitUntil, TheWaitSurvivesARestart) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-20T10:00")));
    auto id = env.start_one(webinar(kDayBefore),
                            json{{"email", "a@x.test"}, {"webinar_at", "2026-03-29T18:00"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting);
    // Drop the executor and the store, then open both again from the file.
    env.executor.reset();
    env.store.reset();
    env.store = store::open_sqlite(env.db_path);
    env.executor = std::make_unique<runtime::Executor>(*env.store, *env.host, env.clock);
    env.clock.set(from_unix_ms(utc("2026-03-28T16:59")));
    env.executor->run_due();
    EXPECT_TRUE(env.outbox().empty());  // not due yet
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["reminder"], utc("2026-03-28T17:00"));
    EXPECT_EQ(env.outbox().size(), 2u);
}

}  // namespace
}  // namespace relance::test
