// `triggers:`: webhooks and cron entries parsed, and every mistake reported where it is written.
#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

TEST(Triggers, ParsesWebhooksAndCrons) {
    Workflow wf = load_workflow_text(R"(name: t
version: 1
inputs:
  email: {type: string, required: true}
  first_name: {type: string}
triggers:
  - webhook:
      name: new-lead
      input:
        email: "{{ body.email }}"
        first_name: "{{ body.name | headers.x-name | \"there\" }}"
      idempotency_key: "{{ body.lead_id }}"
      signature: {scheme: hmac_sha256, secret: crm_hook, header: X-Hub-Signature-256, prefix: "sha256="}
  - webhook:
      name: open-form
      signature: {scheme: none}
      allow_unsigned: true
  - cron: "0 9 * * mon-fri"
    timezone: Europe/Paris
    missed: run_once
    input: {email: ops@acme.test}
steps:
  - set: {a: 1}
)",
                                     "t.yaml");
    ASSERT_EQ(wf.triggers.webhooks.size(), 2u);
    const auto& w = wf.triggers.webhooks[0];
    EXPECT_EQ(w.name, "new-lead");
    ASSERT_EQ(w.input.size(), 2u);
    EXPECT_EQ(w.input[0].first, "email");
    EXPECT_EQ(w.input[0].second, "{{ body.email }}");
    EXPECT_EQ(w.idempotency_key, "{{ body.lead_id }}");
    EXPECT_EQ(w.scheme, "hmac_sha256");
    EXPECT_EQ(w.secret, "crm_hook");
    EXPECT_EQ(w.scheme_options.size(), 2u);
    EXPECT_FALSE(w.allow_unsigned);
    EXPECT_EQ(w.pos.line, 7);
    EXPECT_TRUE(wf.triggers.webhooks[1].allow_unsigned);
    EXPECT_EQ(wf.triggers.webhooks[1].scheme, "none");
    ASSERT_EQ(wf.triggers.crons.size(), 1u);
    EXPECT_EQ(wf.triggers.crons[0].spec, "0 9 * * mon-fri");
    EXPECT_EQ(wf.triggers.crons[0].timezone, "Europe/Paris");
    EXPECT_EQ(wf.triggers.crons[0].missed, MissedFire::run_once);
    EXPECT_EQ(wf.triggers.crons[0].input_json, R"({"email":"ops@acme.test"})");
}

TEST(Triggers, MistakesAreReportedWhereTheyAre) {
    auto ds = load_errors(R"(name: t
version: 1
inputs:
  email: {type: string}
triggers:
  - webhook:
      name: Lead
      input: {emial: "{{ body.email }}"}
      signature: {scheme: stripe}
  - webhook:
      name: open
      signature: {scheme: none}
  - webhook:
      name: x
      signature: {scheme: hmac_sha256, secret: s}
  - webhook:
      name: y
      input: {email: "{{ contact.email }}"}
      signature: {scheme: standard_webhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
  - cron: "0 9 * * mun"
  - cron: "@daily"
    missed: later
    timezone: Europe/Pariss
  - webhok: {}
steps:
  - set: {a: 1}
)");
    EXPECT_TRUE(has_diag(ds, 7, 13, "must be 1 to 64 lowercase")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 5, "'emial', which is not one of the workflow's inputs"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 5, "did you mean 'email'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 7, "needs 'secret'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 5, "allow_unsigned: true")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 7, "header")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 18, 22, "reads body, headers or query, not 'contact'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 19, 54, "never written here")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 20, 20, "invalid cron expression")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 22, 13, "'missed' is skip or run_once")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 23, 15, "Europe/Pariss")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 24, 5, "needs 'webhook:' or 'cron:'")) << dump(ds);
}

TEST(Triggers, HookNamesAreUniqueInAWorkflow) {
    auto ds = load_errors(R"(name: t
version: 1
triggers:
  - webhook: {name: a, signature: {scheme: none}, allow_unsigned: true}
  - webhook: {name: a, signature: {scheme: none}, allow_unsigned: true}
steps:
  - set: {a: 1}
)");
    EXPECT_TRUE(has_diag(ds, 5, 21, "declared twice")) << dump(ds);
}

}  // namespace
