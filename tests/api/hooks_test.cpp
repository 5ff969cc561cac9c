// Webhook triggers end to end: workflows deployed with `relance deploy` (or POST /v1/workflows)
// and a real `relance serve` answering POST /v1/hooks/{name} over loopback. Signatures are made
// with relance's signing code, which tests/signatures checks against each spec's vectors.
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/hmac.hpp>
#include <relance/signatures/standard_webhooks.hpp>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kGithubSecret = "It's a Secret to Everybody";

// v1 waits an hour before its send, so runs stay waiting while a new version is deployed.
std::string lead_workflow(const std::string& version, const std::string& extra_hooks = "") {
    return R"(name: lead-intake
version: ")" +
           version +
           R"("
inputs:
  email: {type: string, required: true}
  first_name: {type: string}
  source: {type: string}
triggers:
  - webhook:
      name: new-lead
      input:
        email: "{{ body.email }}"
        first_name: "{{ body.name.first }}"
        source: "{{ query.source | headers.x-source | \"web\" }}"
      signature: {scheme: standard_webhooks, secret: crm}
  - webhook:
      name: github
      input:
        email: "{{ body.email }}"
        source: "{{ body.source }}"
      signature: {scheme: hmac_sha256, secret: gh, header: X-Hub-Signature-256, prefix: "sha256=", id_header: X-GitHub-Delivery}
)" + extra_hooks +
           R"(
steps:
  - id: pause
    wait: 1h
  - id: note
    set: {done: true}
)";
}

class Hooks : public Api {
  protected:
    void SetUp() override {
        ::setenv("RELANCE_SECRET_HOOK_CRM", kSecret.c_str(), 1);
        ::setenv("RELANCE_SECRET_HOOK_GH", kGithubSecret.c_str(), 1);
        write("lead.yaml", lead_workflow("1"));
        auto r = relance({"deploy", dir / "lead.yaml"});
        ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
        token_ = create_key(kAllScopes + ",workflows:read,workflows:write");
    }

    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
    }

    // A Standard Webhooks delivery of `body` with this id, signed now (or at `when`).
    httplib::Result post_signed(const std::string& hook, const std::string& body,
                                const std::string& id, std::int64_t when = 0,
                                const std::string& secret = kSecret) {
        if (!when) when = static_cast<std::int64_t>(std::time(nullptr));
        auto h = signatures::sign_standard_webhook(secret, id, when, body);
        httplib::Headers headers = {{"webhook-id", h.id},
                                    {"webhook-timestamp", h.timestamp},
                                    {"webhook-signature", h.signature}};
        return client().Post(("/v1/hooks/" + hook).c_str(), headers, body, "application/json");
    }

    int count_runs() {
        auto r = client(token_).Get("/v1/runs?limit=1000");
        json j = body_of(r, 200);
        return j.contains("runs") ? static_cast<int>(j["runs"].size()) : -1;
    }

    std::string token_;
};

TEST_F(Hooks, ASignedRequestStartsARunCommittedBeforeTheAnswer) {
    start_server({"--no-worker"});
    auto r =
        post_signed("new-lead", R"({"email": "ana@acme.test", "name": {"first": "Ana"}})", "msg_1");
    json j = body_of(r, 202);
    EXPECT_EQ(j.value("outcome", ""), "started") << j;
    std::string id = j.value("run_id", "");
    ASSERT_FALSE(id.empty()) << j;
    EXPECT_EQ(j.value("workflow", ""), "lead-intake");
    EXPECT_EQ(j.value("version", ""), "1");

    json run = body_of(client(token_).Get(("/v1/runs/" + id).c_str()), 200);
    EXPECT_EQ(run["inputs"]["email"], "ana@acme.test") << run;
    EXPECT_EQ(run["inputs"]["first_name"], "Ana") << run;
    EXPECT_EQ(run["inputs"]["source"], "web") << run;  // the template's literal fallback

    // The same delivery again (a sender's retry): the same run, 200, nothing new.
    json again = body_of(
        post_signed("new-lead", R"({"email": "ana@acme.test", "name": {"first": "Ana"}})", "msg_1"),
        200);
    EXPECT_EQ(again.value("outcome", ""), "duplicate");
    EXPECT_EQ(again.value("run_id", ""), id);
    EXPECT_EQ(count_runs(), 1);
}

