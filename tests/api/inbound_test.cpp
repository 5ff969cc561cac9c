// Provider callbacks against a real `relance serve`: POST /v1/inbound/{plugin}/{account} with
// SendGrid's Event Webhook (ECDSA-signed) and Inbound Parse (multipart, HTTP Basic), posted by
// the test and by the SendGrid emulator itself. The runs are the demo workflow's, sent by the
// server's own worker through the emulator.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>

#include "api_fixture.hpp"
#include "sandbox_key.hpp"

namespace relance::test {
namespace {

const std::string kInbound = "/v1/inbound/sendgrid/default";
// The sandbox's Inbound Parse credentials: the fake secret every sandbox lends the plugin.
const std::string kParseUser = "sendgrid:sandbox-sendgrid-parse_password";

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The ECDSA P-256 / SHA-256 signature of `message` by the sandbox's published key, base64 DER:
// what SendGrid puts in X-Twilio-Email-Event-Webhook-Signature.
std::string sandbox_signature(const std::string& message) {
    BIO* bio = BIO_new_mem_buf(plugins::sendgrid::kSandboxWebhookPrivateKeyPem, -1);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    std::string signature(size, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                   reinterpret_cast<const unsigned char*>(message.data()), message.size());
    signature.resize(size);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return base64(signature);
}

std::string now_seconds() {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

std::string multipart(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [name, value] : fields)
        body += "--xYzZY\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
                "\r\n";
    return body + "--xYzZY--\r\n";
}

class Inbound : public Api {
  protected:
    // Three leads of the demo workflow, started with the CLI.
    void start_runs() {
        std::string csv = (dir.path() / "leads.csv").string();
        std::ofstream(csv) << "id,email,first_name,company\n"
                              "l1,alice@acme.test,Alice,Acme\n"
                              "l2,bruno@brightpath.test,Bruno,Brightpath\n"
                              "l3,chloe@cobalt.test,Chloe,Cobalt\n";
        auto started = relance({"run", prospecting, "--input", csv});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        token = create_key(kAllScopes);
    }

    // Until every run has sent its intro and waits (the server's worker sends them).
    void wait_for_intros() {
        auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            json runs = body_of(client(token).Get("/v1/runs?status=waiting"), 200)["runs"];
            bool sent = runs.size() == 3 && std::all_of(runs.begin(), runs.end(), [](auto& r) {
                            return r["step"] == "follow_up_branch";
                        });
            if (sent) return;
            ASSERT_LT(std::chrono::steady_clock::now(), until) << server_log();
            std::this_thread::sleep_for(100ms);
        }
    }

    json run_of(const std::string& email) {
        json runs = body_of(client(token).Get("/v1/runs"), 200)["runs"];
        for (const auto& r : runs)
            if (r["inputs"]["email"] == email)
                return body_of(client(token).Get("/v1/runs/" + r["id"].get<std::string>()), 200);
        ADD_FAILURE() << "no run for " << email << " in " << runs.dump(1);
        return json{{"id", ""}, {"status", ""}, {"reason", ""}, {"timeline", json::array()}};
    }

    // The engine message id of a run's intro email.
    std::string intro_message(const json& run) {
        for (const auto& step : run["timeline"])
            if (step["step"] == "intro" && step["message_id"].is_string() &&
                !step["message_id"].get<std::string>().empty())
                return step["message_id"];
        ADD_FAILURE() << "no intro in " << run.dump(2);
        return "";
    }

    httplib::Result event_webhook(const std::string& body, const std::string& timestamp,
                                  const std::string& signature) {
        return client().Post(kInbound,
                             {{"X-Twilio-Email-Event-Webhook-Signature", signature},
                              {"X-Twilio-Email-Event-Webhook-Timestamp", timestamp}},
                             body, "application/json");
    }
    httplib::Result signed_events(const json& events) {
        std::string body = "[";
        for (std::size_t i = 0; i < events.size(); ++i)
            body += (i ? ",\r\n" : "") + events[i].dump();
        body += "]\r\n";
        std::string ts = now_seconds();
        return event_webhook(body, ts, sandbox_signature(ts + body));
    }
    httplib::Result inbound_parse(const std::string& body, const std::string& credentials) {
        httplib::Headers headers;
        if (!credentials.empty()) headers.emplace("Authorization", "Basic " + base64(credentials));
        return client().Post(kInbound, headers, body, "multipart/form-data; boundary=xYzZY");
    }

