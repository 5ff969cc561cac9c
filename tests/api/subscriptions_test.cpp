// Outbound webhooks end to end: subscriptions over the API, a real receiver (an httplib::Server
// on 127.0.0.1 in the test) that checks every delivery's Standard Webhooks signature with the
// secret returned at creation, 410 that disables, 500 then 200 that retries, SIGKILL of the
// server mid-delivery with everything delivered after the restart, and the polling feed
// (GET /v1/events) with its paging and filters. Bad input answers problems naming the field.
#include <atomic>
#include <ctime>
#include <map>
#include <mutex>
#include <relance/signatures/verify.hpp>
#include <set>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

// An HTTP receiver on a loopback port: records every request, answers with `status_for`.
class Receiver {
  public:
    struct Request {
        std::string id, timestamp, signature, body, content_type;
    };

    Receiver() {
        server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
            if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
            std::lock_guard g(m_);
            requests_.push_back({req.get_header_value("webhook-id"),
                                 req.get_header_value("webhook-timestamp"),
                                 req.get_header_value("webhook-signature"), req.body,
                                 req.get_header_value("Content-Type")});
            res.status = status_for_ ? status_for_(requests_.size()) : 200;
            res.set_content("", "text/plain");
        });
        // A short keep-alive: the server's pooled connection must not hold stop() for 5 s.
        server_.set_keep_alive_timeout(1);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(1ms);
    }
    ~Receiver() {
        server_.stop();
        thread_.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
    // The status of the n-th request (1-based).
    void answer(std::function<int(std::size_t)> f) {
        std::lock_guard g(m_);
        status_for_ = std::move(f);
    }
    void delay(int ms) { delay_ms_ = ms; }
    std::vector<Request> requests() {
        std::lock_guard g(m_);
        return requests_;
    }
    // Waits until `pred(requests)` holds, up to `wait`.
    bool wait_for(const std::function<bool(const std::vector<Request>&)>& pred,
                  std::chrono::milliseconds wait = 20s) {
        auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until) {
            if (pred(requests())) return true;
            std::this_thread::sleep_for(20ms);
        }
        return pred(requests());
    }

  private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex m_;
    std::vector<Request> requests_;
    std::function<int(std::size_t)> status_for_;
    std::atomic<int> delay_ms_{0};
};

const char* kWorkflow = R"(name: notify
version: "1"
inputs:
  email: {type: string, required: true}
steps:
  - id: greet
    set: {greeting: hello}
  - id: ping
    uses: noop.pass
    with:
      to: "{{ inputs.email }}"
      text: "{{ vars.greeting }}"
)";

class Subscriptions : public Api {
  protected:
    void SetUp() override {
        std::ofstream(dir / "notify.yaml") << kWorkflow;
        auto r = relance({"deploy", dir / "notify.yaml"});
        ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
        token_ = create_key(kAllScopes + ",workflows:read,workflows:write");
    }

    json subscribe(const std::string& url, const json& events) {
        return body_of(client(token_).Post("/v1/subscriptions",
                                           json{{"target_url", url}, {"events", events}}.dump(),
                                           "application/json"),
                       201);
    }
    std::string start_run(const std::string& email) {
        json j = body_of(client(token_).Post("/v1/runs",
                                             json{{"workflow", "notify"},
                                                  {"input", {{"email", email}}},
                                                  {"idempotency_key", email}}
                                                 .dump(),
                                             "application/json"),
                         201);
        return j.value("run_id", "");
    }
    // Every request verifies with the secret, the way a receiver's Standard Webhooks library
    // checks it; returns the parsed bodies.
    std::vector<json> verified(const std::vector<Receiver::Request>& requests,
                               const std::string& secret) {
        std::vector<json> out;
        for (const auto& r : requests) {
            signatures::HeaderList headers = {{"webhook-id", r.id},
                                              {"webhook-timestamp", r.timestamp},
                                              {"webhook-signature", r.signature}};
            auto verdict = signatures::verify_standard_webhook(
                secret, headers, r.body, static_cast<std::int64_t>(std::time(nullptr)));
            EXPECT_TRUE(verdict.ok()) << verdict.reason << " " << r.body;
            EXPECT_EQ(r.content_type, "application/json");
            out.push_back(json::parse(r.body, nullptr, false));
        }
        return out;
    }
    json get_subscription(const std::string& id) {
        return body_of(client(token_).Get(("/v1/subscriptions/" + id).c_str()), 200);
    }

