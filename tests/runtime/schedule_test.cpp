// Business-day waits and send windows, through the executor on the virtual clock: the local
// times of day must hold across DST changes, holidays and weekends must be skipped, and a step
// pushed later must push every later step (no catching up in a burst).
#include <ctime>
#include <nlohmann/json.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;

// "2026-03-30T07:00" (UTC) -> unix ms.
std::int64_t utc(const char* text) {
    std::tm tm{};
    strptime(text, "%Y-%m-%dT%H:%M", &tm);
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string sequence(const std::string& schedule, const std::string& steps) {
    return R"(name: sched
version: 1
inputs:
  email: {type: string, required: true}
  timezone: string
schedule:
)" + schedule +
           "steps:\n" + steps;
}

std::string send(const std::string& id, const std::string& extra = "") {
    return "  - id: " + id + "\n    uses: sendgrid.send\n" + extra +
           "    with: {to: \"{{ contact.email }}\", from: sam@relance-demo.test, subject: " + id +
           ", text: hello}\n";
}

// The time each message went out, by step id (the subject).
std::map<std::string, std::int64_t> sent_at(RuntimeEnv& env) {
    std::map<std::string, std::int64_t> out;
    for (const auto& e : env.outbox())
        out[(*e.entry)["subject"].get<std::string>()] = e.recorded_at;
    return out;
}

TEST(Schedule, WeekendStartWaitsForMondayAcrossTheParisDstChange) {
    RuntimeEnv env;
    // Saturday 2026-03-28; Paris moves to summer time on Sunday the 29th.
    env.clock.set(from_unix_ms(utc("2026-03-28T10:00")));
    auto id = env.start_one(
        sequence("  timezone: Europe/Paris\n  window: mon-fri 09:00-17:00\n", send("intro")),
        json{{"email", "a@x.test"}});
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(*run.due_at, utc("2026-03-30T07:00"));  // 09:00 CEST, not 08:00Z (CET)
    auto rows = env.steps_of(id, "intro");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].status, store::StepStatus::deferred);
    EXPECT_NE(rows[0].detail.find("Mon 2026-03-30 09:00 local"), std::string::npos)
        << rows[0].detail;
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-03-30T07:00"));
}

TEST(Schedule, FridayEveningBeforeTheChangeOpensMondayInWinterTime) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-03-20T16:30")));  // Fri 17:30 in Paris (CET)
    env.start_one(
        sequence("  timezone: Europe/Paris\n  window: mon-fri 09:00-17:00\n", send("intro")),
        json{{"email", "a@x.test"}});
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-03-23T08:00"));  // 09:00 CET
}

TEST(Schedule, TheContactsZoneWinsOverTheWorkflowDefault) {
    RuntimeEnv env;
    // Saturday 2026-03-07; New York moves to daylight time on Sunday the 8th.
    env.clock.set(from_unix_ms(utc("2026-03-07T15:00")));
    env.start_one(
        sequence("  timezone: Europe/Paris\n  window: mon-fri 09:00-17:00\n", send("intro")),
        json{{"email", "a@x.test"}, {"timezone", "America/New_York"}});
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-03-09T13:00"));  // 09:00 EDT
}

TEST(Schedule, NewYorkFallBackKeepsNineOClockLocal) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-10-30T13:00")));  // Fri 09:00 EDT
    env.start_one(sequence("  timezone: America/New_York\n  window: mon-fri 09:00-17:00\n",
                           send("intro") + "  - wait: 1bd\n" + send("follow_up")),
                  json{{"email", "a@x.test"}});
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["intro"], utc("2026-10-30T13:00"));
    EXPECT_EQ(at["follow_up"], utc("2026-11-02T14:00"));  // Mon 09:00 EST after Nov 1
}

TEST(Schedule, BusinessDayWaitSkipsAHoliday) {
    RuntimeEnv env;
    // Wednesday 2026-05-13, 10:00 in Paris; Thursday the 14th is Ascension Day (a FR holiday).
    env.clock.set(from_unix_ms(utc("2026-05-13T08:00")));
    auto id = env.start_one(sequence("  timezone: Europe/Paris\n  calendar: [FR]\n",
                                     send("intro") + "  - wait: 1bd\n" + send("follow_up")),
                            json{{"email", "a@x.test"}});
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["intro"], utc("2026-05-13T08:00"));
    EXPECT_EQ(at["follow_up"], utc("2026-05-15T08:00"));  // Friday, same local time
    auto waits = env.steps_of(id, "wait");
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_NE(waits[0].detail.find("skipping FR holidays"), std::string::npos) << waits[0].detail;
}