TEST_F(Hooks, AFormBodySignedTheGithubWayIsMappedWithItsQueryAndHeaders) {
    start_server({"--no-worker"});
    std::string body = "email=bob%40acme.test&source=git+hub";
    std::string sig =
        "sha256=" + signatures::hex_encode(signatures::hmac_sha256(kGithubSecret, body));
    httplib::Headers headers = {{"X-Hub-Signature-256", sig}, {"X-GitHub-Delivery", "d-77"}};
    json j = body_of(
        client().Post("/v1/hooks/github", headers, body, "application/x-www-form-urlencoded"), 202);
    json run = body_of(client(token_).Get(("/v1/runs/" + j.value("run_id", "")).c_str()), 200);
    EXPECT_EQ(run["inputs"]["email"], "bob@acme.test") << run;
    EXPECT_EQ(run["inputs"]["source"], "git hub") << run;
    // The delivery id is the idempotency key: GitHub's redelivery is the same run.
    json again = body_of(
        client().Post("/v1/hooks/github", headers, body, "application/x-www-form-urlencoded"), 200);
    EXPECT_EQ(again.value("run_id", ""), j.value("run_id", ""));

    // The Idempotency-Key header names the run when the sender gives one.
    std::string body2 = R"({"email": "cy@acme.test"})";
    auto h2 = signatures::sign_standard_webhook(kSecret, "m-a", std::time(nullptr), body2);
    httplib::Headers with_key = {{"webhook-id", h2.id},
                                 {"webhook-timestamp", h2.timestamp},
                                 {"webhook-signature", h2.signature},
                                 {"Idempotency-Key", "lead-9"},
                                 {"X-Source", "crm"}};
    json k1 =
        body_of(client().Post("/v1/hooks/new-lead?x=1", with_key, body2, "application/json"), 202);
    json run2 = body_of(client(token_).Get(("/v1/runs/" + k1.value("run_id", "")).c_str()), 200);
    EXPECT_EQ(run2["inputs"]["source"], "crm") << run2;  // from the header
}

TEST_F(Hooks, BadRequestsAreProblemsAndStartNothing) {
    start_server({"--no-worker", "--max-body", "2048"});
    std::string body = R"({"email": "ana@acme.test"})";
    std::int64_t now = std::time(nullptr);

    json p = expect_problem(post_signed("nope", body, "m1"), 404);
    EXPECT_EQ(p.value("field", ""), "name") << p;

    // Wrong secret, stale timestamp, tampered body, missing headers: 401 naming the signature.
    p = expect_problem(post_signed("new-lead", body, "m2", now,
                                   "whsec_" + signatures::base64_encode(std::string(24, 'x'))),
                       401);
    EXPECT_EQ(p.value("field", ""), "signature") << p;
    EXPECT_NE(p.value("detail", "").find("signature_mismatch"), std::string::npos) << p;
    p = expect_problem(post_signed("new-lead", body, "m3", now - 3600), 401);
    EXPECT_NE(p.value("detail", "").find("timestamp_out_of_tolerance"), std::string::npos) << p;
    auto h = signatures::sign_standard_webhook(kSecret, "m4", now, body);
    httplib::Headers headers = {{"webhook-id", h.id},
                                {"webhook-timestamp", h.timestamp},
                                {"webhook-signature", h.signature}};
    expect_problem(client().Post("/v1/hooks/new-lead", headers, R"({"email": "eve@evil.test"})",
                                 "application/json"),
                   401);
    p = expect_problem(client().Post("/v1/hooks/new-lead", body, "application/json"), 401);
    EXPECT_NE(p.value("detail", "").find("missing_header"), std::string::npos) << p;

    // Signed, but not usable: wrong media type (415), malformed JSON (400, where), a required
    // input missing (400 naming it), a body over --max-body (413).
    auto signed_as = [&](const std::string& b, const std::string& id, const std::string& type) {
        auto s = signatures::sign_standard_webhook(kSecret, id, now, b);
        httplib::Headers hs = {{"webhook-id", s.id},
                               {"webhook-timestamp", s.timestamp},
                               {"webhook-signature", s.signature}};
        return client().Post("/v1/hooks/new-lead", hs, b, type.c_str());
    };
    p = expect_problem(signed_as("<lead/>", "m5", "application/xml"), 415);
    EXPECT_EQ(p.value("field", ""), "Content-Type") << p;
    p = expect_problem(signed_as("{\"email\": ", "m6", "application/json"), 400);
    EXPECT_EQ(p.value("field", ""), "body") << p;
    EXPECT_NE(p.value("detail", "").find("line 1, column"), std::string::npos) << p;
    p = expect_problem(signed_as(R"({"name": {"first": "Ana"}})", "m7", "application/json"), 400);
    EXPECT_EQ(p.value("field", ""), "inputs.email") << p;
    p = expect_problem(signed_as(std::string(4096, ' '), "m8", "application/json"), 413);

    EXPECT_EQ(count_runs(), 0);
}

