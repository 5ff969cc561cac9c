// Calendars through the real `relance` binary: a send window written for Saturday sends on
// Saturday, a window that could never open is refused by `validate`, and a blackout date added to
// the workspace config reaches runs that were already waiting (real SQLite file, real worker).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "cli_fixture.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;

using CalendarCli = Cli;

// "YYYY-MM-DD" of the UTC day `days_from_today` days from now (the worker's wall clock).
std::string utc_date(int days_from_today) {
    using namespace std::chrono;
    const auto day = floor<days>(system_clock::now()) + days{days_from_today};
    const std::time_t t = system_clock::to_time_t(day);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

const char* const kSaturdayWorkflow = R"(name: saturday
version: 1
inputs:
  email: {type: string, required: true}
schedule:
  window: "sat 10:00-12:00"
  calendar: [FR]
steps:
  - uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@acme.test, subject: hi, text: hello}
)";

// The window's own days decide: it used to validate, then fail the run with "send window: does
// not open within three years" because Saturday is not a business day.
TEST_F(CalendarCli, SimulateSendsInASaturdayWindow) {
    std::string wf = write("saturday.yaml", kSaturdayWorkflow);
    std::string csv = write("one.csv", "email\nann@acme.test\n");
    ASSERT_EQ(relance({"validate", wf}).exit_code, 0);
    // Monday 5 January 2026; the window (UTC, no zone given) opens Saturday 10 January 10:00.
    json report = relance_json(
        {"simulate", wf, "--input", csv, "--days", "7", "--start", "2026-01-05T09:00:00Z"});
    ASSERT_EQ(report["leads"].size(), 1u) << report.dump(2);
    const json& lead = report["leads"][0];
    EXPECT_EQ(lead["status"], "completed") << lead.dump(2);
    ASSERT_EQ(lead["actions"].size(), 2u) << lead.dump(2);
    EXPECT_EQ(lead["actions"][0]["status"], "deferred") << lead.dump(2);
    EXPECT_NE(
        lead["actions"][0]["detail"].get<std::string>().find("it opens Sat 2026-01-10 10:00 local"),
        std::string::npos)
        << lead.dump(2);
    EXPECT_EQ(lead["actions"][1]["status"], "succeeded") << lead.dump(2);
    EXPECT_EQ(lead["actions"][1]["at"], "2026-01-10T10:00:00.000Z") << lead.dump(2);
}

// A window with no time block would pass validation and then never open: `validate` refuses it.
TEST_F(CalendarCli, ValidateRefusesAWindowWithNoBlock) {
    std::string wf = write("zone-only.yaml", R"(name: zone-only
version: 1
schedule:
  window: "tz Europe/Paris"
steps:
  - uses: sendgrid.send
    with: {to: a@x.test, from: sam@acme.test, subject: hi, text: hello}
)");
    auto r = relance({"validate", wf});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("zone-only.yaml:4:11: error: invalid send window: send window: no time "
                         "block on any day"),
              std::string::npos)
        << r.err;
}

// Runs start and wait; a blackout is then added to the workspace config; the worker, started
// again, defers the waiting runs' sends past the blackout dates, saying why in the timeline.
TEST_F(CalendarCli, AWorkspaceBlackoutReachesRunsAlreadyWaiting) {
    std::string wf = write("two-touch.yaml", R"(name: two-touch
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@acme.test, subject: hi, text: hello}
  - id: pause
    wait: 1d
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@acme.test, subject: again, text: hello again}
)");
    std::string csv = write("two.csv", "email\nann@acme.test\nbob@acme.test\n");
    std::string config = write("relance.yaml", "# no calendar yet\n");
    ASSERT_EQ(relance({"--config", config, "run", wf, "--input", csv}).exit_code, 0);
    auto first = relance({"--config", config, "worker", "--until-idle"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    json waiting = relance_json({"runs", "list"});
    ASSERT_EQ(waiting.size(), 2u);
    for (const auto& r : waiting) ASSERT_EQ(r["status"], "waiting") << r.dump(2);

    // The follow-ups come due tomorrow (UTC: no zone anywhere). Three days are closed, so that
    // a test run across midnight still lands inside them.
    const std::string closed[] = {utc_date(0), utc_date(1), utc_date(2)};
    write("relance.yaml", "calendar:\n  blackout_dates: [" + closed[0] + ", " + closed[1] + ", " +
                              closed[2] + "]\n");
    auto second = relance({"--config", config, "worker", "--fast-forward"});
    ASSERT_EQ(second.exit_code, 0) << second.err;

    const std::string reopens = utc_date(3) + "T00:00:00.000Z";
    for (const auto& r : relance_json({"runs", "list"})) {
        EXPECT_EQ(r["status"], "completed") << r.dump(2);
        json show = relance_json({"runs", "show", r["id"].get<std::string>()});
        bool deferred = false, sent_after = false;
        for (const auto& t : show["timeline"]) {
            if (t["step"] != "follow_up") continue;
            const std::string detail = t["detail"].get<std::string>();
            // "blackout date 2026-12-07 from the workspace config in UTC: sends resume Wed
            // 2026-12-09 00:00 local"
            if (t["status"] == "deferred")
                deferred |= detail.rfind("blackout date ", 0) == 0 &&
                            detail.find(" from the workspace config in ") != std::string::npos &&
                            detail.find(": sends resume ") != std::string::npos &&
                            detail.find(utc_date(3) + " 00:00 local") != std::string::npos;
            if (t["status"] == "succeeded") sent_after = t["at"].get<std::string>() >= reopens;
        }
        EXPECT_TRUE(deferred) << show.dump(2);
        EXPECT_TRUE(sent_after) << "the follow-up went out on a blackout date\n" << show.dump(2);
    }
    EXPECT_EQ(relance_json({"sandbox", "outbox"}).size(), 4u);
}

// --start goes through the one time parser: offsets are understood, junk is named.
TEST_F(CalendarCli, SimulateStartTakesAnOffsetAndNamesBadText) {
    std::string wf = write("saturday.yaml", kSaturdayWorkflow);
    std::string csv = write("one.csv", "email\nann@acme.test\n");
    json report = relance_json(
        {"simulate", wf, "--input", csv, "--days", "1", "--start", "2026-01-05T10:00:00+01:00"});
    EXPECT_EQ(report["start"], "2026-01-05T09:00:00.000Z") << report.dump(2);
    auto bad = relance({"simulate", wf, "--input", csv, "--start", "2026-01-05T09:00:00junk"});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("invalid time '2026-01-05T09:00:00junk': unexpected text 'junk' at "
                           "the end"),
              std::string::npos)
        << bad.err;
}

}  // namespace
}  // namespace relance::test