    std::string token_;
};

TEST_F(Subscriptions, CreatedWithASecretShownOnceListedPagedAndDeleted) {
    start_server({"--no-worker"});
    json a = subscribe("https://hooks.zapier.test/a", {"run.completed"});
    EXPECT_EQ(a.value("id", "").rfind("sub_", 0), 0u) << a;
    EXPECT_EQ(a.value("secret", "").rfind("whsec_", 0), 0u) << a;
    EXPECT_EQ(a["events"], json({"run.completed"}));
    EXPECT_TRUE(a["disabled_at"].is_null());
    json b = subscribe("http://crm.test:8080/in?x=1", {"run.started", "step.sent", "run.started"});
    EXPECT_EQ(b["events"], json({"run.started", "step.sent"}));  // repeats dropped

    // Listed one per page, never with the secret.
    auto page1 = body_of(client(token_).Get("/v1/subscriptions?limit=1"), 200);
    ASSERT_EQ(page1["subscriptions"].size(), 1u) << page1;
    EXPECT_EQ(page1["subscriptions"][0]["id"], a["id"]);
    EXPECT_FALSE(page1["subscriptions"][0].contains("secret"));
    ASSERT_TRUE(page1["next_cursor"].is_string()) << page1;
    auto page2 = body_of(client(token_).Get(("/v1/subscriptions?limit=1&cursor=" +
                                             page1["next_cursor"].get<std::string>())
                                                .c_str()),
                         200);
    ASSERT_EQ(page2["subscriptions"].size(), 1u) << page2;
    EXPECT_EQ(page2["subscriptions"][0]["id"], b["id"]);
    EXPECT_FALSE(get_subscription(b["id"]).contains("secret"));
    // The secret is in no log either.
    EXPECT_EQ(server_log().find(a["secret"].get<std::string>()), std::string::npos);

    std::string path = "/v1/subscriptions/" + a["id"].get<std::string>();
    body_of(client(token_).Delete(path.c_str()), 204);
    expect_problem(client(token_).Delete(path.c_str()), 404);
    expect_problem(client(token_).Get(path.c_str()), 404);
    auto left = body_of(client(token_).Get("/v1/subscriptions"), 200);
    ASSERT_EQ(left["subscriptions"].size(), 1u);
    EXPECT_TRUE(left["next_cursor"].is_null());
}

TEST_F(Subscriptions, BadInputIsAProblemNamingTheFieldAndCreatesNothing) {
    start_server({"--no-worker"});
    auto post = [&](const json& body, const std::string& token) {
        return client(token).Post("/v1/subscriptions", body.dump(), "application/json");
    };
    for (const char* url :
         {"ftp://files.test/x", "hooks.zapier.test/a", "http://user:pw@h.test/", "http:///nohost",
          "https://h.test/a b", "https://h.test:99999/", "javascript:alert(1)"}) {
        json p =
            expect_problem(post({{"target_url", url}, {"events", {"run.started"}}}, token_), 400);
        EXPECT_EQ(p.value("field", ""), "target_url") << url << " " << p;
    }
    json p = expect_problem(
        post({{"target_url", "https://h.test/"}, {"events", {"run.exploded"}}}, token_), 400);
    EXPECT_EQ(p.value("field", ""), "events") << p;
    EXPECT_NE(p.value("detail", "").find("run.exploded"), std::string::npos) << p;
    p = expect_problem(post({{"target_url", "https://h.test/"}, {"events", json::array()}}, token_),
                       400);
    EXPECT_EQ(p.value("field", ""), "events") << p;
    p = expect_problem(post({{"target_url", "https://h.test/"}, {"events", "run.started"}}, token_),
                       400);
    EXPECT_EQ(p.value("field", ""), "events") << p;
    p = expect_problem(post({{"events", {"run.started"}}}, token_), 400);
    EXPECT_EQ(p.value("field", ""), "target_url") << p;
    p = expect_problem(
        post({{"target_url", "https://h.test/"}, {"events", {"run.started"}}, {"secret", "x"}},
             token_),
        400);
    EXPECT_EQ(p.value("field", ""), "secret") << p;
    // A key without webhooks:write may not subscribe; one without webhooks:read may not list.
    std::string reader = create_key("runs:read", "reader");
    expect_problem(post({{"target_url", "https://h.test/"}, {"events", {"run.started"}}}, reader),
                   403);
    expect_problem(client(reader).Get("/v1/subscriptions"), 403);
    expect_problem(client(reader).Delete("/v1/subscriptions/sub_1"), 403);
    expect_problem(client().Get("/v1/subscriptions"), 401);
    p = expect_problem(client(token_).Get("/v1/subscriptions?cursor=nonsense"), 400);
    EXPECT_EQ(p.value("field", ""), "cursor");

    auto list = body_of(client(token_).Get("/v1/subscriptions"), 200);
    EXPECT_TRUE(list["subscriptions"].empty()) << list;
}