    json suppressions() {
        return body_of(client(token).Get("/v1/suppressions"), 200)["suppressions"];
    }

    // `relance serve` on a given port (the emulator's callback_url names it before it starts).
    void start_server_at(int port, const std::vector<std::string>& extra) {
        std::vector<std::string> rest = {"serve", "--listen", "127.0.0.1:" + std::to_string(port)};
        rest.insert(rest.end(), extra.begin(), extra.end());
        log_ = dir.path() / ("serve-" + std::to_string(++servers_) + ".log");
        pid_ = spawn_background(cmd(rest), log_);
        ASSERT_TRUE(log_shows("listening on http://127.0.0.1:", 30s)) << server_log();
        port_ = port;
    }

    static int free_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        ::close(fd);
        return ntohs(addr.sin_port);
    }

    std::string token;
};

// A reply posted by Inbound Parse, from a colleague's address, names the intro in In-Reply-To:
// it stops the run that sent it, as `relance event add` would, once however often it comes.
TEST_F(Inbound, AReplyByInboundParseStopsTheRunThatSentTheEmail) {
    start_runs();
    start_server();
    wait_for_intros();
    json alice = run_of("alice@acme.test");
    std::string message = intro_message(alice);
    ASSERT_FALSE(message.empty());

    std::string reply =
        multipart({{"headers",
                    "From: Dana <dana@acme.test>\r\nMessage-ID: <r-77@acme.test>\r\n"
                    "In-Reply-To: <rl." +
                        message + "@relance-demo.test>\r\nSubject: Re: hi\r\n"},
                   {"from", "Dana <dana@acme.test>"},
                   {"to", "sam@relance-demo.test"},
                   {"subject", "Re: Quick question for Acme"},
                   {"text", "Alice is out; I can take the call."}});
    // Without the Parse URL's credentials: refused, nothing recorded.
    json refused = expect_problem(inbound_parse(reply, ""), 401);
    EXPECT_EQ(refused["type"], "urn:relance:problem:unauthorized");
    EXPECT_EQ(expect_problem(inbound_parse(reply, "sendgrid:guess"), 401)["type"],
              "urn:relance:problem:unauthorized");
    EXPECT_EQ(run_of("alice@acme.test")["status"], "waiting");

    json answer = body_of(inbound_parse(reply, kParseUser), 200);
    EXPECT_EQ(answer["received"], 1);
    EXPECT_EQ(answer["recorded"], 1);
    ASSERT_EQ(answer["events"].size(), 1u);
    EXPECT_EQ(answer["events"][0]["event_id"], "sendgrid:reply:r-77@acme.test");
    EXPECT_EQ(answer["events"][0]["contact"], "email:alice@acme.test");  // the run's contact
    EXPECT_EQ(answer["events"][0]["stopped"], json::array({alice["id"]}));
    json stopped = run_of("alice@acme.test");
    EXPECT_EQ(stopped["status"], "exited");
    EXPECT_NE(stopped["reason"].get<std::string>().find("replied"), std::string::npos)
        << stopped["reason"];
    EXPECT_EQ(stopped["timeline"].back()["step"], "stop_on");

    // SendGrid posts it again (a 5xx it saw, a retry): recorded once.
    json again = body_of(inbound_parse(reply, kParseUser), 200);
    EXPECT_EQ(again["recorded"], 0);
    EXPECT_EQ(again["duplicates"], 1);
    // The others go on.
    EXPECT_EQ(run_of("bruno@brightpath.test")["status"], "waiting");
    EXPECT_EQ(run_of("chloe@cobalt.test")["status"], "waiting");
}

