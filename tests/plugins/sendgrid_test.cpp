// The SendGrid plugin against its emulator, over real loopback HTTP, through PluginHost.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "plugin_fixture.hpp"
#include "test_util.hpp"

using namespace relance;
using host::ActionOutcome;
using host::ReconcileOutcome;
using nlohmann::json;
using test::SandboxedPlugin;

namespace {

json message(json extra = json::object()) {
    json m = {{"to", "ana@acme.io"},         {"to_name", "Ana"},
              {"from", "sam@example.com"},   {"from_name", "Sam"},
              {"subject", "Quick question"}, {"text", "Hi Ana"},
              {"html", "<p>Hi Ana</p>"}};
    m.update(extra);
    return m;
}

std::vector<json> outbox(SandboxedPlugin& sg) {
    std::vector<json> out;
    for (const auto& r : sg.records())
        if (r.plugin == "sendgrid" && r.box == "outbox") out.push_back(r.entry);
    return out;
}

// Reconciles as the engine would, for a call committed as started at `started_at` (default: now).
ReconcileOutcome reconcile(SandboxedPlugin& sg, const std::string& message_id,
                           std::int64_t started_at = 0) {
    host::ActionRequest r;
    r.action = "send";
    r.input = message();
    r.message_id = message_id;
    r.run_id = "run-0001";
    r.started_at_ms = started_at ? started_at : to_unix_ms(sg.clock.now());
    auto rec = sg.plugin->reconcile(r);
    EXPECT_TRUE(rec.has_value());
    return rec.value_or(ReconcileOutcome{});
}

}  // namespace

