// The routes of API v1 against a real `relance serve`: keys and scopes, runs, events,
// suppressions, stats, and the problem answer of every error (RFC 9457).
#include <algorithm>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

class ApiRoutes : public Api {
  protected:
    // The runs of the demo workflow, started with the CLI; the server's in-process worker sends
    // their intros. Returns once every run waits at the follow-up.
    void start_runs_and_serve() {
        auto started = relance({"run", prospecting, "--input", leads});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        token = create_key(kAllScopes);
        start_server();
        auto c = client(token);
        auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            auto r = c.Get("/v1/runs?status=waiting&limit=1000");
            ASSERT_TRUE(r);
            json runs = json::parse(r->body)["runs"];
            bool all_sent = runs.size() == 50 && std::all_of(runs.begin(), runs.end(), [](auto& r) {
                                return r["step"] == "follow_up_branch";
                            });
            if (all_sent) return;
            ASSERT_LT(std::chrono::steady_clock::now(), until)
                << "the worker did not send the intros:\n"
                << server_log();
            std::this_thread::sleep_for(100ms);
        }
    }

    std::string run_of(const std::string& email) {
        json runs = body_of(client(token).Get("/v1/runs?limit=1000"), 200)["runs"];
        for (const auto& r : runs)
            if (r["inputs"]["email"] == email) return r["id"];
        ADD_FAILURE() << "no run for " << email;
        return "";
    }

    std::string token;
};

TEST_F(ApiRoutes, HealthAndReadinessNeedNoKey) {
    start_server();
    auto c = client();
    json health = body_of(c.Get("/healthz"), 200);
    EXPECT_EQ(health, json({{"status", "ok"}}));
    json ready = body_of(c.Get("/readyz"), 200);
    EXPECT_EQ(ready["status"], "ready");
    EXPECT_EQ(ready["worker"], "running");
    EXPECT_EQ(stop_server(), 0) << server_log();

    start_server({"--no-worker"});
    EXPECT_EQ(body_of(client().Get("/readyz"), 200)["worker"], "none");
}

TEST_F(ApiRoutes, EveryV1RouteNeedsAKeyWithItsScope) {
    std::string reader = create_key("runs:read", "reader");
    start_server({"--no-worker"});

    // No key, a key nobody created, another scheme: 401 with the Bearer challenge.
    auto none = client().Get("/v1/runs");
    json p = expect_problem(none, 401);
    EXPECT_EQ(p["type"], "urn:relance:problem:unauthorized");
    EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
    auto wrong = client("rl_00000000_" + std::string(64, 'a')).Get("/v1/runs");
    expect_problem(wrong, 401);
    EXPECT_NE(wrong->get_header_value("WWW-Authenticate").find("invalid_token"), std::string::npos);
    auto basic = client().Get("/v1/runs", {{"Authorization", "Basic dXNlcjpwYXNz"}});
    expect_problem(basic, 401);
    for (const char* path : {"/v1/suppressions", "/v1/stats/prospecting", "/v1/runs/r_x"})
        expect_problem(client().Get(path), 401);
    expect_problem(client().Post("/v1/events", R"({"contact":"a@b.test","type":"replied"})",
                                 "application/json"),
                   401);

    // The right key for reading, not for writing: 403 naming the scope it lacks.
    EXPECT_EQ(client(reader).Get("/v1/runs")->status, 200);
    auto write = client(reader).Post("/v1/events", R"({"contact":"a@b.test","type":"replied"})",
                                     "application/json");
    json forbidden = expect_problem(write, 403);
    EXPECT_EQ(forbidden["type"], "urn:relance:problem:forbidden");
    EXPECT_NE(write->get_header_value("WWW-Authenticate").find("scope=\"contacts:write\""),
              std::string::npos);
    expect_problem(client(reader).Get("/v1/suppressions"), 403);
    expect_problem(client(reader).Delete("/v1/suppressions/a%40b.test"), 403);
    // Nothing was recorded by the refused write.
    EXPECT_EQ(relance({"--json", "suppress", "list"}).out, "[]\n");

    // A revoked key is refused like an unknown one.
    auto revoked = relance({"keys", "revoke", reader.substr(0, reader.find('_', 3))});
    ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
    expect_problem(client(reader).Get("/v1/runs"), 401);
}

