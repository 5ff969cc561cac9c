// Contacts, suppressions and senders over a real `relance serve`: the upsert of a contact record
// and its merge, a person's history, the GDPR export and erasure end to end (the erased person is
// never contacted again), the suppression list a page at a time and its import, the senders'
// status, and the problem answer of each bad input (which changes nothing).
#include <algorithm>
#include <set>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

class ApiContacts : public Api {
  protected:
    std::string token;
    httplib::Client c() const { return client(token); }

    json post(const std::string& path, const std::string& body, int status) {
        return body_of(c().Post(path, body, "application/json"), status);
    }
    json problem_of_post(const std::string& path, const std::string& body, int status) {
        return expect_problem(c().Post(path, body, "application/json"), status);
    }

    // The run of this email (GET /v1/runs), "" when none.
    std::string run_of(const std::string& email) {
        json runs = body_of(c().Get("/v1/runs?limit=1000"), 200)["runs"];
        for (const auto& r : runs)
            if (r["inputs"].value("email", "") == email) return r["id"];
        return "";
    }

    // Waits until the run's status is `status` (the in-process worker moves it).
    json wait_run(const std::string& id, const std::function<bool(const json&)>& done) {
        auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            json run = body_of(c().Get("/v1/runs/" + id), 200);
            if (done(run)) return run;
            if (std::chrono::steady_clock::now() > until) {
                ADD_FAILURE() << "the run did not get there: " << run.dump() << "\n"
                              << server_log();
                return run;
            }
            std::this_thread::sleep_for(100ms);
        }
    }

    std::size_t suppression_count() {
        return body_of(c().Get("/v1/suppressions?limit=1000"), 200)["suppressions"].size();
    }
};

const char* const kAlice = "alice.martin@acme-logistics.test";
const char* const kAliceInput =
    R"({"workflow":"mail","input":{"id":"lead-1001","email":"alice.martin@acme-logistics.test",
        "first_name":"Alice","last_name":"Martin","company":"Acme Logistics"}})";

// One mailbox (sends are counted per sender account) and a two-email sequence sent from it.
const char* const kConfig = R"(
senders:
  - id: sam@relance-demo.test
    channel: email
    with: {from: sam@relance-demo.test}
    limits: {daily_cap: 50}
)";
const char* const kMail = R"(
name: mail
version: 1
inputs:
  email: {type: string, required: true}
  id: string
  first_name: string
  last_name: string
  company: string
senders: sam@relance-demo.test
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: Hello, text: "Hi {{ contact.first_name | \"there\" }}"}
  - wait: 3d
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: Again, text: "Hi again"}
)";