TEST(SendGrid, AcceptedMessageIsInTheOutbox) {
    SandboxedPlugin sg("sendgrid");
    ASSERT_NE(sg.plugin, nullptr);
    auto out = sg.invoke("send",
                         message({{"unsubscribe_url", "https://u.example.com/o/tok_abc"},
                                  {"custom_args", {{"campaign_id", "c_42"}}},
                                  {"categories", {"outreach"}},
                                  {"reply_to", "reply+tok@parse.example.com"}}),
                         "msg-0001");
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    EXPECT_EQ((*out.output)["status"], 202);
    EXPECT_EQ((*out.output)["engine_msg_id"], "msg-0001");
    std::string id = (*out.output)["provider_message_id"];
    EXPECT_GE(id.size(), 16u);

    auto box = outbox(sg);
    ASSERT_EQ(box.size(), 1u);
    const json& e = box[0];
    EXPECT_EQ(e["provider_message_id"], id);
    EXPECT_EQ(e["engine_msg_id"], "msg-0001");
    EXPECT_EQ(e["engine_run_id"], "run-0001");
    EXPECT_EQ(e["custom_args"]["engine_msg_id"], "msg-0001");
    EXPECT_EQ(e["custom_args"]["campaign_id"], "c_42");
    EXPECT_EQ(e["to"], json::array({"ana@acme.io"}));
    EXPECT_EQ(e["from"], "sam@example.com");
    EXPECT_EQ(e["subject"], "Quick question");
    EXPECT_EQ(e["text"], "Hi Ana");
    EXPECT_EQ(e["html"], "<p>Hi Ana</p>");
    EXPECT_EQ(e["categories"], json::array({"outreach"}));
    EXPECT_EQ(e["headers"]["List-Unsubscribe"], "<https://u.example.com/o/tok_abc>");
    EXPECT_EQ(e["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    EXPECT_EQ(e["plugin"], "sendgrid");
    EXPECT_EQ(e["recorded_at_ms"], 1'700'000'000'000);

    // A second message gets another id.
    auto second = sg.invoke("send", message(), "msg-0002");
    ASSERT_EQ(second.status, ActionOutcome::Status::ok) << second.error;
    EXPECT_NE((*second.output)["provider_message_id"], id);
}

TEST(SendGrid, TemplateNeedsNoSubjectOrContent) {
    SandboxedPlugin sg("sendgrid");
    json in = {{"to", "ana@acme.io"},
               {"from", "sam@example.com"},
               {"template_id", "d-4ad23ad40a0e47d0a0232b85f24ca5c2"},
               {"dynamic_template_data", {{"first_name", "Ana"}}}};
    auto out = sg.invoke("send", in);
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    EXPECT_EQ(outbox(sg).at(0)["template_id"], "d-4ad23ad40a0e47d0a0232b85f24ca5c2");
}

TEST(SendGrid, InvalidAddressIsPermanentAndNamesTheField) {
    SandboxedPlugin sg("sendgrid");
    auto out = sg.invoke("send", message({{"to", "not-an-email"}}));
    EXPECT_EQ(out.status, ActionOutcome::Status::permanent);
    EXPECT_NE(out.error.find("400"), std::string::npos) << out.error;
    EXPECT_NE(out.error.find("personalizations.0.to.0.email"), std::string::npos) << out.error;
    EXPECT_TRUE(outbox(sg).empty());
}

// A revoked or wrong key is the account's fault, not the lead's: the account status, with
// SendGrid's own words, and the key never echoed.
TEST(SendGrid, WrongKeyIsTheAccountsFaultAndNeverEchoed) {
    // The emulator expects another key than the one the host lends the plugin.
    SandboxedPlugin sg("sendgrid", {{"secrets", {{"api_key", "SG.expected-by-emulator"}}}});
    auto out = sg.invoke("send", message());
    EXPECT_EQ(out.status, ActionOutcome::Status::account);
    EXPECT_EQ(out.error,
              "sendgrid answered 401: The provided authorization grant is invalid, "
              "expired, or revoked");
    EXPECT_EQ(out.error.find("sandbox-sendgrid-api_key"), std::string::npos) << out.error;
    EXPECT_EQ(out.error.find("SG.expected-by-emulator"), std::string::npos) << out.error;
    EXPECT_TRUE(outbox(sg).empty());
}

// An unverified sender is shown as SendGrid says it, not as "authentication failed".
TEST(SendGrid, UnverifiedSenderIsTheAccountsFaultInSendGridsWords) {
    SandboxedPlugin sg("sendgrid", {{"verified_senders", {"@relance-demo.test", "ops@acme.io"}}});
    auto out = sg.invoke("send", message());  // from sam@example.com
    EXPECT_EQ(out.status, ActionOutcome::Status::account);
    EXPECT_NE(out.error.find("sendgrid answered 403: from: The from address does not match a "
                             "verified Sender Identity"),
              std::string::npos)
        << out.error;
    EXPECT_TRUE(outbox(sg).empty());
    // A verified address, or any address of a verified domain, goes out.
    EXPECT_EQ(sg.invoke("send", message({{"from", "OPS@acme.io"}})).status,
              ActionOutcome::Status::ok);
    EXPECT_EQ(sg.invoke("send", message({{"from", "sam@relance-demo.test"}})).status,
              ActionOutcome::Status::ok);
    EXPECT_EQ(outbox(sg).size(), 2u);
}

// A gateway error after the request went out may hide an accepted message: in doubt, and
// reconciliation finds it; never a blind retry.
TEST(SendGrid, GatewayErrorsAfterTheRequestWentOutAreInDoubt) {
    SandboxedPlugin sg(
        "sendgrid",
        {{"fail_next", {{{"status", 504}, {"after_accept", true}}, {{"status", 502}}}}});
    auto timed_out = sg.invoke("send", message(), "msg-504");
    EXPECT_EQ(timed_out.status, ActionOutcome::Status::in_doubt) << timed_out.error;
    EXPECT_NE(timed_out.error.find("sendgrid answered 504 after the request went out"),
              std::string::npos)
        << timed_out.error;
    ASSERT_EQ(outbox(sg).size(), 1u);  // it was accepted behind the gateway

    auto bad_gateway = sg.invoke("send", message(), "msg-502");
    EXPECT_EQ(bad_gateway.status, ActionOutcome::Status::in_doubt);
    EXPECT_EQ(outbox(sg).size(), 1u);  // this one was not: reconcile will say so once settled

    EXPECT_EQ(reconcile(sg, "msg-504").outcome, ReconcileOutcome::Outcome::done);
    std::int64_t long_ago = to_unix_ms(sg.clock.now()) - 11 * 60 * 1000;
    EXPECT_EQ(reconcile(sg, "msg-502", long_ago).outcome, ReconcileOutcome::Outcome::not_done);
}

TEST(SendGrid, TooLargeIsPermanent) {
    SandboxedPlugin sg("sendgrid", {{"max_body_bytes", 200}});
    auto out = sg.invoke("send", message({{"text", std::string(500, 'x')}}));
    EXPECT_EQ(out.status, ActionOutcome::Status::permanent);
    EXPECT_NE(out.error.find("413"), std::string::npos) << out.error;
}

TEST(SendGrid, RateLimitedHonoursRetryAfterSeconds) {
    SandboxedPlugin sg("sendgrid", {{"fail_next", {{{"status", 429}, {"retry_after", "2"}}}}});
    auto out = sg.invoke("send", message());
    EXPECT_EQ(out.status, ActionOutcome::Status::rate_limited) << out.error;
    EXPECT_EQ(out.retry_after, Millis{2000});
    EXPECT_TRUE(outbox(sg).empty());
    // The injected failure is consumed: the next attempt goes through.
    EXPECT_EQ(sg.invoke("send", message(), "msg-0001", 2).status, ActionOutcome::Status::ok);
    EXPECT_EQ(outbox(sg).size(), 1u);
}

TEST(SendGrid, RateLimitedHonoursRetryAfterDateOnTheEngineClock) {
    // The engine clock reads 2023-11-14T22:13:20Z; the provider says 5 s later.
    SandboxedPlugin sg("sendgrid",
                       {{"fail_next",
                         {{{"status", 429}, {"retry_after", "Tue, 14 Nov 2023 22:13:25 GMT"}},
                          {{"status", 429}}}}});
    auto out = sg.invoke("send", message());
    EXPECT_EQ(out.status, ActionOutcome::Status::rate_limited);
    EXPECT_EQ(out.retry_after, Millis{5000});
    // No Retry-After, no X-RateLimit-Reset: a minute.
    auto plain = sg.invoke("send", message());
    EXPECT_EQ(plain.status, ActionOutcome::Status::rate_limited);
    EXPECT_EQ(plain.retry_after, Millis{60000});
}

TEST(SendGrid, ServerErrorsAreRetryable) {
    SandboxedPlugin sg("sendgrid", {{"fail_next", {{{"status", 500}}, {{"status", 503}}}}});
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::retryable);
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::retryable);
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::ok);
}