// The workflow lists FR; a lead in New York (country US) also skips Thanksgiving, and a lead
// without a country only the workflow's holidays.
TEST(Schedule, TheLeadsCountryHolidaysAreSkippedToo) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-11-25T15:00")));  // Wed, 10:00 in New York
    const std::string wf = R"(name: by_country
version: 1
inputs:
  email: {type: string, required: true}
  timezone: string
  country: string
schedule:
  timezone: Europe/Paris
  calendar: [FR]
steps:
)" + send("intro") + "  - wait: 1bd\n" +
                           send("follow_up");
    auto us = env.start_one(
        wf, json{{"email", "ny@x.test"}, {"timezone", "America/New_York"}, {"country", "US"}});
    auto plain = env.start_one(wf, json{{"email", "ny2@x.test"}, {"timezone", "America/New_York"}});
    env.drive();
    std::map<std::string, std::int64_t> follow_up;
    for (const auto& e : env.outbox())
        if ((*e.entry)["subject"] == "follow_up")
            follow_up[(*e.entry)["to"][0].get<std::string>()] = e.recorded_at;
    EXPECT_EQ(follow_up["ny@x.test"], utc("2026-11-27T15:00"));   // Friday: Thursday is off
    EXPECT_EQ(follow_up["ny2@x.test"], utc("2026-11-26T15:00"));  // Thursday
    auto waits = env.steps_of(us, "wait");
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_NE(waits[0].detail.find("skipping FR/US holidays"), std::string::npos)
        << waits[0].detail;
    (void)plain;
}

// A time zone or country relance cannot use is passed over, and the start says so.
TEST(Schedule, AnUnknownZoneOrCountryWarnsAtStart) {
    RuntimeEnv env;
    const std::string wf = R"(name: warn
version: 1
inputs:
  email: {type: string, required: true}
  timezone: string
  country: string
schedule:
  timezone: Europe/Paris
steps:
)" + send("intro");
    auto r = env.start(
        wf, {json{{"email", "a@x.test"}, {"timezone", "Paris"}, {"country", "Atlantis"}},
             json{{"email", "b@x.test"}, {"timezone", "Europe/Berlin"}, {"country", "de"}}});
    EXPECT_EQ(r.started.size(), 2u);
    ASSERT_EQ(r.warnings.size(), 2u);
    EXPECT_EQ(r.warnings[0].field, "timezone");
    EXPECT_NE(r.warnings[0].message.find("'Paris' is not an IANA time zone"), std::string::npos)
        << r.warnings[0].message;
    EXPECT_NE(r.warnings[0].message.find("Europe/Paris is used"), std::string::npos);
    EXPECT_EQ(r.warnings[1].field, "country");
    EXPECT_NE(r.warnings[1].message.find("no holiday calendar for 'Atlantis'"), std::string::npos)
        << r.warnings[1].message;
    EXPECT_EQ(r.warnings[0].where, "record 1");
}

TEST(Schedule, BlackoutDatesAreNotBusinessDays) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-12-23T09:00")));  // Wednesday
    env.start_one(sequence("  timezone: UTC\n  blackout: [2026-12-24]\n  calendar: [GB]\n",
                           send("intro") + "  - wait: 1bd\n" + send("follow_up")),
                  json{{"email", "a@x.test"}});
    env.drive();
    // 24 Dec is blacked out, 25 and 28 Dec are GB holidays (Boxing Day substitute), 26-27 a
    // weekend: the next business day is Tuesday the 29th.
    EXPECT_EQ(sent_at(env)["follow_up"], utc("2026-12-29T09:00"));
}

TEST(Schedule, ADeferredStepShiftsEveryLaterStep) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-06-06T10:00")));  // Saturday
    env.start_one(sequence("  timezone: UTC\n  window: mon-fri 09:00-17:00\n",
                           send("intro") + "  - wait: 2d\n" + send("follow_up")),
                  json{{"email", "a@x.test"}});
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["intro"], utc("2026-06-08T09:00"));      // Monday opening
    EXPECT_EQ(at["follow_up"], utc("2026-06-10T09:00"));  // two days after the real send
}

