// The workspace config file (sender accounts, limits, pools) and how `validate` checks a
// workflow's `senders` against it: every mistake with file:line:col.
#include <nlohmann/json.hpp>
#include <relance/model/config.hpp>

#include "helpers.hpp"

namespace relance::model::testing {
namespace {

const char* const kConfig = R"(senders:
  - id: alice@acme.test
    channel: email
    timezone: Europe/Paris
    with: {from: alice@acme.test, from_name: Alice}
    vars: {first_name: Alice}
    limits:
      daily_cap: 40
      per_hour: 20
      per_minute: 2
      min_gap: 90s
      gap_jitter: 1m
      per_domain_daily_cap: 5
      ramp_up: {start: 10, step_per_day: 5, max: 40, since: 2026-11-02}
  - id: bob@acme.test
    channel: email
    with: {from: bob@acme.test}
  - id: "+33612345678"
    channel: sms
pools:
  team: [alice@acme.test, bob@acme.test]
  everyone: [alice@acme.test, "+33612345678"]
)";

TEST(Config, LoadsSendersLimitsAndPools) {
    Config c = load_config_text(kConfig, "relance.yaml");
    ASSERT_EQ(c.senders.size(), 3u);
    const SenderAccount* a = c.find_sender("alice@acme.test");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->channel, "email");
    EXPECT_EQ(a->timezone, "Europe/Paris");
    EXPECT_EQ((*a->with)["from_name"], "Alice");
    EXPECT_EQ((*a->vars)["first_name"], "Alice");
    EXPECT_EQ(a->limits.daily_cap, 40);
    EXPECT_EQ(a->limits.per_hour, 20);
    EXPECT_EQ(a->limits.per_minute, 2);
    EXPECT_EQ(a->limits.min_gap, Millis{90'000});
    EXPECT_EQ(a->limits.gap_jitter, Millis{60'000});
    EXPECT_EQ(a->limits.per_domain_daily_cap, 5);
    ASSERT_TRUE(a->limits.ramp_up.has_value());
    EXPECT_EQ(a->limits.ramp_up->start, 10);
    EXPECT_EQ(a->limits.ramp_up->step_per_day, 5);
    EXPECT_EQ(a->limits.ramp_up->max, 40);
    EXPECT_TRUE(a->ramp_since_given);
    // 2026-11-02 00:00 in Paris (CET, UTC+1) = 2026-11-01T23:00Z.
    EXPECT_EQ(to_unix_ms(a->limits.ramp_up->since), 1'793'574'000'000);
    EXPECT_FALSE(c.find_sender("bob@acme.test")->limits.daily_cap.has_value());

    EXPECT_EQ(c.expand({"team"}), (std::vector<std::string>{"alice@acme.test", "bob@acme.test"}));
    std::vector<std::string> unknown;
    EXPECT_EQ(c.expand({"everyone", "team", "nobody"}, &unknown),
              (std::vector<std::string>{"alice@acme.test", "+33612345678", "bob@acme.test"}));
    EXPECT_EQ(unknown, std::vector<std::string>{"nobody"});
}

TEST(Config, AnEmptyFileHasNoSenders) {
    EXPECT_TRUE(load_config_text("", "relance.yaml").senders.empty());
    EXPECT_TRUE(load_config_text("# nothing yet\n", "relance.yaml").senders.empty());
}

TEST(Config, EveryMistakeIsReportedWithItsPosition) {
    auto ds = config_errors(R"(senders:
  - id: alice@acme.test
    channel: Email
    timezone: Europe/Pariss
    limits: {dialy_cap: 5, min_gap: 90 seconds, per_minute: -1}
  - id: alice@acme.test
  - channel: email
    limits: {ramp_up: {start: 20, max: 10}}
pools:
  team: [alice@acme.test, alicia@acme.test]
  alice@acme.test: [alice@acme.test]
sender: oops
)");
    EXPECT_TRUE(has_diag(ds, 3, 14, "channel 'Email' must be a lowercase name")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 4, 15, "Europe/Pariss")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 14, "unknown key 'dialy_cap' in limits (did you mean 'daily_cap'"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 37, "'min_gap' must be a duration")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 61, "'per_minute' must be a whole number from 0")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 9, "sender 'alice@acme.test' is declared twice")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 5, "needs a 'channel'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 5, "a sender needs an 'id'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 14, "max (10) is below its start (20)")) << dump(ds);
    EXPECT_TRUE(
        has_diag(ds, 10, 27, "unknown sender 'alicia@acme.test' (did you mean 'alice@acme.test'"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 3, "is both a pool and a sender id")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 12, 1, "unknown key 'sender' in config (did you mean 'senders'"))
        << dump(ds);
}