TEST_F(ApiRoutes, AKeyOverItsRateIsToldWhenToComeBack) {
    std::string slow = create_key("runs:read", "slow", 2);
    start_server({"--no-worker"});
    auto c = client(slow);
    EXPECT_EQ(c.Get("/v1/runs")->status, 200);
    EXPECT_EQ(c.Get("/v1/runs")->status, 200);
    auto third = c.Get("/v1/runs");
    json p = expect_problem(third, 429);
    EXPECT_EQ(p["type"], "urn:relance:problem:rate_limited");
    int retry_after = std::atoi(third->get_header_value("Retry-After").c_str());
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
}

TEST_F(ApiRoutes, RunsListShowCancelRetryResolve) {
    start_runs_and_serve();
    auto c = client(token);

    json five = body_of(c.Get("/v1/runs?limit=5"), 200);
    ASSERT_EQ(five["runs"].size(), 5u);
    EXPECT_EQ(body_of(c.Get("/v1/runs?workflow=prospecting&status=waiting&limit=1000"), 200)["runs"]
                  .size(),
              50u);
    EXPECT_TRUE(body_of(c.Get("/v1/runs?workflow=nope"), 200)["runs"].empty());
    EXPECT_EQ(expect_problem(c.Get("/v1/runs?status=sleeping"), 400)["field"], "status");
    EXPECT_EQ(expect_problem(c.Get("/v1/runs?limit=0"), 400)["field"], "limit");
    EXPECT_EQ(expect_problem(c.Get("/v1/runs?limit=abc"), 400)["field"], "limit");
    EXPECT_EQ(expect_problem(c.Get("/v1/runs?limit=1&limit=2"), 400)["field"], "limit");
    EXPECT_EQ(expect_problem(c.Get("/v1/runs?state=waiting"), 400)["field"], "state");

    // GET /v1/runs/{id} is exactly what `relance --json runs show` prints.
    std::string id = five["runs"][0]["id"];
    json shown = body_of(c.Get("/v1/runs/" + id), 200);
    auto cli = relance({"--json", "runs", "show", id});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(shown, json::parse(cli.out));
    EXPECT_EQ(shown["timeline"].size(), 4u) << shown.dump(2);  // prepare, opener, intro, wait
    EXPECT_EQ(shown["context"]["inputs"], shown["inputs"]);
    json missing = expect_problem(c.Get("/v1/runs/r_nope"), 404);
    EXPECT_EQ(missing["field"], "id");

    // Cancel: exited with the reason; a second cancel and a retry of a run that did not fail
    // are conflicts.
    json cancelled = body_of(
        c.Post("/v1/runs/" + id + "/cancel", R"({"reason":"wrong list"})", "application/json"),
        200);
    EXPECT_EQ(cancelled["id"], id);
    EXPECT_EQ(cancelled["status"], "exited");
    EXPECT_TRUE(cancelled.contains("was_held"));
    json after = body_of(c.Get("/v1/runs/" + id), 200);
    EXPECT_EQ(after["status"], "exited");
    EXPECT_EQ(after["reason"], "cancelled by an operator: wrong list");
    EXPECT_EQ(after["timeline"].back()["kind"], "cancel");
    json again = expect_problem(c.Post("/v1/runs/" + id + "/cancel", "", "application/json"), 409);
    EXPECT_EQ(again["type"], "urn:relance:problem:conflict");
    expect_problem(c.Post("/v1/runs/" + id + "/retry", "", "application/json"), 409);
    expect_problem(c.Post("/v1/runs/r_nope/cancel", "{}", "application/json"), 404);
    EXPECT_EQ(
        expect_problem(c.Post("/v1/runs/" + id + "/retry", R"({"force":true})", "application/json"),
                       400)["field"],
        "force");

    // Resolve: only a run paused in doubt; the body is checked first.
    std::string other = five["runs"][1]["id"];
    EXPECT_EQ(expect_problem(
                  c.Post("/v1/runs/" + other + "/resolve", R"({"as":"maybe"})", "application/json"),
                  400)["field"],
              "as");
    EXPECT_EQ(expect_problem(
                  c.Post("/v1/runs/" + other + "/resolve", R"({"as":true})", "application/json"),
                  400)["field"],
              "as");
    EXPECT_EQ(expect_problem(c.Post("/v1/runs/" + other + "/resolve", "", "application/json"),
                             400)["field"],
              "body");
    expect_problem(c.Post("/v1/runs/" + other + "/resolve", R"({"as":"sent"})", "application/json"),
                   409);
    EXPECT_EQ(body_of(c.Get("/v1/runs/" + other), 200)["status"], "waiting");
}

