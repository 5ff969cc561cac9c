// What a faulty plugin costs, in both isolation modes: the same fixture .so files through the
// real host, in process and served by a real `relance plugin-host` child. Bad outputs, stray
// exceptions, deadlines, a create() that fails and invalid schemas each end as one classified
// call or one refusal, with a message naming the plugin, the action and the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/model/validate.hpp>
#include <relance/model/workflow.hpp>

#include "fault_host.hpp"

namespace fs = std::filesystem;
using namespace relance;
using host::ActionOutcome;
using host::Isolation;
using nlohmann::json;
using test::contains;
using test::FaultHost;

namespace {

using Status = ActionOutcome::Status;

class BothModes : public ::testing::TestWithParam<Isolation> {};

std::string mode_name(const ::testing::TestParamInfo<Isolation>& info) {
    return host::to_string(info.param);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Isolation, BothModes,
                         ::testing::Values(Isolation::in_process, Isolation::process), mode_name);

TEST_P(BothModes, OutputThatIsNotUsableIsAPermanentFailureNamingWhy) {
    FaultHost h({"bad_output"}, GetParam());
    ASSERT_EQ(h.plugin("bad_output").isolation(), GetParam());

    auto not_json = h.call("bad_output", "not_json");
    EXPECT_EQ(not_json.status, Status::permanent);
    EXPECT_TRUE(contains(not_json.error,
                         "plugin bad_output: not_json returned output that is "
                         "not JSON"))
        << not_json.error;
    EXPECT_TRUE(contains(not_json.error, "not repeated")) << not_json.error;

    auto not_object = h.call("bad_output", "not_object");
    EXPECT_EQ(not_object.status, Status::permanent);
    EXPECT_TRUE(contains(not_object.error, "not a JSON object (array)")) << not_object.error;

    auto violates = h.call("bad_output", "violates");
    EXPECT_EQ(violates.status, Status::permanent);
    EXPECT_TRUE(contains(violates.error, "violates its output_schema: count:")) << violates.error;

    auto conforms = h.call("bad_output", "conforms");
    ASSERT_EQ(conforms.status, Status::ok) << conforms.error;
    EXPECT_EQ(conforms.output, (json{{"count", 3}, {"id", "m-1"}}));

    auto too_big = h.call("bad_output", "too_big");
    EXPECT_EQ(too_big.status, Status::permanent);
    EXPECT_TRUE(contains(too_big.error, "larger than 1048576 bytes")) << too_big.error;

    // Bytes that are not UTF-8 cross the process boundary as they are, and are refused alike.
    auto not_utf8 = h.call("bad_output", "not_utf8");
    EXPECT_EQ(not_utf8.status, Status::permanent);
    EXPECT_TRUE(contains(not_utf8.error, "not valid UTF-8")) << not_utf8.error;

    auto future = h.call("bad_output", "unknown_status");
    EXPECT_EQ(future.status, Status::in_doubt);
    EXPECT_TRUE(contains(future.error, "status 42")) << future.error;
}

TEST_P(BothModes, AccountStatusCarriesTheProvidersMessage) {
    FaultHost h({"bad_output"}, GetParam());
    auto out = h.call("bad_output", "account");
    EXPECT_EQ(out.status, Status::account);
    EXPECT_EQ(out.error, "The provided authorization grant is invalid, expired, or revoked");
    EXPECT_STREQ(host::to_string(out.status), "account");
}

TEST_P(BothModes, StrayExceptionIsInDoubtUnlessTheActionIsSafeToRepeat) {
    FaultHost h({"stray_throw"}, GetParam());
    auto send = h.call("stray_throw", "send");
    EXPECT_EQ(send.status, Status::in_doubt);
    EXPECT_TRUE(contains(send.error, "connection pool exhausted")) << send.error;
    EXPECT_EQ(h.call("stray_throw", "lookup").status, Status::retryable);
    EXPECT_EQ(h.call("stray_throw", "classified").status, Status::permanent);
    // nlohmann's own exception inside a non-repeatable action: in doubt as well.
    EXPECT_EQ(h.call("stray_throw", "type_error", {{"n", "x"}}).status, Status::in_doubt);

    // The SDK serialises invalid UTF-8 as U+FFFD instead of failing the call.
    auto latin1 = h.call("stray_throw", "latin1");
    ASSERT_EQ(latin1.status, Status::ok) << latin1.error;
    EXPECT_EQ((*latin1.output)["name"], "Ren\xEF\xBF\xBD");

    // ...and cuts text on a character boundary: "é" is two bytes.
    auto cut = h.call("stray_throw", "cut", {{"text", "caf\xC3\xA9"}, {"max", 4}});
    ASSERT_EQ(cut.status, Status::ok) << cut.error;
    EXPECT_EQ((*cut.output)["cut"], "caf");
}

TEST_P(BothModes, ACallPastItsDeadlineIsAnsweredForThePlugin) {
    FaultHost h({"hangs"}, GetParam());
    // Deadlines are real time: 200 ms here.
    auto hung = h.call("hangs", "hang", {{"ms", 5000}}, Millis{200});
    EXPECT_EQ(hung.status, Status::in_doubt);
    EXPECT_TRUE(contains(hung.error, "plugin hangs: hang did not answer within 200 ms"))
        << hung.error;
    EXPECT_TRUE(contains(hung.error, "may have taken effect")) << hung.error;
    auto safe = h.call("hangs", "hang_safe", {{"ms", 5000}}, Millis{200});
    EXPECT_EQ(safe.status, Status::retryable);
    EXPECT_TRUE(contains(safe.error, "safe to repeat")) << safe.error;
    // The plugin still answers other calls.
    EXPECT_EQ(h.call("hangs", "quick").status, Status::ok);
}

TEST_P(BothModes, DeadlinesComeFromTheSettingsThenTheManifestThenTheHost) {
    {
        FaultHost h({"hangs", "crashy"}, GetParam());
        EXPECT_EQ(h.plugin("hangs").timeout_for("hang"), Millis{250});      // plugin-wide
        EXPECT_EQ(h.plugin("hangs").timeout_for("quick"), Millis{5000});    // the action's own
        EXPECT_EQ(h.plugin("crashy").timeout_for("echo"), Millis{60'000});  // the host default
        // The manifest's 250 ms applies when the request sets none.
        EXPECT_EQ(h.call("hangs", "hang", {{"ms", 3000}}).status, Status::in_doubt);
    }
    FaultHost h({"hangs"}, GetParam(), [](host::HostConfig& c) {
        model::PluginSettings s;
        s.name = "hangs";
        s.timeout = Millis{120};
        c.settings["hangs"] = s;
    });
    EXPECT_EQ(h.plugin("hangs").timeout_for("quick"), Millis{120});
}

TEST_P(BothModes, AReconcileThatHangsAsksAgainLater) {
    FaultHost h({"hangs"}, GetParam());
    auto rec = h.reconcile("hangs", "hang", "hang-1", Millis{200});
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->outcome, host::ReconcileOutcome::Outcome::pending);
    EXPECT_EQ(rec->retry_after, Millis{60'000});
    EXPECT_TRUE(contains(rec->reason, "reconcile did not answer within 200 ms")) << rec->reason;
    // A reconcile that answers: the SDK default cannot tell.
    auto fine = h.reconcile("hangs", "hang", "msg-2");
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->outcome, host::ReconcileOutcome::Outcome::unknown);
}

TEST_P(BothModes, APluginWhoseCreateFailsIsShownWithItsReasonEverywhere) {
    FaultHost h({"throwing_ctor", "crashy"}, GetParam());
    EXPECT_EQ(h.host->find("throwing_ctor"), nullptr);
    EXPECT_FALSE(h.host->has_plugin("throwing_ctor"));
    const host::LoadFailure* failure = nullptr;
    for (const auto& f : h.host->failures())
        if (f.plugin == "throwing_ctor") failure = &f;
    ASSERT_NE(failure, nullptr);
    EXPECT_TRUE(contains(failure->reason,
                         "create() failed: constructor refuses to start: "
                         "missing widget"))
        << failure->reason;
    EXPECT_EQ(fs::path(failure->file), test::kFaultDir / "throwing_ctor.so");

    auto problem = h.host->plugin_problem("throwing_ctor");
    ASSERT_TRUE(problem);
    EXPECT_TRUE(contains(*problem, "missing widget")) << *problem;
    EXPECT_FALSE(h.host->plugin_problem("crashy"));

    // What the executor asks before a call: never a silent wait.
    auto a = h.host->availability("throwing_ctor", h.clock.now());
    EXPECT_FALSE(a.available);
    EXPECT_TRUE(contains(a.reason, "plugin throwing_ctor failed to start: create() failed"))
        << a.reason;
    EXPECT_GT(a.retry_at, h.clock.now());
    EXPECT_TRUE(h.host->availability("crashy", h.clock.now()).available);
    EXPECT_FALSE(h.host->availability("nope", h.clock.now()).available);

    // `relance validate` fails a workflow that uses it, with the reason, at the step.
    model::Workflow wf = model::load_workflow_text(R"(name: uses-broken
version: 1
steps:
  - id: go
    uses: throwing_ctor.go
    with: {}
)",
                                                   "broken.yaml");
    auto diags = model::validate(wf, model::compile(wf), *h.host);
    ASSERT_FALSE(diags.empty());
    EXPECT_EQ(diags[0].severity, model::Diagnostic::Severity::error);
    EXPECT_TRUE(contains(diags[0].str(), "broken.yaml:5:")) << diags[0].str();
    EXPECT_TRUE(contains(diags[0].message,
                         "plugin 'throwing_ctor' in 'throwing_ctor.go' cannot "
                         "be used: it failed to start: create() failed"))
        << diags[0].message;
}

TEST_P(BothModes, ACreateThatNeverReturnsIsRefusedInTime) {
    FaultHost h({"hangs", "crashy"}, GetParam(), [](host::HostConfig& c) {
        c.plugin_config["hangs"] = json{{"hang_in_create", true}};
        // The same limit covers starting the plugin-host child and loading the library: 300 ms
        // was too short for that alone in the sanitizer build, and the load failed (by file,
        // before the plugin's name is known) instead of create().
        c.start_timeout = Millis{3000};
    });
    EXPECT_FALSE(h.host->has_plugin("hangs"));
    auto problem = h.host->plugin_problem("hangs");
    ASSERT_TRUE(problem);
    EXPECT_TRUE(contains(*problem, "create() did not return within 3000 ms")) << *problem;
    EXPECT_EQ(h.call("crashy", "echo").status, Status::ok);
}

TEST_P(BothModes, AnInvalidSchemaIsALoadError) {
    FaultHost h({"bad_schema1", "bad_schema2", "bad_schema3", "crashy"}, GetParam());
    std::map<std::string, std::string> reasons;
    for (const auto& f : h.host->failures()) reasons[fs::path(f.file).filename()] = f.reason;
    ASSERT_EQ(reasons.size(), 3u);
    EXPECT_TRUE(contains(reasons["bad_schema1.so"],
                         "invalid manifest: action 'go': \"input_schema\" is not a valid JSON "
                         "Schema: Unrecognised JSON type name 'strng'"))
        << reasons["bad_schema1.so"];
    EXPECT_TRUE(contains(reasons["bad_schema2.so"],
                         "/properties/to/pattern: pattern '^(a+)\\1$' "
                         "cannot be used"))
        << reasons["bad_schema2.so"];
    EXPECT_TRUE(contains(reasons["bad_schema3.so"], "\"output_schema\" is not a valid JSON Schema"))
        << reasons["bad_schema3.so"];
    EXPECT_TRUE(h.host->has_plugin("crashy"));
}

TEST_P(BothModes, InputsAreCheckedAgainstTheSchemaCompiledAtLoad) {
    FaultHost h({"crashy"}, GetParam(), [](host::HostConfig& c) {
        c.plugin_path.push_back(std::filesystem::path(RELANCE_PLUGIN_DIR) / "http.so");
    });
    auto& http = h.plugin("http");
    EXPECT_TRUE(http.check_input("get", {{"url", "https://example.com/"}}).empty());
    auto problems = http.check_input("get", {{"url", "ftp://example.com/"}, {"extra", 1}});
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_TRUE(contains(problems[0] + problems[1], "url: does not match the pattern '^https?://'"))
        << problems[0] << " / " << problems[1];
    auto unknown = http.check_input("nope", json::object());
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown[0], "plugin http has no action 'nope'");
}
