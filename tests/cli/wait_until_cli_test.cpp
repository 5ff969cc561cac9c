// `wait: {until, offset}` from the command line: `validate` names a bad offset statically,
// `simulate` runs the shipped webinar example on virtual time, and a worker killed with SIGKILL
// while a run waits for its moment leaves the wait in the store for the next worker.
#include <signal.h>

#include <chrono>
#include <thread>

#include "cli_fixture.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;

TEST_F(Cli, ValidateNamesABadWaitOffset) {
    std::string file = write("bad.yaml", R"(name: bad
version: 1
inputs:
  webinar_at: {type: string, required: true}
steps:
  - wait:
      until: "{{ inputs.webinar_at }}"
      offset: -1 day
)");
    auto r = relance({"validate", file});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("bad.yaml:8:15: error: invalid offset '-1 day'"), std::string::npos)
        << r.err;
    std::string undeclared = write("undeclared.yaml", R"(name: undeclared
version: 1
inputs:
  webinar_at: {type: string, required: true}
steps:
  - wait: {until: "{{ inputs.webinar }}", offset: -1d}
)");
    auto u = relance({"validate", undeclared});
    EXPECT_EQ(u.exit_code, 2) << u.out << u.err;
    EXPECT_NE(u.err.find("undeclared.yaml:6:"), std::string::npos) << u.err;
    EXPECT_NE(u.err.find("'webinar' is not a declared input"), std::string::npos) << u.err;
}

// The example's three registrants: Alice in Paris (the day before crosses the DST change), Bruno
// in New York, Chloe registered too late for the day-before email.
TEST_F(Cli, SimulateTheWebinarReminders) {
    json report = relance_json({"simulate", src + "/workflows/webinar-reminders.yaml", "--input",
                                src + "/workflows/data/webinar.csv", "--days", "14", "--start",
                                "2026-03-20T09:00:00Z"});
    ASSERT_TRUE(report.is_object());
    ASSERT_EQ(report["leads"].size(), 3u) << report.dump(2);
    std::map<std::string, std::vector<std::string>> sends;  // lead -> "step at"
    for (const auto& lead : report["leads"]) {
        EXPECT_EQ(lead["status"], "completed") << lead.dump();
        for (const auto& a : lead["actions"])
            if (a["status"] == "succeeded")
                sends[lead["lead"].get<std::string>()].push_back(a["step"].get<std::string>() +
                                                                 " " + a["at"].get<std::string>());
    }
    using V = std::vector<std::string>;
    EXPECT_EQ(sends["alice.martin@acme-logistics.test"],
              (V{"reminder 2026-03-28T17:00:00.000Z", "last_call 2026-03-29T15:00:00.000Z"}));
    EXPECT_EQ(sends["bruno.bernard@brightpath.test"],
              (V{"reminder 2026-03-25T16:00:00.000Z", "last_call 2026-03-26T15:00:00.000Z"}));
    EXPECT_EQ(sends["chloe.durand@cobalt-bank.test"], (V{"last_call 2026-03-20T19:00:00.000Z"}));
}

// A worker on the wall clock puts the run to wait for a moment far ahead, and is killed with
// SIGKILL. The wait is the run's due_at in the store: the next worker (fast-forwarding through
// time) sends each message once, at the moment.
TEST_F(Cli, AWaitForAMomentSurvivesSigkill) {
    std::string wf = write("remind.yaml", R"(name: remind
version: 1
inputs:
  email: {type: string, required: true}
  webinar_at: {type: string, required: true}
schedule:
  timezone: Europe/Paris
steps:
  - id: day_before
    wait: {until: "{{ inputs.webinar_at }}", offset: -1d}
  - id: reminder
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: tomorrow, text: hi}
)");
    std::string csv = write("people.csv", "email,webinar_at\na@x.test,2099-01-10T18:00\n");
    ASSERT_EQ(relance({"run", wf, "--input", csv}).exit_code, 0);
    pid_t worker = spawn_background(cmd({"worker"}), dir / "worker.log");
    json list;
    for (int i = 0; i < 200; ++i) {  // up to 20 s for the worker to start and commit the wait
        list = relance_json({"runs", "list"});
        if (list.size() == 1 && list[0]["status"] == "waiting") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(worker, SIGKILL);
    EXPECT_EQ(wait_process(worker), 128 + SIGKILL);
    ASSERT_EQ(list.size(), 1u);
    ASSERT_EQ(list[0]["status"], "waiting") << list.dump();
    EXPECT_EQ(list[0]["due_at"], "2099-01-09T17:00:00.000Z") << list.dump();  // 18:00 CET
    EXPECT_TRUE(relance_json({"sandbox", "outbox"}).empty());

    ASSERT_EQ(relance({"worker", "--fast-forward"}).exit_code, 0);
    json outbox = relance_json({"sandbox", "outbox"});
    ASSERT_EQ(outbox.size(), 1u) << outbox.dump();
    EXPECT_EQ(outbox[0]["entry"]["subject"], "tomorrow");
    EXPECT_EQ(relance_json({"runs", "list"})[0]["status"], "completed");
}

}  // namespace
}  // namespace relance::test