TEST_F(Subscriptions, EventsAreDeliveredSignedWithTheSecretGivenAtCreation) {
    Receiver receiver;
    start_server();
    json sub = subscribe(receiver.url(), {"run.started", "step.sent", "run.completed"});
    std::string secret = sub["secret"];
    std::string run = start_run("ana@acme.test");
    ASSERT_TRUE(receiver.wait_for([](const auto& r) { return r.size() >= 3; }))
        << receiver.requests().size() << "\n"
        << server_log();
    auto bodies = verified(receiver.requests(), secret);
    std::vector<std::string> types;
    for (const auto& b : bodies) {
        types.push_back(b.value("type", ""));
        EXPECT_EQ(b["data"]["run_id"], run) << b;
        EXPECT_EQ(b["data"]["workflow"], "notify") << b;
        EXPECT_EQ(b.value("id", "").rfind("evt_", 0), 0u) << b;
        EXPECT_TRUE(b["timestamp"].is_string()) << b;
    }
    EXPECT_EQ(types, (std::vector<std::string>{"run.started", "step.sent", "run.completed"}));
    EXPECT_EQ(bodies[0]["data"]["inputs"]["email"], "ana@acme.test");
    EXPECT_EQ(bodies[1]["data"]["kind"], "noop.pass");
    // Each webhook-id is the event's and the subscription's: distinct per event.
    std::set<std::string> ids;
    for (const auto& r : receiver.requests()) ids.insert(r.id);
    EXPECT_EQ(ids.size(), 3u);
    // A wrong secret does not verify (the receiver's check is a real one).
    auto r0 = receiver.requests()[0];
    signatures::HeaderList headers = {{"webhook-id", r0.id},
                                      {"webhook-timestamp", r0.timestamp},
                                      {"webhook-signature", r0.signature}};
    EXPECT_FALSE(signatures::verify_standard_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                                     headers, r0.body, std::time(nullptr))
                     .ok());
    // Nothing more is sent for them; the secret is in no log.
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(receiver.requests().size(), 3u);
    EXPECT_EQ(server_log().find(secret), std::string::npos);
}