TEST(SendGrid, FailEveryNth) {
    SandboxedPlugin sg("sendgrid", {{"fail_every", 2}});
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::ok);
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::retryable);
    EXPECT_EQ(sg.invoke("send", message()).status, ActionOutcome::Status::ok);
}

TEST(SendGrid, ConnectionRefusedIsRetryable) {
    std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port());
    SandboxedPlugin sg("sendgrid", json::object(), {{"base_url", url}});
    auto out = sg.invoke("send", message());
    EXPECT_EQ(out.status, ActionOutcome::Status::retryable) << out.error;
    EXPECT_NE(out.error.find("connect"), std::string::npos) << out.error;
    EXPECT_EQ(out.error.find("sandbox-sendgrid-api_key"), std::string::npos) << out.error;
}

TEST(SendGrid, TimeoutAfterSendingIsInDoubtAndReconciles) {
    // The emulator records the message, then waits longer than the plugin's timeout: the engine
    // never hears back, as when a worker dies mid-call.
    SandboxedPlugin sg("sendgrid", {{"latency_ms", 600}}, {{"timeout_ms", 150}});
    auto out = sg.invoke("send", message(), "msg-doubt");
    EXPECT_EQ(out.status, ActionOutcome::Status::in_doubt) << out.error;
    // The request left before the timeout, but on a slow machine (a sanitizer build) the
    // emulator may record it only after the plugin gave up: wait for it, as reconcile would.
    ASSERT_TRUE(test::eventually([&] { return outbox(sg).size() == 1u; }));
    auto rec = reconcile(sg, "msg-doubt");
    EXPECT_EQ(rec.outcome, ReconcileOutcome::Outcome::done);
    EXPECT_EQ((*rec.output)["provider_message_id"], outbox(sg)[0]["provider_message_id"]);
}

TEST(SendGrid, ReconcileDoneAndNotDone) {
    SandboxedPlugin sg("sendgrid");
    auto out = sg.invoke("send", message(), "msg-42");
    ASSERT_EQ(out.status, ActionOutcome::Status::ok);
    auto done = reconcile(sg, "msg-42");
    EXPECT_EQ(done.outcome, ReconcileOutcome::Outcome::done);
    EXPECT_EQ((*done.output)["provider_message_id"], (*out.output)["provider_message_id"]);
    EXPECT_EQ((*done.output)["engine_msg_id"], "msg-42");
    // No trace of a send started more than the settle time (10 minutes) ago: not sent.
    std::int64_t long_ago = to_unix_ms(sg.clock.now()) - 11 * 60 * 1000;
    EXPECT_EQ(reconcile(sg, "msg-never-sent", long_ago).outcome,
              ReconcileOutcome::Outcome::not_done);
    // ...but a recent one may not be indexed yet: ask again later, never "not sent".
    EXPECT_EQ(reconcile(sg, "msg-never-sent").outcome, ReconcileOutcome::Outcome::pending);
}