TEST(Config, ARampUpOrGapThatCannotHoldIsRefused) {
    auto ds = config_errors(R"(senders:
  - id: a@x.test
    channel: email
    limits: {min_gap: 20h, gap_jitter: 5h}
)");
    EXPECT_TRUE(has_diag(ds, 4, 5, "must be at most 24 h")) << dump(ds);
}

TEST(Config, AnUnreadableFileSaysSo) {
    try {
        load_config_file("/nonexistent/relance.yaml");
        FAIL() << "no error";
    } catch (const LoadError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/relance.yaml: error: cannot read"),
                  std::string::npos)
            << e.what();
    }
}

// --- validate: a workflow's senders against the config ----------------------------------------

class SendersValidation : public ::testing::Test {
  protected:
    void SetUp() override {
        ActionSpec send;
        send.plugin = "mail";
        send.name = "send";
        send.channel = "email";
        send.input_schema = json::parse(R"({"type": "object",
            "properties": {"to": {"type": "string"}, "from": {"type": "string"},
                           "subject": {"type": "string"}},
            "required": ["to", "from", "subject"], "additionalProperties": false})");
        catalog.add(send);
        ActionSpec lookup;
        lookup.plugin = "mail";
        lookup.name = "lookup";
        lookup.input_schema = json::parse(R"({"type": "object"})");
        catalog.add(lookup);
        config = load_config_text(kConfig, "relance.yaml");
    }
    std::vector<Diagnostic> check(const std::string& yaml, const Config* cfg) {
        Workflow wf = load_workflow_text(yaml, "wf.yaml");
        return validate(wf, compile(wf), catalog, cfg);
    }
    FakeCatalog catalog;
    Config config;
};

TEST_F(SendersValidation, FieldsTheSenderFillsInAreNotMissing) {
    const std::string wf = R"(name: ok
version: 1
senders: team
steps:
  - uses: mail.send
    with: {to: a@b.test, subject: "hi {{ sender.vars.first_name }} {{ sender.id }}"}
)";
    auto ds = check(wf, &config);
    EXPECT_TRUE(ds.empty()) << dump(ds);
    // Without the config it cannot know: one warning, and the fields are not judged.
    ds = check(wf, nullptr);
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 10, "senders are not checked", Diagnostic::Severity::warning))
        << dump(ds);
}

TEST_F(SendersValidation, UnknownPoolsWrongChannelsAndStrayReferencesAreErrors) {
    auto ds = check(R"(name: bad
version: 1
senders: teem
steps:
  - id: first
    uses: mail.send
    with: {to: a@b.test, subject: hi}
  - id: sms_only
    uses: mail.send
    senders: "+33612345678"
    with: {to: a@b.test, subject: hi}
  - id: lookup
    uses: mail.lookup
    senders: team
  - id: none
    uses: mail.send
    senders: none
    with: {to: a@b.test, from: me@x.test, subject: "{{ sender.id }} {{ sender.name }}"}
)",
                    &config);
    EXPECT_TRUE(has_diag(
        ds, 3, 10, "unknown sender or pool 'teem' (config relance.yaml) (did you mean 'team'"))
        << dump(ds);
    EXPECT_TRUE(
        has_diag(ds, 10, 14, "'mail.send' sends by email, but none of +33612345678 sends by email"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 14, 14, "'mail.lookup' reaches no one")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 18, 72, "'sender' is only known in a channel step")) << dump(ds);
}

TEST_F(SendersValidation, WorkflowSendersWithoutAChannelStepAreFlagged) {
    auto ds = check(R"(name: idle
version: 1
senders: team
steps:
  - uses: mail.lookup
)",
                    &config);
    EXPECT_TRUE(has_diag(ds, 3, 10, "'senders' has no effect", Diagnostic::Severity::warning))
        << dump(ds);
}

}  // namespace
}  // namespace relance::model::testing
