// A webhook trigger's secret stored with `relance secrets set` (sealed, never on the command
// line) verifies requests at a real server; the database, the CLI's listing and the server's log
// never show the value; the wrong master key is a clear failure, not a misread secret.
#include <relance/signatures/standard_webhooks.hpp>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

const std::string kFormSecret = "whsec_c3RvcmVkLXNlY3JldC1uZXZlci1sb2dnZWQ=";

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class StoredSecrets : public Api {
  protected:
    void SetUp() override {
        ::unsetenv("RELANCE_SECRET_HOOK_FORM");
        std::ofstream(dir / "form.yaml") << R"(name: web-form
version: "1"
inputs:
  email: {type: string, required: true}
triggers:
  - webhook:
      name: form
      input: {email: "{{ body.email }}"}
      signature: {scheme: standard_webhooks, secret: form}
steps:
  - id: pause
    wait: 1h
)";
        auto r = relance({"deploy", dir / "form.yaml"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    httplib::Result post_form(const std::string& id, const std::string& email) {
        std::string body = json{{"email", email}}.dump();
        auto h = signatures::sign_standard_webhook(
            kFormSecret, id, static_cast<std::int64_t>(std::time(nullptr)), body);
        httplib::Headers headers = {{"webhook-id", h.id},
                                    {"webhook-timestamp", h.timestamp},
                                    {"webhook-signature", h.signature}};
        return client().Post("/v1/hooks/form", headers, body, "application/json");
    }
};

TEST_F(StoredSecrets, AStoredHookSecretVerifiesAndIsNeverShown) {
    auto set = run_process(cmd({"secrets", "set", "hook", "form"}), kFormSecret + "\n");
    ASSERT_EQ(set.exit_code, 0) << set.err;
    EXPECT_EQ(set.out.find(kFormSecret), std::string::npos);
    EXPECT_EQ(set.err.find(kFormSecret), std::string::npos);

    auto listed = relance({"--json", "secrets", "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    json list = json::parse(listed.out);
    ASSERT_EQ(list.size(), 1u) << list;
    EXPECT_EQ(list[0]["scope"], "hook");
    EXPECT_EQ(list[0]["name"], "form");
    EXPECT_EQ(listed.out.find("whsec_"), std::string::npos);

    start_server({"--no-worker", "--log-level", "debug"});
    json started = body_of(post_form("msg_1", "ana@acme.test"), 202);
    EXPECT_EQ(started.value("outcome", ""), "started");
    // A request signed with another secret is refused.
    std::string body = R"({"email":"eve@acme.test"})";
    auto forged = signatures::sign_standard_webhook(
        "whsec_b3RoZXI=", "msg_2", static_cast<std::int64_t>(std::time(nullptr)), body);
    expect_problem(client().Post("/v1/hooks/form",
                                 {{"webhook-id", forged.id},
                                  {"webhook-timestamp", forged.timestamp},
                                  {"webhook-signature", forged.signature}},
                                 body, "application/json"),
                   401);
    EXPECT_EQ(stop_server(), 0);

    std::string db = dir / "api.db";
    std::string bytes = read_bytes(db) + read_bytes(db + "-wal");
    EXPECT_EQ(bytes.find(kFormSecret), std::string::npos);
    EXPECT_EQ(bytes.find("c3RvcmVkLXNlY3JldC1uZXZlci1sb2dnZWQ"), std::string::npos);
    EXPECT_EQ(server_log().find(kFormSecret), std::string::npos);
}

TEST_F(StoredSecrets, TheWrongMasterKeyIsAFailureThatNamesItNotTheSecret) {
    auto set = run_process(cmd({"secrets", "set", "hook", "form"}), kFormSecret);
    ASSERT_EQ(set.exit_code, 0) << set.err;
    // Another key, in a file the operator names.
    std::string other = dir / "other.key";
    std::ofstream(other) << "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n";
    start_server({"--no-worker", "--master-key-file", other});
    json p = expect_problem(post_form("msg_1", "ana@acme.test"), 500);
    EXPECT_EQ(p.dump().find(kFormSecret), std::string::npos);
    EXPECT_TRUE(log_shows("another master key")) << server_log();
    EXPECT_EQ(server_log().find(kFormSecret), std::string::npos);
}

TEST_F(StoredSecrets, BadSecretCommandsAreUsageOrInvalid) {
    EXPECT_EQ(run_process(cmd({"secrets", "set", "hook", "form"}), "").exit_code, 2);
    EXPECT_EQ(run_process(cmd({"secrets", "set", "no such", "form"}), "x").exit_code, 2);
    EXPECT_EQ(relance({"secrets", "delete", "hook", "absent"}).exit_code, 3);
    EXPECT_EQ(relance({"secrets", "set", "hook"}).exit_code, 64);
    auto help = relance({"secrets", "set", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("stdin"), std::string::npos);
}

// A plugin credential stored with `relance secrets set` (never in the environment) reaches the
// worker's live calls: the worker takes the workspace's plugins and secret source, as the
// inbound routes do. A loopback receiver stands in for SendGrid (the plugin's base_url).
TEST_F(StoredSecrets, AStoredPluginCredentialReachesTheWorkersLiveCalls) {
    ::unsetenv("RELANCE_SECRET_SENDGRID_API_KEY");
    const std::string kApiKey = "SG.stored-credential-for-the-worker";
    std::mutex m;
    std::vector<std::string> authorizations;
    httplib::Server provider;
    provider.Post("/v3/mail/send", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard g(m);
        authorizations.push_back(req.get_header_value("Authorization"));
        res.status = 202;
        res.set_header("X-Message-Id", "sg-" + std::to_string(authorizations.size()));
    });
    int port = provider.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { provider.listen_after_bind(); });
    struct Stop {
        httplib::Server& server;
        std::thread& thread;
        ~Stop() {
            server.stop();
            if (thread.joinable()) thread.join();
        }
    } stop_provider{provider, serving};

    auto set = run_process(cmd({"secrets", "set", "sendgrid", "api_key"}), kApiKey + "\n");
    ASSERT_EQ(set.exit_code, 0) << set.err;
    std::ofstream(dir / "send.yaml") << R"(name: send-one
version: "1"
inputs:
  email: {type: string, required: true}
steps:
  - uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: a@x.test, subject: hi, text: hello}
)";
    std::ofstream(dir / "one.csv") << "email\nana@acme.test\n";
    std::string plugin_config =
        "sendgrid=" + json{{"base_url", "http://127.0.0.1:" + std::to_string(port)}}.dump();
    auto started = relance({"--live", "--plugin-config", plugin_config, "run", dir / "send.yaml",
                            "--input", dir / "one.csv"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    auto worked =
        relance({"--live", "--plugin-config", plugin_config, "--json", "worker", "--until-idle"});
    ASSERT_EQ(worked.exit_code, 0) << worked.err;
    EXPECT_EQ(json::parse(worked.out)["actions"], 1) << worked.out << worked.err;
    EXPECT_EQ(authorizations, std::vector<std::string>{"Bearer " + kApiKey});
    EXPECT_EQ(worked.err.find(kApiKey), std::string::npos);
}

}  // namespace
}  // namespace relance::test
