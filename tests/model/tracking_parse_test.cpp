// `track:` in workflows and `tracking:` in the workspace config (docs/tracking.md): what they
// load to, and every mistake at its file:line:col.
#include <relance/model/config.hpp>

#include "helpers.hpp"

namespace relance::model::testing {
namespace {

TEST(TrackingParse, WorkflowAndStepTrackAndTransactional) {
    Workflow wf = load_workflow_text(R"(name: t
version: 1
track: {opens: true, clicks: false}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: a@b.test}
  - id: receipt
    uses: sendgrid.send
    transactional: true
    track: {clicks: true}
    with: {to: a@b.test}
)",
                                     "wf.yaml");
    EXPECT_EQ(wf.track.opens, true);
    EXPECT_EQ(wf.track.clicks, false);
    ASSERT_EQ(wf.steps.size(), 2u);
    EXPECT_FALSE(wf.steps[0].transactional);
    EXPECT_FALSE(wf.steps[0].track.opens.has_value());
    EXPECT_TRUE(wf.steps[1].transactional);
    EXPECT_EQ(wf.steps[1].track.clicks, true);
    EXPECT_FALSE(wf.steps[1].track.opens.has_value());
}

TEST(TrackingParse, WorkflowMistakesAreReportedWithTheirPosition) {
    auto ds = load_errors(R"(name: t
version: 1
track: {opens: yes please, click: true}
steps:
  - uses: sendgrid.send
    transactional: maybe
    track: true
  - wait: 1d
    track: {opens: true}
)");
    EXPECT_TRUE(has_diag(ds, 3, 16, "'opens' must be true or false")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 28, "unknown key 'click' in track")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 20, "'transactional' must be true or false")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 12, "'track' must be a mapping")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 5, "'track' is not allowed on a 'wait' step")) << dump(ds);
}

TEST(TrackingParse, ConfigTracking) {
    Config c = load_config_text(R"(tracking:
  base_url: https://t.acme.test/
  scanner_window: 30s
  trust_forwarded_for: true
)",
                                "relance.yaml");
    EXPECT_EQ(c.tracking.base_url, "https://t.acme.test");  // the trailing '/' dropped
    EXPECT_EQ(c.tracking.scanner_window, std::chrono::seconds(30));
    EXPECT_TRUE(c.tracking.trust_forwarded_for);
    Config none = load_config_text("senders: []\n", "relance.yaml");
    EXPECT_TRUE(none.tracking.base_url.empty());
    EXPECT_EQ(none.tracking.scanner_window, std::chrono::seconds(10));
    EXPECT_EQ(load_config_text("tracking: {scanner_window: 0}\n", "r").tracking.scanner_window,
              std::chrono::seconds(0));
}

TEST(TrackingParse, ConfigMistakesAreReportedWithTheirPosition) {
    auto ds = config_errors(R"(tracking:
  base_url: "ftp://t.acme.test"
  scanner_window: 2d
  trust_forwarded_for: 1
  base: x
)");
    EXPECT_TRUE(has_diag(ds, 2, 13, "'base_url' must be an http:// or https:// URL")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 19, "'scanner_window' must be a duration from 0 to 1h"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 4, 24, "'trust_forwarded_for' must be true or false")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 3, "unknown key 'base' in tracking")) << dump(ds);
    for (const char* bad :
         {"https://t.acme.test/a b", "https://t.acme.test/?x=1", "https://\"evil\"", "https://"}) {
        auto d = config_errors(std::string("tracking:\n  base_url: '") + bad + "'\n");
        EXPECT_TRUE(has_diag(d, 2, 13, "'base_url' must be")) << bad << "\n" << dump(d);
    }
    auto not_a_map = config_errors("tracking: [x]\n");
    EXPECT_TRUE(has_diag(not_a_map, 1, 11, "'tracking' must be a mapping")) << dump(not_a_map);
}

}  // namespace
}  // namespace relance::model::testing