TEST_F(Subscriptions, GoneDisablesTheSubscription) {
    Receiver receiver;
    receiver.answer([](std::size_t) { return 410; });
    start_server();
    json sub = subscribe(receiver.url(), {"run.started"});
    start_run("a@acme.test");
    ASSERT_TRUE(receiver.wait_for([](const auto& r) { return r.size() >= 1; })) << server_log();
    json shown;
    auto until = std::chrono::steady_clock::now() + 10s;
    do {
        shown = get_subscription(sub["id"]);
        if (!shown["disabled_at"].is_null()) break;
        std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < until);
    EXPECT_TRUE(shown["disabled_at"].is_string()) << shown;
    EXPECT_NE(shown.value("disabled_reason", "").find("410"), std::string::npos) << shown;
    start_run("b@acme.test");
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST_F(Subscriptions, AFailureIsRetriedWithTheSameWebhookIdUntilDelivered) {
    Receiver receiver;
    receiver.answer([](std::size_t n) { return n == 1 ? 500 : 200; });
    start_server();
    json sub = subscribe(receiver.url(), {"run.started"});
    start_run("a@acme.test");
    ASSERT_TRUE(receiver.wait_for([](const auto& r) { return r.size() >= 2; })) << server_log();
    auto requests = receiver.requests();
    EXPECT_EQ(requests[0].id, requests[1].id);  // receivers dedupe on it
    EXPECT_EQ(requests[0].body, requests[1].body);
    verified(requests, sub["secret"]);
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(receiver.requests().size(), 2u);  // delivered: not sent again
    EXPECT_TRUE(log_shows("HTTP 500"));
}

TEST_F(Subscriptions, TheBacklogIsAMetric) {
    Receiver receiver;
    receiver.answer([](std::size_t) { return 503; });
    start_server();
    subscribe(receiver.url(), {"run.started"});
    start_run("a@acme.test");
    ASSERT_TRUE(receiver.wait_for([](const auto& r) { return r.size() >= 1; })) << server_log();
    bool seen = false;
    auto until = std::chrono::steady_clock::now() + 15s;
    while (!seen && std::chrono::steady_clock::now() < until) {
        auto r = client().Get("/metrics");
        seen = r && r->body.find("\nrelance_outbox_backlog 1\n") != std::string::npos;
        if (!seen) std::this_thread::sleep_for(200ms);
    }
    EXPECT_TRUE(seen) << client().Get("/metrics")->body;
}

TEST_F(Subscriptions, NothingIsLostWhenTheServerIsKilledMidDelivery) {
    Receiver receiver;
    receiver.delay(150);  // deliveries in flight when the kill comes
    start_server();
    json sub = subscribe(receiver.url(), {"run.started"});
    std::set<std::string> runs;
    for (int i = 0; i < 15; ++i) runs.insert(start_run("lead" + std::to_string(i) + "@acme.test"));
    ASSERT_TRUE(receiver.wait_for([](const auto& r) { return r.size() >= 3; })) << server_log();
    ::kill(pid_, SIGKILL);
    wait_process(pid_);
    pid_ = -1;
    std::size_t before = receiver.requests().size();
    EXPECT_LT(before, runs.size());  // the kill came mid-way
    start_server();
    auto delivered_runs = [&](const std::vector<Receiver::Request>& requests) {
        std::set<std::string> seen;
        for (const auto& r : requests) {
            json b = json::parse(r.body, nullptr, false);
            if (b.is_object()) seen.insert(b["data"].value("run_id", ""));
        }
        return seen;
    };
    ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return delivered_runs(r) == runs; }, 30s))
        << delivered_runs(receiver.requests()).size() << " of " << runs.size() << "\n"
        << server_log();
    verified(receiver.requests(), sub["secret"]);
    // At least once: a repeat carries the same webhook-id as the first attempt.
    std::map<std::string, std::string> id_of_run;
    for (const auto& r : receiver.requests()) {
        std::string run = json::parse(r.body)["data"]["run_id"];
        auto [it, fresh] = id_of_run.emplace(run, r.id);
        EXPECT_EQ(it->second, r.id);
    }
}