TEST_F(Hooks, ANewVersionDeploysWithoutARestartAndWaitingRunsKeepTheirs) {
    start_server({});
    json first = body_of(post_signed("new-lead", R"({"email": "a@acme.test"})", "v-1"), 202);
    std::string old_id = first.value("run_id", "");

    // v2 through the API; a v3 through the command line, another process.
    json v2 = body_of(
        client(token_).Post("/v1/workflows",
                            json{{"source", lead_workflow("2")}, {"file", "lead.yaml"}}.dump(),
                            "application/json"),
        201);
    EXPECT_EQ(v2.value("version", ""), "2") << v2;
    json second = body_of(post_signed("new-lead", R"({"email": "b@acme.test"})", "v-2"), 202);
    EXPECT_EQ(second.value("version", ""), "2") << second;

    write("lead3.yaml", lead_workflow("3", R"(  - webhook:
      name: form
      signature: {scheme: none}
      allow_unsigned: true
)"));
    auto r = relance({"deploy", dir / "lead3.yaml"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The server learns of it within a second: the new hook answers.
    auto until = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        auto probe =
            client().Post("/v1/hooks/form", R"({"email": "c@acme.test"})", "application/json");
        if ((probe && probe->status == 202) || std::chrono::steady_clock::now() > until) break;
        std::this_thread::sleep_for(100ms);
    }
    // (The probe started a run for c@: the enrollment policy would skip a second one.)
    auto third = client().Post("/v1/hooks/form", R"({"email": "d@acme.test"})", "application/json");
    json j3 = body_of(third, 202);
    EXPECT_EQ(j3.value("version", ""), "3") << j3;

    json old_run = body_of(client(token_).Get(("/v1/runs/" + old_id).c_str()), 200);
    json new_run = body_of(client(token_).Get(("/v1/runs/" + j3.value("run_id", "")).c_str()), 200);
    EXPECT_EQ(old_run.value("status", ""), "waiting") << old_run;
    EXPECT_NE(old_run["workflow_version_id"], new_run["workflow_version_id"]);

    json list = body_of(client(token_).Get("/v1/workflows"), 200);
    ASSERT_EQ(list["workflows"].size(), 1u) << list;
    EXPECT_EQ(list["workflows"][0]["version"], "3");
    EXPECT_EQ(list["workflows"][0]["hooks"].size(), 3u);

    // An invalid version is refused with its diagnostics and changes nothing.
    json bad = expect_problem(
        client(token_).Post(
            "/v1/workflows",
            json{{"source", "name: lead-intake\nversion: 4\nsteps:\n  - uses: nope.x\n"}}.dump(),
            "application/json"),
        400);
    EXPECT_EQ(bad.value("field", ""), "workflow") << bad;
    EXPECT_FALSE(bad["errors"].empty()) << bad;
    json still = body_of(client(token_).Get("/v1/workflows/lead-intake"), 200);
    EXPECT_EQ(still.value("version", ""), "3");
}

TEST_F(Hooks, EveryRunAnswered202SurvivesASigkillAndRetriesGetTheSameRun) {
    start_server({"--no-worker", "--threads", "16"});
    constexpr int kClients = 8, kEach = 60;
    std::mutex m;
    std::map<std::string, std::string> answered;  // delivery id -> run id
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
        clients.emplace_back([&, c] {
            for (int i = 0; i < kEach && !stop; ++i) {
                std::string id = "burst-" + std::to_string(c) + "-" + std::to_string(i);
                std::string body = R"({"email": "p)" + std::to_string(c) + "x" + std::to_string(i) +
                                   R"(@acme.test"})";
                auto r = post_signed("new-lead", body, id);
                if (r && r->status == 202) {
                    json j = json::parse(r->body);
                    std::lock_guard g(m);
                    answered[id] = j.value("run_id", "");
                }
            }
        });
    // Kill it mid-burst.
    auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until) {
        {
            std::lock_guard g(m);
            if (answered.size() >= 100) break;
        }
        std::this_thread::sleep_for(5ms);
    }
    ::kill(pid_, SIGKILL);
    wait_process(pid_);
    pid_ = -1;
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_GE(answered.size(), 100u);

    start_server({"--no-worker"});
    for (const auto& [id, run_id] : answered) {
        json run = body_of(client(token_).Get(("/v1/runs/" + run_id).c_str()), 200);
        EXPECT_EQ(run.value("id", ""), run_id);
    }
    // Every client retries everything it sent or meant to: each answered delivery gets its run
    // again (200), the rest start now; no delivery has two runs.
    std::set<std::string> ids;
    for (int c = 0; c < kClients; ++c)
        for (int i = 0; i < kEach; ++i) {
            std::string id = "burst-" + std::to_string(c) + "-" + std::to_string(i);
            std::string body =
                R"({"email": "p)" + std::to_string(c) + "x" + std::to_string(i) + R"(@acme.test"})";
            auto r = post_signed("new-lead", body, id);
            ASSERT_TRUE(r && (r->status == 200 || r->status == 202)) << (r ? r->body : "none");
            json j = json::parse(r->body);
            if (auto it = answered.find(id); it != answered.end()) {
                EXPECT_EQ(r->status, 200) << id;
                EXPECT_EQ(j.value("run_id", ""), it->second) << id;
            }
            ids.insert(j.value("run_id", ""));
        }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kClients * kEach));
    EXPECT_EQ(count_runs(), kClients * kEach);
}

}  // namespace
}  // namespace relance::test