// A signed bounce suppresses the contact and stops the run in one go; the same batch again
// (SendGrid delivers at least once) changes nothing.
TEST_F(Inbound, ASignedBounceSuppressesTheContactAndAReplayIsRecordedOnce) {
    start_runs();
    start_server();
    wait_for_intros();
    json bruno = run_of("bruno@brightpath.test");
    json events = json::array({{{"email", "bruno@brightpath.test"},
                                {"event", "processed"},
                                {"sg_event_id", "p-1"},
                                {"timestamp", std::stoll(now_seconds())},
                                {"engine_msg_id", intro_message(bruno)}},
                               {{"email", "bruno@brightpath.test"},
                                {"event", "bounce"},
                                {"type", "bounce"},
                                {"status", "5.1.1"},
                                {"reason", "550 5.1.1 user unknown"},
                                {"sg_event_id", "b-1"},
                                {"timestamp", std::stoll(now_seconds())},
                                {"engine_msg_id", intro_message(bruno)}},
                               {{"email", "chloe@cobalt.test"},
                                {"event", "delivered"},
                                {"sg_event_id", "d-1"},
                                {"timestamp", std::stoll(now_seconds())}}});
    json answer = body_of(signed_events(events), 200);
    EXPECT_EQ(answer["received"], 2);
    EXPECT_EQ(answer["recorded"], 2);
    EXPECT_EQ(answer["ignored"], 1);  // processed
    EXPECT_EQ(answer["events"][0]["stopped"], json::array({bruno["id"]}));
    EXPECT_EQ(answer["events"][0]["suppressed"]["value"], "bruno@brightpath.test");
    EXPECT_TRUE(answer["events"][1]["stopped"].empty());  // delivered stops nothing
    json list = suppressions();
    ASSERT_EQ(list.size(), 1u) << list.dump();
    EXPECT_EQ(list[0]["value"], "bruno@brightpath.test");
    EXPECT_EQ(list[0]["source"], "bounce");
    EXPECT_EQ(run_of("bruno@brightpath.test")["status"], "exited");
    EXPECT_EQ(run_of("chloe@cobalt.test")["status"], "waiting");

    json replay = body_of(signed_events(events), 200);
    EXPECT_EQ(replay["recorded"], 0);
    EXPECT_EQ(replay["duplicates"], 2);
    EXPECT_EQ(suppressions().size(), 1u);

    // A spam complaint came from the person: suppressed, locked, like an unsubscribe.
    json complaint = body_of(
        signed_events(json::array(
            {{{"email", "chloe@cobalt.test"}, {"event", "spamreport"}, {"sg_event_id", "s-1"}}})),
        200);
    EXPECT_EQ(complaint["events"][0]["suppressed"]["locked"], true) << complaint.dump();
    json after = suppressions();
    ASSERT_EQ(after.size(), 2u);
    for (const auto& entry : after) {
        if (entry["value"] == "chloe@cobalt.test") {
            EXPECT_EQ(entry["source"], "complaint");
        }
    }
}

// A request that is not SendGrid's is refused before anything of it is read: 401 as a problem,
// and nothing recorded, whatever it says.
TEST_F(Inbound, ABadSignatureIsRefusedAndChangesNothing) {
    start_runs();
    start_server();
    wait_for_intros();
    std::string body =
        json::array(
            {{{"email", "chloe@cobalt.test"}, {"event", "unsubscribe"}, {"sg_event_id", "u-1"}}})
            .dump();
    std::string ts = now_seconds();
    // Signed, then changed; signed over another timestamp; signed an hour ago; not signed.
    std::string forged = body;
    forged.replace(forged.find("chloe"), 5, "CHLOE");
    auto tampered = event_webhook(forged, ts, sandbox_signature(ts + body));
    json p = expect_problem(tampered, 401);
    EXPECT_EQ(p["type"], "urn:relance:problem:unauthorized");
    EXPECT_NE(p["detail"].get<std::string>().find("signature does not match"), std::string::npos)
        << p.dump();
    expect_problem(event_webhook(body, ts, sandbox_signature("1" + ts + body)), 401);
    std::string old = std::to_string(std::stoll(ts) - 3600);
    json stale = expect_problem(event_webhook(body, old, sandbox_signature(old + body)), 401);
    EXPECT_NE(stale["detail"].get<std::string>().find("tolerance"), std::string::npos);
    expect_problem(client().Post(kInbound, body, "application/json"), 401);

    EXPECT_TRUE(suppressions().empty());
    EXPECT_EQ(run_of("chloe@cobalt.test")["status"], "waiting");
    // The genuine one goes through.
    json answer = body_of(event_webhook(body, ts, sandbox_signature(ts + body)), 200);
    EXPECT_EQ(answer["recorded"], 1);
    EXPECT_EQ(suppressions().size(), 1u);
}