TEST_F(ApiContacts, UpsertMergesAttributesAndFindsTheContactByAnyIdentity) {
    token = create_key(kAllScopes);
    start_server({"--no-worker"});

    json created = post("/v1/contacts",
                        R"({"email":"Anna@Example.TEST","phone":"+33 6 12 34 56 78",
                            "attributes":{"plan":"pro","seats":3,"tags":["a"]}})",
                        201);
    EXPECT_EQ(created["created"], true);
    EXPECT_EQ(created["contact"], "email:anna@example.test");
    EXPECT_EQ(created["identities"],
              json::array({"email:anna@example.test", "phone:+33612345678"}));
    EXPECT_EQ(created["attributes"], json::parse(R"({"plan":"pro","seats":3,"tags":["a"]})"));

    // The same person by their phone: attributes merge, a null removes one, nothing else moves.
    json updated =
        post("/v1/contacts",
             R"({"phone":"+33612345678","attributes":{"seats":5,"tags":null,"vip":true}})", 200);
    EXPECT_EQ(updated["created"], false);
    EXPECT_EQ(updated["contact"], "email:anna@example.test");
    EXPECT_EQ(updated["attributes"], json::parse(R"({"plan":"pro","seats":5,"vip":true})"));
    EXPECT_EQ(updated["created_at"], created["created_at"]);

    // A LinkedIn URL given with a known identity joins the record.
    post("/v1/contacts",
         R"({"email":"anna@example.test","linkedin":"https://linkedin.com/in/anna-x/"})", 200);

    for (const char* path : {"/v1/contacts/anna%40example.test", "/v1/contacts/%2B33612345678",
                             "/v1/contacts/email%3Aanna%40example.test"}) {
        json shown = body_of(c().Get(path), 200);
        EXPECT_EQ(shown["contact"], "email:anna@example.test") << path;
        EXPECT_EQ(shown["identities"].size(), 3u) << shown.dump();
        EXPECT_EQ(shown["attributes"]["seats"], 5);
        EXPECT_EQ(shown["suppressed"], false);
        EXPECT_TRUE(shown["runs"].empty());
        EXPECT_EQ(shown["more"], json({{"events", false}, {"runs", false}, {"sends", false}}));
    }
    // The CLI reads the same record through the same operation.
    auto cli = relance({"--json", "contacts", "show", "+33612345678"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(json::parse(cli.out)["attributes"]["plan"], "pro");

    // Bad input: a problem naming the field, and nothing changes.
    EXPECT_EQ(problem_of_post("/v1/contacts", R"({"email":"anna@"})", 400)["field"], "email");
    EXPECT_EQ(problem_of_post("/v1/contacts", R"({"phone":"12"})", 400)["field"], "phone");
    EXPECT_EQ(
        problem_of_post("/v1/contacts", R"({"linkedin":"https://www.linkedin.com/company/acme"})",
                        400)["field"],
        "linkedin");
    EXPECT_EQ(problem_of_post("/v1/contacts", R"({"attributes":{"a":1}})", 400)["field"], "email");
    EXPECT_EQ(problem_of_post("/v1/contacts", R"({"email":"b@example.test","attributes":[1]})",
                              400)["field"],
              "attributes");
    EXPECT_EQ(
        problem_of_post("/v1/contacts", R"({"email":"b@example.test","name":"B"})", 400)["field"],
        "name");
    // Two identities of two different people: 409 naming the second, and neither changes.
    post("/v1/contacts", R"({"email":"bob@example.test","attributes":{"plan":"free"}})", 201);
    json conflict = problem_of_post(
        "/v1/contacts",
        R"({"email":"bob@example.test","phone":"+33612345678","attributes":{"x":1}})", 409);
    EXPECT_EQ(conflict["field"], "phone");
    EXPECT_FALSE(
        body_of(c().Get("/v1/contacts/bob%40example.test"), 200)["attributes"].contains("x"));
    EXPECT_EQ(body_of(c().Get("/v1/contacts/bob%40example.test"), 200)["identities"].size(), 1u);

    // Unknown and invalid contacts; a limit out of range.
    EXPECT_EQ(expect_problem(c().Get("/v1/contacts/nobody%40example.test"), 404)["field"],
              "contact");
    EXPECT_EQ(expect_problem(c().Get("/v1/contacts/nobody%40example.test/export"), 404)["field"],
              "contact");
    EXPECT_EQ(expect_problem(c().Delete("/v1/contacts/nobody%40example.test"), 404)["field"],
              "contact");
    EXPECT_EQ(expect_problem(c().Get("/v1/contacts/not%20a%20contact"), 400)["field"], "contact");
    EXPECT_EQ(expect_problem(c().Get("/v1/contacts/%40example.test"), 400)["field"], "contact");
    EXPECT_EQ(expect_problem(c().Get("/v1/contacts/anna%40example.test?limit=0"), 400)["field"],
              "limit");

    // Scopes: reading needs contacts:read, writing contacts:write.
    std::string writer = create_key("contacts:write", "writer");
    expect_problem(client(writer).Get("/v1/contacts/anna%40example.test"), 403);
    std::string reader = create_key("contacts:read", "reader");
    expect_problem(
        client(reader).Post("/v1/contacts", R"({"email":"c@example.test"})", "application/json"),
        403);
    expect_problem(client(reader).Delete("/v1/contacts/anna%40example.test"), 403);
    EXPECT_EQ(client(reader).Get("/v1/contacts/anna%40example.test")->status, 200);

    // The access log shows the routes, never the person.
    EXPECT_TRUE(log_shows("GET /v1/contacts/{contact} 200")) << server_log();
    EXPECT_EQ(server_log().find("anna%40example"), std::string::npos) << server_log();
}

TEST_F(ApiContacts, HistoryExportAndErasureEndToEnd) {
    std::string config = dir / "relance.yaml";
    std::ofstream(config) << kConfig;
    std::ofstream(dir / "mail.yaml") << kMail;
    auto deployed = relance({"--config", config, "deploy", dir / "mail.yaml"});
    ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
    token = create_key(kAllScopes);
    start_server({"--config", config});

    // Alice's run: the worker sends her intro, then she opens it.
    json started = body_of(c().Post("/v1/runs", kAliceInput, "application/json"), 201);
    std::string run_id = started["run_id"];
    wait_run(run_id, [](const json& r) { return r["step"] == "follow_up"; });
    post("/v1/events", R"({"contact":"alice.martin@acme-logistics.test","type":"opened"})", 201);
    post("/v1/contacts",
         R"({"email":"alice.martin@acme-logistics.test","attributes":{"plan":"pro"}})", 201);

    json shown = body_of(c().Get("/v1/contacts/alice.martin%40acme-logistics.test"), 200);
    EXPECT_EQ(shown["attributes"]["plan"], "pro");
    ASSERT_EQ(shown["runs"].size(), 1u);
    EXPECT_EQ(shown["runs"][0]["id"], run_id);
    EXPECT_EQ(shown["runs"][0]["step"], "follow_up");
    ASSERT_EQ(shown["events"].size(), 1u);
    EXPECT_EQ(shown["events"][0]["type"], "opened");
    ASSERT_EQ(shown["sends"].size(), 1u);
    EXPECT_EQ(shown["sends"][0]["run_id"], run_id);
    // History is bounded by `limit`: one of each, and "more" says so.
    post("/v1/events", R"({"contact":"alice.martin@acme-logistics.test","type":"clicked"})", 201);
    json one = body_of(c().Get("/v1/contacts/alice.martin%40acme-logistics.test?limit=1"), 200);
    EXPECT_EQ(one["events"].size(), 1u);
    EXPECT_EQ(one["more"]["events"], true);
    EXPECT_EQ(one["more"]["runs"], false);

    // The export: every run with its context and timeline, every event and send.
    json exported = body_of(c().Get("/v1/contacts/alice.martin%40acme-logistics.test/export"), 200);
    ASSERT_EQ(exported["runs"].size(), 1u);
    EXPECT_FALSE(exported["runs"][0]["timeline"].empty());
    EXPECT_EQ(exported["runs"][0]["context"]["inputs"]["first_name"], "Alice");
    EXPECT_EQ(exported["events"].size(), 2u);
    EXPECT_EQ(exported["sends"].size(), 1u);
    EXPECT_TRUE(exported.contains("exported_at"));
    auto cli_export = relance({"contacts", "export", kAlice});
    ASSERT_EQ(cli_export.exit_code, 0) << cli_export.err;
    EXPECT_EQ(json::parse(cli_export.out)["runs"][0]["id"], run_id);

    // Erase: the run, the events and the record go; the send stays, anonymised.
    json erased = body_of(c().Delete("/v1/contacts/alice.martin%40acme-logistics.test"), 200);
    EXPECT_EQ(erased["runs_deleted"], 1);
    EXPECT_EQ(erased["events_deleted"], 2);
    EXPECT_EQ(erased["sends_anonymised"], 1);
    EXPECT_EQ(erased["record_deleted"], true);
    ASSERT_EQ(erased["suppressed"].size(), 1u);
    EXPECT_EQ(erased["suppressed"][0]["kind"], "hashed");
    EXPECT_EQ(erased["suppressed"][0]["value"].get<std::string>().size(), 64u);
    EXPECT_EQ(erased["suppressed"][0]["locked"], true);
    expect_problem(c().Get("/v1/runs/" + run_id), 404);

    // The export shows nothing personal any more: only the hashed entry keeping her suppressed.
    json after = body_of(c().Get("/v1/contacts/alice.martin%40acme-logistics.test/export"), 200);
    EXPECT_TRUE(after["runs"].empty());
    EXPECT_TRUE(after["events"].empty());
    EXPECT_TRUE(after["sends"].empty());
    EXPECT_EQ(after["attributes"], json::object());
    EXPECT_EQ(after["suppressed"], true);
    ASSERT_EQ(after["suppressions"].size(), 1u);
    EXPECT_EQ(after["suppressions"][0]["kind"], "hashed");
    after.erase("contact");
    after.erase("identities");
    std::string text = after.dump();
    for (const char* personal : {"alice", "Alice", "acme-logistics", "Martin", "pro"})
        EXPECT_EQ(text.find(personal), std::string::npos) << personal << " in " << text;
    json list = body_of(c().Get("/v1/suppressions"), 200)["suppressions"];
    EXPECT_EQ(list.dump().find("alice"), std::string::npos) << list.dump();

    // Started again (the same record, a new run: the old one is gone), she is not contacted:
    // the hashed entry stops the run right before its send.
    json again = body_of(c().Post("/v1/runs", kAliceInput, "application/json"), 201);
    json stopped = wait_run(again["run_id"], [](const json& r) { return r["status"] == "exited"; });
    EXPECT_NE(stopped["reason"].get<std::string>().find("erased contact"), std::string::npos)
        << stopped.dump();
    auto outbox = relance({"--json", "sandbox", "outbox"});
    ASSERT_EQ(outbox.exit_code, 0) << outbox.err;
    std::size_t to_alice = 0;
    for (const auto& m : json::parse(outbox.out))
        if (m.dump().find(kAlice) != std::string::npos) ++to_alice;
    EXPECT_EQ(to_alice, 1u) << "only the intro sent before the erasure: " << outbox.out;

    // The hashed entry is the person's: no operator lifts it, and an erasure refuses bad input.
    EXPECT_EQ(expect_problem(c().Delete("/v1/contacts/not%20a%20contact"), 400)["field"],
              "contact");
    EXPECT_TRUE(log_shows("DELETE /v1/contacts/{contact} 200")) << server_log();
}

TEST_F(ApiContacts, SuppressionsPageByKindAndValue) {
    token = create_key(kAllScopes);
    start_server({"--no-worker"});
    std::vector<std::string> entries = {"a@x.test",     "b@x.test",
                                        "c@x.test",     "@d.test",
                                        "+33612345678", "https://www.linkedin.com/in/e-x"};
    for (const auto& e : entries) post("/v1/suppressions", json{{"entry", e}}.dump(), 201);

    json all = body_of(c().Get("/v1/suppressions"), 200);
    ASSERT_EQ(all["suppressions"].size(), entries.size());
    EXPECT_TRUE(all["next_cursor"].is_null());

    json seen = json::array();
    std::string cursor;
    int pages = 0;
    do {
        std::string path = "/v1/suppressions?limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor);
        json page = body_of(c().Get(path), 200);
        EXPECT_LE(page["suppressions"].size(), 4u);
        for (auto& s : page["suppressions"]) seen.push_back(s);
        cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(seen, all["suppressions"]);  // in (kind, value) order, each once

    EXPECT_EQ(expect_problem(c().Get("/v1/suppressions?cursor=nonsense"), 400)["field"], "cursor");
    EXPECT_EQ(expect_problem(c().Get("/v1/suppressions?limit=1001"), 400)["field"], "limit");
    EXPECT_EQ(expect_problem(c().Get("/v1/suppressions?page=2"), 400)["field"], "page");
}

TEST_F(ApiContacts, SuppressionImportReportsEachRefusedLine) {
    token = create_key(kAllScopes);
    start_server({"--no-worker"});

    json report = post("/v1/suppressions/import?reason=legal",
                       R"(["a@x.test","@acme.test","not an entry","+33612345678",""])", 200);
    EXPECT_EQ(report["added"], 3);
    EXPECT_EQ(report["present"], 0);
    EXPECT_EQ(report["skipped"], 1);
    ASSERT_EQ(report["refused"].size(), 1u);
    EXPECT_EQ(report["refused"][0]["line"], 3);
    EXPECT_EQ(report["refused"][0]["entry"], "not an entry");
    EXPECT_FALSE(report["refused"][0]["reason"].get<std::string>().empty());
    json list = body_of(c().Get("/v1/suppressions"), 200)["suppressions"];
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0]["reason"], "legal");
    EXPECT_EQ(list[0]["source"], "import");

    // CSV: a header, a comment, CRLF, quotes, the first column only; known entries are counted.
    auto csv =
        c().Post("/v1/suppressions/import",
                 "email,name\r\n# blocked by legal\r\n\"b@x.test\",Bob\r\nA@X.test,Ann\r\nbob@\r\n",
                 "text/csv");
    json r2 = body_of(csv, 200);
    EXPECT_EQ(r2["added"], 1);
    EXPECT_EQ(r2["present"], 1);
    EXPECT_EQ(r2["skipped"], 2);
    ASSERT_EQ(r2["refused"].size(), 1u);
    EXPECT_EQ(r2["refused"][0]["line"], 5);
    EXPECT_EQ(suppression_count(), 4u);

    // Bad bodies: a problem, and nothing added.
    EXPECT_EQ(
        expect_problem(c().Post("/v1/suppressions/import", "[\"c@x.test\", 5]", "application/json"),
                       400)["field"],
        "body[1]");
    EXPECT_EQ(expect_problem(c().Post("/v1/suppressions/import", R"({"entries":["c@x.test"]})",
                                      "application/json"),
                             400)["field"],
              "body");
    EXPECT_EQ(
        expect_problem(c().Post("/v1/suppressions/import", "[\"c@x.test\"", "application/json"),
                       400)["field"],
        "body");
    EXPECT_EQ(
        expect_problem(c().Post("/v1/suppressions/import", "<a>c@x.test</a>", "application/xml"),
                       415)["field"],
        "Content-Type");
    std::string many;
    for (int i = 0; i < 10001; ++i) many += "u" + std::to_string(i) + "@x.test\n";
    EXPECT_EQ(expect_problem(c().Post("/v1/suppressions/import", many, "text/plain"), 400)["field"],
              "body");
    EXPECT_EQ(suppression_count(), 4u);

    // The scope: suppression:write.
    std::string reader = create_key("suppression:read", "reader");
    expect_problem(client(reader).Post("/v1/suppressions/import", "[]", "application/json"), 403);
}

TEST_F(ApiContacts, SendersShowCapsUseAndHealth) {
    std::string config = src + "/workflows/config/relance.yaml";
    token = create_key(kAllScopes);
    start_server({"--no-worker", "--config", config});

    json got = body_of(c().Get("/v1/senders"), 200);
    EXPECT_EQ(got["configured"], true);
    ASSERT_EQ(got["senders"].size(), 2u);
    const json& sam = got["senders"][0];
    const json& lea = got["senders"][1];
    EXPECT_EQ(sam["id"], "sam@relance-demo.test");
    EXPECT_EQ(sam["pools"], json::array({"sdr-team"}));
    EXPECT_EQ(sam["sent_last_day"], 0);
    EXPECT_EQ(sam["cap_today"], 30);
    EXPECT_EQ(sam["health"], "ok");
    EXPECT_EQ(sam["limits"]["daily_cap"], 30);
    EXPECT_EQ(sam["limits"]["per_domain_daily_cap"], 3);
    EXPECT_TRUE(sam["limits"]["ramp_up"].is_null());
    EXPECT_TRUE(sam["paused"].is_null());
    // Lea ramps up: 10 on day 0.
    EXPECT_EQ(lea["limits"]["ramp_up"], json({{"start", 10}, {"step_per_day", 5}, {"max", 30}}));
    EXPECT_EQ(lea["cap_today"], 10);
    EXPECT_TRUE(got["paused"].empty());

    // The same figures as `relance senders --json`.
    auto cli = relance({"--json", "--config", config, "senders"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    json rows = json::parse(cli.out);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1]["cap_today"], lea["cap_today"]);

    std::string reader = create_key("runs:read", "reader");
    expect_problem(client(reader).Get("/v1/senders"), 403);
}

TEST_F(ApiContacts, SendersWithoutAConfig) {
    token = create_key("senders:read");
    start_server({"--no-worker"});
    json got = body_of(c().Get("/v1/senders"), 200);
    EXPECT_EQ(got,
              json({{"configured", false}, {"senders", json::array()}, {"paused", json::array()}}));
}

}  // namespace
}  // namespace relance::test