// The Activity API shows a message only some time after the send: until the settle time has
// passed, "no trace" must mean "ask again later", never "not sent" (that would send twice).
TEST(SendGrid, ReconcileIsPendingWhileTheProviderMayStillBeIndexing) {
    SandboxedPlugin sg("sendgrid", {{"activity_lag_ms", 60'000}},
                       {{"reconcile_settle_ms", 120'000}});
    std::int64_t sent_at = to_unix_ms(sg.clock.now());
    ASSERT_EQ(sg.invoke("send", message(), "msg-lag").status, ActionOutcome::Status::ok);

    auto early = reconcile(sg, "msg-lag", sent_at);
    EXPECT_EQ(early.outcome, ReconcileOutcome::Outcome::pending);
    EXPECT_EQ(early.retry_after, Millis{120'000});
    auto never = reconcile(sg, "msg-never-sent", sent_at);
    EXPECT_EQ(never.outcome, ReconcileOutcome::Outcome::pending);

    sg.clock.advance(Millis{61'000});  // indexed now, but still inside the settle time
    EXPECT_EQ(reconcile(sg, "msg-lag", sent_at).outcome, ReconcileOutcome::Outcome::done);
    EXPECT_EQ(reconcile(sg, "msg-never-sent", sent_at).outcome, ReconcileOutcome::Outcome::pending);

    sg.clock.advance(Millis{60'000});  // past the settle time: no trace now means not sent
    EXPECT_EQ(reconcile(sg, "msg-never-sent", sent_at).outcome,
              ReconcileOutcome::Outcome::not_done);
}

TEST(SendGrid, ReconcileUnknownWithoutAStartTime) {
    SandboxedPlugin sg("sendgrid");
    host::ActionRequest r;
    r.action = "send";
    r.message_id = "msg-x";
    r.run_id = "run-0001";
    auto rec = sg.plugin->reconcile(r);
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->outcome, ReconcileOutcome::Outcome::unknown);
}

// A lookup the Activity API cannot answer now (429, 5xx, no connection) says nothing about the
// message: ask again later, never pause the run for a human.
TEST(SendGrid, ReconcileAsksAgainWhenTheLookupFails) {
    SandboxedPlugin sg(
        "sendgrid",
        {{"fail_next",
          {{{"status", 429}, {"retry_after", "30"}}, {{"status", 503}}, {{"status", 500}}}}});
    auto limited = reconcile(sg, "msg-1");
    EXPECT_EQ(limited.outcome, ReconcileOutcome::Outcome::pending);
    EXPECT_EQ(limited.retry_after, Millis{30'000});
    EXPECT_NE(limited.reason.find("sendgrid answered 429 to the Email Activity lookup of message "
                                  "msg-1"),
              std::string::npos)
        << limited.reason;
    auto unavailable = reconcile(sg, "msg-1");
    EXPECT_EQ(unavailable.outcome, ReconcileOutcome::Outcome::pending);
    EXPECT_EQ(unavailable.retry_after, Millis{60'000});
    EXPECT_EQ(reconcile(sg, "msg-1").outcome, ReconcileOutcome::Outcome::pending);

    std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port());
    SandboxedPlugin unreachable("sendgrid", json::object(), {{"base_url", url}});
    auto nobody = reconcile(unreachable, "msg-1");
    EXPECT_EQ(nobody.outcome, ReconcileOutcome::Outcome::pending);
    EXPECT_NE(nobody.reason.find("got no answer (connect error)"), std::string::npos)
        << nobody.reason;
}

TEST(SendGrid, ReconcileWithARefusedAccountWaitsForTheAccount) {
    SandboxedPlugin sg("sendgrid", {{"secrets", {{"api_key", "SG.another-key"}}}});
    auto rec = reconcile(sg, "msg-1");
    EXPECT_EQ(rec.outcome, ReconcileOutcome::Outcome::pending);
    EXPECT_TRUE(rec.account_refused);
    EXPECT_NE(rec.reason.find("authorization grant is invalid"), std::string::npos) << rec.reason;
}

TEST(SendGrid, ReconcileUnknownSaysWhy) {
    SandboxedPlugin sg("sendgrid", json::object(), {{"reconcile", false}});
    auto rec = reconcile(sg, "msg-1");
    EXPECT_EQ(rec.outcome, ReconcileOutcome::Outcome::unknown);
    EXPECT_NE(rec.reason.find("reconciliation is off"), std::string::npos) << rec.reason;
}

// Byte 2048 of the text falls inside an "é": the emulator used to cut there, fail to record
// the invalid UTF-8 it made, and answer 500. It keeps whole characters now.
TEST(SendGrid, ARecordedBodyIsCutOnACharacterBoundary) {
    SandboxedPlugin sg("sendgrid");
    std::string text = std::string(2047, 'a') + "\xC3\xA9 et la suite";
    auto out = sg.invoke("send", message({{"text", text}}), "msg-utf8");
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    auto box = outbox(sg);
    ASSERT_EQ(box.size(), 1u);
    EXPECT_EQ(box[0]["text"], std::string(2047, 'a'));
}

// The same plugin served by a `relance plugin-host` child: its emulator runs there too, and
// what it records reaches the worker's recorder.
TEST(SendGrid, OutOfProcessSendsRecordsAndReconciles) {
    SandboxedPlugin sg("sendgrid", json::object(), json::object(), host::Isolation::process);
    ASSERT_NE(sg.plugin, nullptr);
    EXPECT_EQ(sg.plugin->isolation(), host::Isolation::process);
    auto out = sg.invoke("send", message(), "msg-oop");
    ASSERT_EQ(out.status, ActionOutcome::Status::ok) << out.error;
    auto box = outbox(sg);
    ASSERT_EQ(box.size(), 1u);
    EXPECT_EQ(box[0]["engine_msg_id"], "msg-oop");
    EXPECT_EQ(box[0]["recorded_at_ms"], 1'700'000'000'000);  // the worker's virtual clock
    EXPECT_EQ(reconcile(sg, "msg-oop").outcome, ReconcileOutcome::Outcome::done);
}

TEST(SendGrid, EmulatorControlEndpoints) {
    SandboxedPlugin sg("sendgrid");
    httplib::Client client(sg.plugin->sandbox_url());
    auto r = client.Post("/__sandbox/fail", R"({"fail_next":[{"status":429,"retry_after":"7"}]})",
                         "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    auto out = sg.invoke("send", message());
    EXPECT_EQ(out.status, ActionOutcome::Status::rate_limited);
    EXPECT_EQ(out.retry_after, Millis{7000});
    ASSERT_EQ(sg.invoke("send", message(), "msg-outbox").status, ActionOutcome::Status::ok);

    auto box = client.Get("/__sandbox/outbox");
    ASSERT_TRUE(box);
    json j = json::parse(box->body);
    ASSERT_EQ(j["messages"].size(), 1u);
    EXPECT_EQ(j["messages"][0]["engine_msg_id"], "msg-outbox");

    // Straight to the API: no key, 401 with SendGrid's error shape.
    auto unauth = client.Post("/v3/mail/send", "{}", "application/json");
    ASSERT_TRUE(unauth);
    EXPECT_EQ(unauth->status, 401);
    EXPECT_TRUE(json::parse(unauth->body)["errors"].is_array());

    // sandbox_mode: validated, answered 200, not delivered.
    httplib::Headers auth = {{"Authorization", "Bearer sandbox-sendgrid-api_key"}};
    json body = {{"personalizations", {{{"to", {{{"email", "a@b.io"}}}}}}},
                 {"from", {{"email", "s@x.io"}}},
                 {"subject", "s"},
                 {"content", {{{"type", "text/plain"}, {"value", "v"}}}},
                 {"mail_settings", {{"sandbox_mode", {{"enable", true}}}}}};
    auto sandboxed = client.Post("/v3/mail/send", auth, body.dump(), "application/json");
    ASSERT_TRUE(sandboxed);
    EXPECT_EQ(sandboxed->status, 200);
    EXPECT_EQ(outbox(sg).size(), 1u);

    // html before text/plain is refused, naming the field.
    body.erase("mail_settings");
    body["content"] = {{{"type", "text/html"}, {"value", "<p>v</p>"}},
                       {{"type", "text/plain"}, {"value", "v"}}};
    auto order = client.Post("/v3/mail/send", auth, body.dump(), "application/json");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->status, 400);
    EXPECT_EQ(json::parse(order->body)["errors"][0]["field"], "content.1.type");
}

// A worker starts many sends at once on cold connections. The emulator's listen backlog must
// take the burst: an overflowing backlog makes Linux reset connections the client already sent
// its request on, which turns plain sends into in-doubt ones.
TEST(SendGrid, BurstOfConcurrentSendsAllSucceed) {
    SandboxedPlugin sg("sendgrid");
    constexpr int kSends = 96;
    std::vector<ActionOutcome> outcomes(kSends);
    std::vector<std::thread> threads;
    for (int i = 0; i < kSends; ++i)
        threads.emplace_back([&, i] {
            outcomes[static_cast<std::size_t>(i)] =
                sg.invoke("send", message(), "msg-burst-" + std::to_string(i));
        });
    for (auto& t : threads) t.join();
    for (const auto& o : outcomes) EXPECT_EQ(o.status, ActionOutcome::Status::ok) << o.error;
    EXPECT_EQ(outbox(sg).size(), static_cast<std::size_t>(kSends));
}