TEST_F(Inbound, UnknownPluginsAccountsAndBodiesAreRefusedClearly) {
    start_server({"--no-worker"});
    json none =
        expect_problem(client().Post("/v1/inbound/nope/default", "{}", "application/json"), 404);
    EXPECT_EQ(none["field"], "plugin");
    json noop =
        expect_problem(client().Post("/v1/inbound/noop/default", "{}", "application/json"), 404);
    EXPECT_NE(noop["detail"].get<std::string>().find("takes no callbacks"), std::string::npos);
    json account =
        expect_problem(client().Post("/v1/inbound/sendgrid/eu", "{}", "application/json"), 404);
    EXPECT_EQ(account["field"], "account");
    json media = expect_problem(client().Post(kInbound, "hello", "text/plain"), 400);
    EXPECT_EQ(media["field"], "headers.content-type");
    // A signed body that is no batch: malformed, naming the body.
    std::string ts = now_seconds();
    json bad = expect_problem(event_webhook("{\"a\":", ts, sandbox_signature(ts + "{\"a\":")), 400);
    EXPECT_EQ(bad["field"], "body");
    expect_problem(client().Get(kInbound), 405);
}

// The emulator calls back by itself, as SendGrid would: the worker's send is answered by a
// signed delivered batch (twice: at least once), a bounce for one lead and a reply by Inbound
// Parse for another, all posted to the running server.
TEST_F(Inbound, TheEmulatorDeliversItsCallbacksToTheRunningServer) {
    start_runs();
    int port = free_port();
    json sandbox = {{"callback_url", "http://127.0.0.1:" + std::to_string(port) + kInbound},
                    {"duplicate_events", true},
                    {"auto_events",
                     {{{"to", "alice@*"}, {"event", "reply"}, {"delay_ms", 200}},
                      {{"to", "bruno@*"}, {"event", "bounce"}}}}};
    start_server_at(port, {"--sandbox-config", "sendgrid=" + sandbox.dump()});
    auto until = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        std::string alice = run_of("alice@acme.test")["status"];
        std::string bruno = run_of("bruno@brightpath.test")["status"];
        if (alice == "exited" && bruno == "exited" && suppressions().size() == 1) break;
        ASSERT_LT(std::chrono::steady_clock::now(), until)
            << "alice " << alice << ", bruno " << bruno << "\n"
            << server_log();
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(run_of("alice@acme.test")["reason"].get<std::string>().find("replied"),
              std::string::npos);
    EXPECT_NE(run_of("bruno@brightpath.test")["reason"].get<std::string>().find("bounced"),
              std::string::npos);
    EXPECT_EQ(suppressions()[0]["value"], "bruno@brightpath.test");
    json chloe = run_of("chloe@cobalt.test");
    EXPECT_EQ(chloe["status"], "waiting");
    // Chloe's delivered event arrived (twice), recorded once: the stats count it once.
    ASSERT_TRUE(log_shows("POST " + kInbound + " 200", 10s)) << server_log();
    auto delivered = [&] {
        json stats = body_of(client(token).Get("/v1/stats/prospecting"), 200)["steps"];
        for (const auto& row : stats)
            if (row["step"] == "intro") return row["events"].value("delivered", 0);
        return 0;
    };
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (delivered() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(delivered(), 2) << body_of(client(token).Get("/v1/stats/prospecting"), 200).dump();
}

}  // namespace
}  // namespace relance::test