TEST_F(Subscriptions, TheFeedPagesOldestFirstFiltersAndGoesNewestFirst) {
    start_server({"--no-worker"});
    std::vector<std::string> runs;
    for (int i = 0; i < 5; ++i) runs.push_back(start_run("p" + std::to_string(i) + "@acme.test"));
    auto page1 = body_of(client(token_).Get("/v1/events?limit=2"), 200);
    ASSERT_EQ(page1["events"].size(), 2u) << page1;
    EXPECT_EQ(page1["events"][0]["type"], "run.started");
    EXPECT_EQ(page1["events"][0]["data"]["run_id"], runs[0]);
    EXPECT_EQ(page1["events"][1]["data"]["run_id"], runs[1]);
    ASSERT_TRUE(page1["next_cursor"].is_string());
    auto page2 = body_of(
        client(token_).Get(
            ("/v1/events?limit=2&cursor=" + page1["next_cursor"].get<std::string>()).c_str()),
        200);
    ASSERT_EQ(page2["events"].size(), 2u);
    EXPECT_EQ(page2["events"][0]["data"]["run_id"], runs[2]);
    // after= an event id, as a poller that keeps the last id it saw.
    std::string last = page2["events"][1]["id"];
    auto rest = body_of(client(token_).Get(("/v1/events?after=" + last).c_str()), 200);
    ASSERT_EQ(rest["events"].size(), 1u);
    EXPECT_EQ(rest["events"][0]["data"]["run_id"], runs[4]);
    EXPECT_TRUE(rest["next_cursor"].is_null());
    // Newest first (Zapier's polling and sample calls).
    auto newest = body_of(client(token_).Get("/v1/events?order=desc&limit=3"), 200);
    ASSERT_EQ(newest["events"].size(), 3u);
    EXPECT_EQ(newest["events"][0]["data"]["run_id"], runs[4]);
    EXPECT_EQ(newest["events"][2]["data"]["run_id"], runs[2]);
    auto none = body_of(client(token_).Get("/v1/events?type=run.completed,run.failed"), 200);
    EXPECT_TRUE(none["events"].empty()) << none;
    auto started = body_of(client(token_).Get("/v1/events?type=run.started&limit=1000"), 200);
    EXPECT_EQ(started["events"].size(), 5u);

    json p = expect_problem(client(token_).Get("/v1/events?type=run.exploded"), 400);
    EXPECT_EQ(p.value("field", ""), "type");
    p = expect_problem(client(token_).Get("/v1/events?after=yesterday"), 400);
    EXPECT_EQ(p.value("field", ""), "after");
    p = expect_problem(client(token_).Get("/v1/events?order=sideways"), 400);
    EXPECT_EQ(p.value("field", ""), "order");
    p = expect_problem(client(token_).Get("/v1/events?limit=0"), 400);
    EXPECT_EQ(p.value("field", ""), "limit");
    p = expect_problem(client(token_).Get("/v1/events?colour=red"), 400);
    std::string reader = create_key("runs:read", "reader");
    expect_problem(client(reader).Get("/v1/events"), 403);
}

TEST_F(Subscriptions, TheCommandLineCreatesListsTailsAndDeletes) {
    auto made = relance({"--json", "subscriptions", "create", "--url", "https://h.test/x",
                         "--events", "run.started,run.completed"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    json sub = json::parse(made.out, nullptr, false);
    ASSERT_TRUE(sub.is_object()) << made.out;
    EXPECT_EQ(sub.value("secret", "").rfind("whsec_", 0), 0u);
    auto bad = relance({"subscriptions", "create", "--url", "ftp://x", "--events", "run.started"});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_NE(bad.err.find("target_url"), std::string::npos) << bad.err;
    auto listed = relance({"--json", "subscriptions", "list"});
    ASSERT_EQ(listed.exit_code, 0);
    json list = json::parse(listed.out, nullptr, false);
    ASSERT_TRUE(list.is_array() && list.size() == 1u) << listed.out;
    EXPECT_FALSE(list[0].contains("secret"));

    start_server({"--no-worker"});
    start_run("t@acme.test");
    auto tail = relance({"--json", "events", "tail", "--type", "run.started"});
    ASSERT_EQ(tail.exit_code, 0) << tail.err;
    json events = json::parse(tail.out, nullptr, false);
    ASSERT_TRUE(events.is_object()) << tail.out;
    ASSERT_EQ(events["events"].size(), 1u) << tail.out;
    EXPECT_EQ(events["last"], events["events"][0]["id"]);
    auto after = relance({"--json", "events", "tail", "--after", events["last"]});
    EXPECT_TRUE(json::parse(after.out)["events"].empty()) << after.out;

    auto del = relance({"subscriptions", "delete", sub["id"]});
    EXPECT_EQ(del.exit_code, 0) << del.err;
    auto again = relance({"subscriptions", "delete", sub["id"]});
    EXPECT_EQ(again.exit_code, 3) << again.err;
}

}  // namespace
}  // namespace relance::test