TEST_F(ApiRoutes, AReplyStopsTheRunAndTheRunShowsIt) {
    start_runs_and_serve();
    auto c = client(token);
    std::string alice = run_of("alice.martin@acme-logistics.test");

    auto first = c.Post("/v1/events",
                        R"({"contact":"alice.martin@acme-logistics.test","type":"replied",
                            "id":"evt-1","data":{"channel":"email"}})",
                        "application/json");
    json recorded = body_of(first, 201);
    EXPECT_EQ(recorded["recorded"], true);
    EXPECT_EQ(recorded["event_id"], "evt-1");
    EXPECT_EQ(recorded["contact"], "email:alice.martin@acme-logistics.test");
    EXPECT_EQ(recorded["stopped"], json::array({alice}));
    // The same event id again changes nothing.
    json replay = body_of(
        c.Post("/v1/events",
               R"({"contact":"alice.martin@acme-logistics.test","type":"replied","id":"evt-1"})",
               "application/json"),
        200);
    EXPECT_EQ(replay["recorded"], false);

    json run = body_of(c.Get("/v1/runs/" + alice), 200);
    EXPECT_EQ(run["status"], "exited");
    EXPECT_NE(run["reason"].get<std::string>().find("replied"), std::string::npos) << run["reason"];
    // The other runs go on waiting.
    EXPECT_EQ(body_of(c.Get("/v1/runs?status=waiting&limit=1000"), 200)["runs"].size(), 49u);

    // An event in the past: recorded with its time, before the run started, so it stops none.
    json past = body_of(c.Post("/v1/events",
                               R"({"contact":"bruno.bernard@brightpath.test","type":"opened",
                                   "at":"2020-01-05T09:00:00+01:00"})",
                               "application/json"),
                        201);
    EXPECT_TRUE(past["stopped"].empty());

    // Bad input names the field and records nothing.
    EXPECT_EQ(expect_problem(c.Post("/v1/events",
                                    R"({"contact":"a@b.test","type":"replied","at":"yesterday"})",
                                    "application/json"),
                             400)["field"],
              "at");
    EXPECT_EQ(expect_problem(c.Post("/v1/events", R"({"contact":"a@b.test"})", "application/json"),
                             400)["field"],
              "type");
    EXPECT_EQ(expect_problem(c.Post("/v1/events", R"({"contact":"nobody","type":"replied"})",
                                    "application/json"),
                             400)["field"],
              "contact");
    EXPECT_EQ(expect_problem(c.Post("/v1/events", R"({"contact":"a@b.test","type":"replied",
                                                     "data":"soft"})",
                                    "application/json"),
                             400)["field"],
              "data");
    EXPECT_EQ(body_of(c.Get("/v1/runs?status=waiting&limit=1000"), 200)["runs"].size(), 49u);
}