TEST(Schedule, WindowFalseSendsOutsideTheWindow) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-06-06T10:00")));  // Saturday
    env.start_one(sequence("  timezone: UTC\n  window: mon-fri 09:00-17:00\n",
                           send("intro", "    window: false\n")),
                  json{{"email", "a@x.test"}});
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-06-06T10:00"));
}

// A blackout date added to the workspace config after a run started (and was pinned to its
// workflow version) still defers its next send, past the closed dates, with the reason.
TEST(Schedule, AWorkspaceBlackoutReachesARunStartedBeforeIt) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-12-21T10:00")));  // Monday, 11:00 in Paris
    auto id = env.start_one(sequence("  timezone: Europe/Paris\n  window: mon-fri 09:00-17:00\n",
                                     send("intro") + "  - wait: 2d\n" + send("follow_up")),
                            json{{"email", "a@x.test"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting);  // the intro went out; two days to wait
    // The worker restarts with a workspace calendar: the 23rd and 24th closed, and FR holidays.
    env.use_config("calendar:\n  blackout_dates: [2026-12-23, 2026-12-24]\n  holidays: [FR]\n");
    env.drive();
    auto at = sent_at(env);
    EXPECT_EQ(at["intro"], utc("2026-12-21T10:00"));
    // 23-24 blacked out, 25 Christmas (FR), 26-27 the window's weekend: Monday 28, 09:00 local.
    EXPECT_EQ(at["follow_up"], utc("2026-12-28T08:00"));
    auto rows = env.steps_of(id, "follow_up");
    ASSERT_GE(rows.size(), 2u);
    EXPECT_EQ(rows[0].status, store::StepStatus::deferred);
    EXPECT_EQ(rows[0].detail,
              "blackout date 2026-12-23 from the workspace config in Europe/Paris: the send "
              "window 'mon-fri 09:00-17:00' opens again Mon 2026-12-28 09:00 local");
}

// Without a window, a closed date still stops the send until the next local midnight that is
// not closed; a workspace holiday is named with its country.
TEST(Schedule, AWorkspaceHolidayClosesAWorkflowWithoutAWindow) {
    RuntimeEnv env;
    env.use_config("calendar: {holidays: [FR], blackout_dates: 2026-12-26}\n");
    env.clock.set(from_unix_ms(utc("2026-12-25T10:00")));  // Christmas, a Friday
    auto id =
        env.start_one(sequence("  timezone: UTC\n", send("intro")), json{{"email", "a@x.test"}});
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-12-27T00:00"));  // Sunday: no window, not closed
    auto rows = env.steps_of(id, "intro");
    ASSERT_GE(rows.size(), 1u);
    EXPECT_EQ(rows[0].detail,
              "FR holiday 2026-12-25 (Christmas Day) from the workspace config in UTC: sends "
              "resume Sun 2026-12-27 00:00 local");
}

// Business-day waits computed after the worker read the config skip its dates, for a run of
// any age.
TEST(Schedule, BusinessDayWaitsSkipTheWorkspaceCalendar) {
    RuntimeEnv env;
    env.use_config("calendar: {blackout_dates: [2026-12-24], holidays: [FR]}\n");
    env.clock.set(from_unix_ms(utc("2026-12-23T09:00")));  // Wednesday
    auto id = env.start_one(
        sequence("  timezone: UTC\n", send("intro") + "  - wait: 1bd\n" + send("follow_up")),
        json{{"email", "a@x.test"}});
    env.drive();
    // 24 blacked out, 25 Christmas, 26-27 weekend: Monday 28, same time of day.
    EXPECT_EQ(sent_at(env)["follow_up"], utc("2026-12-28T09:00"));
    auto waits = env.steps_of(id, "wait");
    ASSERT_EQ(waits.size(), 1u);
    EXPECT_NE(waits[0].detail.find("skipping FR holidays, skipping blackout dates"),
              std::string::npos)
        << waits[0].detail;
}

// A window written for Saturday sends on Saturday (the calendar's weekend is for Nbd waits).
TEST(Schedule, ASaturdayWindowSendsOnSaturday) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(utc("2026-06-01T08:00")));  // Monday
    env.start_one(
        sequence("  timezone: UTC\n  window: sat 10:00-12:00\n  calendar: [GB]\n", send("intro")),
        json{{"email", "a@x.test"}});
    env.drive();
    EXPECT_EQ(sent_at(env)["intro"], utc("2026-06-06T10:00"));
}

}  // namespace
}  // namespace relance::test