TEST_F(ApiRoutes, SuppressionsAddListRemoveAndThePersonsOwnStays) {
    token = create_key(kAllScopes);
    start_server({"--no-worker"});
    auto c = client(token);

    json added = body_of(
        c.Post("/v1/suppressions", R"({"entry":"@Cobalt-Bank.test","reason":"asked by legal"})",
               "application/json"),
        201);
    EXPECT_EQ(added["kind"], "domain");
    EXPECT_EQ(added["value"], "cobalt-bank.test");
    EXPECT_EQ(added["reason"], "asked by legal");
    EXPECT_EQ(added["locked"], false);
    body_of(c.Post("/v1/suppressions", R"({"entry":"https://www.linkedin.com/in/ana-test/"})",
                   "application/json"),
            201);

    json list = body_of(c.Get("/v1/suppressions"), 200)["suppressions"];
    ASSERT_EQ(list.size(), 2u);
    // The same list as the CLI's.
    EXPECT_EQ(list, json::parse(relance({"--json", "suppress", "list"}).out));

    // DELETE takes the entry percent-encoded in one segment (an URL's slashes included).
    EXPECT_EQ(c.Delete("/v1/suppressions/%40cobalt-bank.test")->status, 204);
    std::string linkedin = list[0]["kind"] == "linkedin" ? list[0]["value"] : list[1]["value"];
    std::string encoded;
    for (char ch : linkedin) {
        if (ch == '/' || ch == ':')
            encoded += ch == '/' ? "%2F" : "%3A";
        else
            encoded += ch;
    }
    EXPECT_EQ(c.Delete("/v1/suppressions/" + encoded)->status, 204) << encoded;
    EXPECT_TRUE(body_of(c.Get("/v1/suppressions"), 200)["suppressions"].empty());
    json gone = expect_problem(c.Delete("/v1/suppressions/%40cobalt-bank.test"), 404);
    EXPECT_EQ(gone["field"], "entry");

    // An unsubscribe is the person's own: no operator lifts it, not through the API either.
    body_of(c.Post("/v1/events", R"({"contact":"bruno@brightpath.test","type":"unsubscribed"})",
                   "application/json"),
            201);
    json refused = expect_problem(c.Delete("/v1/suppressions/bruno%40brightpath.test"), 409);
    EXPECT_EQ(refused["type"], "urn:relance:problem:conflict");
    EXPECT_EQ(body_of(c.Get("/v1/suppressions"), 200)["suppressions"].size(), 1u);

    EXPECT_EQ(expect_problem(
                  c.Post("/v1/suppressions", R"({"entry":"not an entry"})", "application/json"),
                  400)["field"],
              "entry");
    EXPECT_EQ(expect_problem(c.Delete("/v1/suppressions/%zz"), 400)["type"],
              "urn:relance:problem:bad_request");
    // The access log does not carry the entries (personal data), only the route.
    EXPECT_TRUE(log_shows("DELETE /v1/suppressions/{entry} 409")) << server_log();
    std::string log = server_log();
    EXPECT_EQ(log.find("bruno%40brightpath"), std::string::npos) << log;
    EXPECT_EQ(log.find("brightpath.test"), std::string::npos) << log;
}

TEST_F(ApiRoutes, StatsPerStep) {
    start_runs_and_serve();
    json stats = body_of(client(token).Get("/v1/stats/prospecting"), 200);
    EXPECT_EQ(stats["workflow"], "prospecting");
    auto cli = relance({"--json", "stats", "prospecting"});
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(stats["steps"], json::parse(cli.out));
    bool intro = false;
    for (const auto& row : stats["steps"])
        if (row["step"] == "intro") intro = row["sent"] == 50;
    EXPECT_TRUE(intro) << stats.dump(2);
}

// Every error is a problem+json with its status, whatever produced it: the router, the body
// reader, the JSON parser, the field checks.
TEST_F(ApiRoutes, HttpErrorsAreProblemsToo) {
    token = create_key(kAllScopes);
    start_server({"--no-worker", "--max-body", "4096"});
    auto c = client(token);

    EXPECT_EQ(expect_problem(c.Get("/v1/nothing"), 404)["type"], "urn:relance:problem:not_found");
    expect_problem(c.Get("/"), 404);
    expect_problem(c.Get("/v1/runs/"), 404);  // no trailing slash forms

    auto put = c.Put("/v1/runs", "{}", "application/json");
    EXPECT_EQ(expect_problem(put, 405)["type"], "urn:relance:problem:method_not_allowed");
    EXPECT_EQ(put->get_header_value("Allow"), "GET, HEAD, POST");
    EXPECT_EQ(c.Delete("/v1/events")->get_header_value("Allow"), "POST, GET, HEAD");

    const std::string event = R"({"contact":"a@b.test","type":"replied"})";
    auto text = c.Post("/v1/events", event, "text/plain");
    json media = expect_problem(text, 415);
    EXPECT_EQ(media["type"], "urn:relance:problem:unsupported_media_type");
    EXPECT_EQ(media["field"], "Content-Type");
    expect_problem(c.Post("/v1/events", event, "application/json; charset=latin1"), 415);
    EXPECT_EQ(c.Post("/v1/events", event, "application/json; charset=UTF-8")->status, 201);

    std::string big = R"({"contact":"a@b.test","type":"replied","data":{"pad":")" +
                      std::string(5000, 'x') + "\"}}";
    auto too_large = c.Post("/v1/events", big, "application/json");
    EXPECT_EQ(expect_problem(too_large, 413)["type"], "urn:relance:problem:too_large");

    auto malformed =
        c.Post("/v1/events", "{\"contact\": \"a@b.test\",\n \"type\": }", "application/json");
    json bad = expect_problem(malformed, 400);
    EXPECT_EQ(bad["field"], "body");
    EXPECT_NE(bad["detail"].get<std::string>().find("line 2, column 10"), std::string::npos)
        << bad["detail"];

    std::string deep = std::string(100, '[') + std::string(100, ']');
    json nested =
        expect_problem(c.Post("/v1/events", "{\"data\":" + deep + "}", "application/json"), 400);
    EXPECT_NE(nested["detail"].get<std::string>().find("nested deeper than 64"), std::string::npos)
        << nested["detail"];
    // A number past a double's range is a bad body too, not a 500 (found by the fuzz target).
    json huge = expect_problem(
        c.Post("/v1/events", R"({"contact":"a@b.test","type":"x","data":{"n":1E999}})",
               "application/json"),
        400);
    EXPECT_EQ(huge["field"], "body");
    EXPECT_NE(huge["detail"].get<std::string>().find("out of range"), std::string::npos)
        << huge["detail"];
    json array = expect_problem(c.Post("/v1/events", "[1,2]", "application/json"), 400);
    EXPECT_EQ(array["field"], "body");

    json unknown =
        expect_problem(c.Post("/v1/events", R"({"contact":"a@b.test","type":"replied","kind":"x"})",
                              "application/json"),
                       400);
    EXPECT_EQ(unknown["field"], "kind");
    EXPECT_NE(unknown["detail"].get<std::string>().find("unknown field 'kind'"), std::string::npos);
    json type = expect_problem(
        c.Post("/v1/events", R"({"contact":42,"type":"replied"})", "application/json"), 400);
    EXPECT_EQ(type["field"], "contact");
    EXPECT_NE(type["detail"].get<std::string>().find("must be a string, not a number"),
              std::string::npos);

    // A chunked body is read, within the same limit.
    auto chunk = [](const std::string& data) {
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return size + data + "\r\n";
    };
    auto chunked =
        raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
            "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n" +
            chunk(R"({"contact":"c@d.)") + chunk(R"(test","type":"replied"})") + "0\r\n\r\n");
    EXPECT_EQ(chunked.rfind("HTTP/1.1 201", 0), 0u) << chunked;
    std::string chunks;
    for (int i = 0; i < 10; ++i) chunks += chunk(std::string(1024, ' '));
    auto over = raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    chunks + "0\r\n\r\n");
    EXPECT_EQ(over.rfind("HTTP/1.1 413", 0), 0u) << over;
    EXPECT_NE(over.find("application/problem+json"), std::string::npos) << over;

    // A client that asks before sending its body (Expect: 100-continue) is refused before it
    // sends it.
    auto early =
        raw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(early.rfind("HTTP/1.1 413", 0), 0u) << early;
    EXPECT_NE(early.find("Content-Length: "), std::string::npos) << early;
    EXPECT_NE(early.find("urn:relance:problem:too_large"), std::string::npos) << early;

    // A request httplib itself cannot read is answered in the same shape.
    auto long_target = raw("GET /v1/" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(long_target.rfind("HTTP/1.1 414", 0), 0u) << long_target.substr(0, 200);
    EXPECT_NE(long_target.find("urn:relance:problem:uri_too_long"), std::string::npos);
    auto garbage = raw("NONSENSE\r\n\r\n");
    EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
    EXPECT_NE(garbage.find("application/problem+json"), std::string::npos) << garbage;
    EXPECT_NE(garbage.find("urn:relance:problem:bad_request"), std::string::npos) << garbage;
}

TEST_F(ApiRoutes, RequestIdsAreEchoedWhenSaneAndMadeOtherwise) {
    start_server({"--no-worker"});
    auto c = client();
    auto echoed = c.Get("/healthz", {{"X-Request-Id", "zap-1234.abc:9_x"}});
    EXPECT_EQ(echoed->get_header_value("X-Request-Id"), "zap-1234.abc:9_x");
    auto problem = c.Get("/v1/runs", {{"X-Request-Id", "trace-42"}});
    EXPECT_EQ(expect_problem(problem, 401)["request_id"], "trace-42");

    for (const std::string& insane :
         {std::string("two words"), std::string(200, 'a'), std::string("quote\"d")}) {
        auto r = c.Get("/healthz", {{"X-Request-Id", insane}});
        std::string id = r->get_header_value("X-Request-Id");
        EXPECT_EQ(id.size(), 32u) << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    }
    auto a = c.Get("/healthz"), b = c.Get("/healthz");
    EXPECT_NE(a->get_header_value("X-Request-Id"), b->get_header_value("X-Request-Id"));

    // The access log names each request by its id, without the query string.
    c.Get("/healthz?secret=hunter2", {{"X-Request-Id", "find-me"}});
    EXPECT_TRUE(log_shows("GET /healthz 200")) << server_log();
    EXPECT_TRUE(log_shows("id=find-me")) << server_log();
    EXPECT_EQ(server_log().find("hunter2"), std::string::npos) << server_log();
}

TEST_F(ApiRoutes, TheJsonAccessLogIsOneObjectPerLine) {
    start_server({"--no-worker", "--log-format", "json"});
    client().Get("/healthz", {{"X-Request-Id", "json-log-1"}});
    client().Get("/v1/runs", {{"X-Request-Id", "json-log-2"}});
    EXPECT_EQ(stop_server(), 0);
    int seen = 0;
    std::istringstream lines(server_log());
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("{", 0) != 0) continue;
        json j = json::parse(line, nullptr, false);
        ASSERT_TRUE(j.is_object()) << line;
        if (j["request_id"] == "json-log-1") {
            ++seen;
            EXPECT_EQ(j["method"], "GET");
            EXPECT_EQ(j["path"], "/healthz");
            EXPECT_EQ(j["status"], 200);
            EXPECT_EQ(j["bytes"], 15);
            EXPECT_TRUE(j["duration_ms"].is_number());
        }
        if (j["request_id"] == "json-log-2") {
            ++seen;
            EXPECT_EQ(j["status"], 401);
        }
    }
    EXPECT_EQ(seen, 2) << server_log();
}

}  // namespace
}  // namespace relance::test
