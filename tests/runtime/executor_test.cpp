// The executor against real parts: SQLite file, real plugins (noop, sendgrid with its emulator on
// loopback), virtual time. Workflows are written inline.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <relance/expr/template.hpp>
#include <relance/runtime/contact_events.hpp>
#include <set>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

// ---------------------------------------------------------------------------------------------
// 1. Built-in steps, the timeline, and a timer on the virtual clock.

const char* const kBuiltins = R"(
name: builtins
version: 1
inputs:
  email: {type: string, required: true}
  score: {type: integer, default: 5}
steps:
  - id: greet
    set:
      greeting: 'Hi {{ contact.email }}'
  - id: calc
    lua: |
      return { double = inputs.score * 2 }
  - id: branch
    if: "steps.calc.output.double > 8"
    then:
      - id: high
        set: {tier: high}
    else:
      - id: low
        set: {tier: low}
  - id: pause
    wait: 2h
  - id: finish
    exit: all done
  - id: never
    set: {reached: true}
)";

TEST(Executor, BuiltinsRunToTheEndWithTimeline) {
    RuntimeEnv env;
    auto started = env.start(kBuiltins, {json{{"email", "a@x.test"}, {"score", 7}},
                                         json{{"email", "b@x.test"}, {"score", 1}}});
    ASSERT_EQ(started.started.size(), 2u);
    const std::string high = started.started[0], low = started.started[1];
    std::int64_t t0 = env.now();

    env.executor->run_due();
    for (const auto& id : {high, low}) {
        auto run = env.run(id);
        EXPECT_EQ(run.status, RunStatus::waiting) << run.reason;
        ASSERT_TRUE(run.due_at.has_value());
        EXPECT_EQ(*run.due_at, t0 + 2 * kHour);
    }
    EXPECT_EQ(statuses(env.steps(high)),
              "greet:done calc:done branch:done high:done pause:waiting");
    EXPECT_EQ(statuses(env.steps(low)), "greet:done calc:done branch:done low:done pause:waiting");
    auto branch = env.steps_of(high, "branch");
    ASSERT_EQ(branch.size(), 1u);
    EXPECT_NE(branch[0].detail.find("condition true"), std::string::npos) << branch[0].detail;
    EXPECT_NE(env.steps_of(low, "branch")[0].detail.find("condition false"), std::string::npos);
    auto calc = env.steps_of(high, "calc");
    EXPECT_EQ(calc[0].output, (json{{"double", 14}}));
    auto run = env.run(high);
    EXPECT_EQ((*run.context)["vars"]["greeting"], "Hi a@x.test");
    EXPECT_EQ((*run.context)["vars"]["tier"], "high");
    EXPECT_EQ((*env.run(low).context)["vars"]["tier"], "low");

    // Nothing is due before the timer: the runs stay where they are.
    env.clock.advance(Millis{2 * kHour - 1});
    EXPECT_EQ(env.executor->run_due(), 0u);
    EXPECT_EQ(env.run(high).status, RunStatus::waiting);

    env.clock.advance(Millis{1});
    EXPECT_EQ(env.executor->run_due(), 2u);
    for (const auto& id : {high, low}) {
        auto r = env.run(id);
        EXPECT_EQ(r.status, RunStatus::exited);
        EXPECT_EQ(r.reason, "all done");
        EXPECT_FALSE(r.due_at.has_value());
        auto s = env.steps(id);
        ASSERT_FALSE(s.empty());
        EXPECT_EQ(s.back().step_id, "finish");
        EXPECT_TRUE(env.steps_of(id, "never").empty());
        EXPECT_FALSE((*r.context)["vars"].contains("reached"));
    }
    EXPECT_FALSE(env.store->next_due().has_value());
}

const char* const kOutputs = R"(
name: outputs
version: 1
custom_events: [meeting_booked]
inputs:
  email: {type: string, required: true}
steps:
  - id: look
    uses: noop.pass
    with: {n: 41, to: "{{ contact.email }}"}
  - id: calc
    lua: |
      return { double = 2 }
  - id: hear
    wait_for: [meeting_booked]
    timeout: 1d
  - id: pause
    wait: 2h
  - id: use
    set:
      n: "{{ steps.look.output.echo.n }}"
      double: "{{ steps.calc.output.double }}"
      said: "{{ steps.hear.output.data.text }}"
)";

// A step's output is stored once, in its row; the run's context names the row. A later claim
// (here: after a wait, by another executor) reads the outputs back for its templates, and
// `restore_step_outputs` gives the context as the steps saw it.
TEST(Executor, StepOutputsAreStoredOnceAndReadBackAfterAWait) {
    RuntimeEnv env;
    auto id = env.start_one(kOutputs, json{{"email", "ana@acme.test"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting);
    runtime::record_contact_event(*env.store, "ana@acme.test", "meeting_booked", "evt-1", env.now(),
                                  json{{"text", "tell me more"}}, env.clock);
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting) << env.run(id).reason;  // the 2h wait

    // On disk: the context holds each output's row, the rows hold the outputs.
    json stored = *env.run(id).context;
    EXPECT_FALSE(stored.contains("vars")) << "empty parts are left out: " << stored.dump();
    for (const char* step : {"look", "calc", "hear"}) {
        const json& state = stored["steps"][step];
        ASSERT_TRUE(state.is_number_integer()) << step << ": " << state.dump();
        auto row = state.get<std::int64_t>();
        auto rows = env.steps_of(id, step);
        ASSERT_FALSE(rows.empty()) << step;
        EXPECT_EQ(rows.back().seq, row) << step;
        EXPECT_FALSE(rows.back().output->is_null()) << step;
    }
    json context = stored;
    auto rows = runtime::restore_step_outputs(*env.store, id, context);
    EXPECT_EQ(rows.size(), 3u);
    EXPECT_EQ(context["steps"]["look"]["output"]["echo"]["n"], 41);
    EXPECT_EQ(context["steps"]["calc"]["output"], (json{{"double", 2}}));
    EXPECT_EQ(context["steps"]["hear"]["output"]["data"]["text"], "tell me more");

    env.use_options({});  // a new executor: nothing is remembered in memory
    env.clock.advance(Millis{2 * kHour});
    env.drive();
    auto done = env.run(id);
    ASSERT_EQ(done.status, RunStatus::completed) << done.reason;
    EXPECT_EQ((*done.context)["vars"]["n"], 41);
    EXPECT_EQ((*done.context)["vars"]["double"], 2);
    EXPECT_EQ((*done.context)["vars"]["said"], "tell me more");
    EXPECT_EQ((*done.context)["steps"]["look"], stored["steps"]["look"]);
}

// A `when` false skips the step; the timeline says why.
TEST(Executor, WhenFalseSkips) {
    RuntimeEnv env;
    auto id = env.start_one(R"(
name: when
version: 1
steps:
  - id: maybe
    when: "1 > 2"
    set: {x: 1}
  - id: sure
    set: {y: 2}
)");
    env.drive();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    EXPECT_EQ(statuses(env.steps(id)), "maybe:skipped sure:done");
}

// ---------------------------------------------------------------------------------------------
// 2. Idempotent start.

const char* const kNeedsEmail = R"(
name: needs_email
version: 1
inputs:
  email: {type: string, required: true}
  id: string
steps:
  - id: s
    set: {x: 1}
)";

TEST(Runs, StartIsIdempotent) {
    RuntimeEnv env;
    std::vector<json> records = {json{{"id", "lead-1"}, {"email", "a@x.test"}},
                                 json{{"email", "b@x.test"}}, json{{"id", "lead-3"}}};
    model::Workflow wf = env.load(kNeedsEmail);
    auto first = runtime::start_runs(*env.store, wf, records, {"f:2", "f:3", "f:4"}, env.clock);
    ASSERT_EQ(first.started.size(), 2u);
    EXPECT_TRUE(first.duplicates.empty());
    ASSERT_EQ(first.rejected.size(), 1u);
    EXPECT_EQ(first.rejected[0].index, 3u);
    EXPECT_EQ(first.rejected[0].where, "f:4");
    ASSERT_FALSE(first.rejected[0].problems.empty());
    EXPECT_EQ(first.rejected[0].problems[0].field, "email");

    EXPECT_EQ(env.run(first.started[0]).idempotency_key, "id:lead-1");
    std::string hashed = env.run(first.started[1]).idempotency_key;
    EXPECT_EQ(hashed.rfind("sha256:", 0), 0u) << hashed;
    EXPECT_EQ(hashed, runtime::idempotency_key(records[1]));
    // Equal content, equal key; other content, other key.
    EXPECT_EQ(runtime::idempotency_key(json{{"email", "b@x.test"}}), hashed);
    EXPECT_NE(runtime::idempotency_key(json{{"email", "c@x.test"}}), hashed);

    auto second = runtime::start_runs(*env.store, wf, records, {}, env.clock);
    EXPECT_TRUE(second.started.empty());
    EXPECT_EQ(std::set<std::string>(second.duplicates.begin(), second.duplicates.end()),
              (std::set<std::string>{"id:lead-1", hashed}));
    EXPECT_EQ(env.store->count_runs().total, 2);

    // The same id with different content is still the same lead.
    auto third = env.start(kNeedsEmail, {json{{"id", "lead-1"}, {"email", "new@x.test"}}});
    EXPECT_TRUE(third.started.empty());
    EXPECT_EQ(third.duplicates.size(), 1u);
    EXPECT_EQ(env.store->count_runs().total, 2);
}

// ---------------------------------------------------------------------------------------------
// 3. Retries with backoff, and on_error once attempts are exhausted.

std::string flaky(int times, const std::string& on_error = "") {
    std::string y = R"(
name: flaky
version: 1
steps:
  - id: flaky
    uses: noop.fail
    with: {status: retryable, times: )" +
                    std::to_string(times) + R"(}
    retry: {attempts: 3, backoff: 1m, jitter: 0}
)";
    if (!on_error.empty()) y += "    on_error: " + on_error + "\n";
    y += R"(  - id: skipped_by_goto
    set: {middle: true}
  - id: recover
    set: {recovered: true}
)";
    return y;
}

TEST(Executor, RetryableSucceedsOnThirdAttemptWithBackoff) {
    RuntimeEnv env;
    auto id = env.start_one(flaky(2));
    std::int64_t t0 = env.now();

    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(run.attempt, 2);
    EXPECT_EQ(*run.due_at, t0 + 1 * kMinute);
    EXPECT_EQ(env.executor->run_due(), 0u);  // not due yet

    env.clock.set(from_unix_ms(*run.due_at));
    env.executor->run_due();
    run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(run.attempt, 3);
    EXPECT_EQ(*run.due_at, t0 + 1 * kMinute + 2 * kMinute);

    env.clock.set(from_unix_ms(*run.due_at));
    env.executor->run_due();
    run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    auto s = env.steps_of(id, "flaky");
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].status, store::StepStatus::retry);
    EXPECT_EQ(s[0].attempt, 1);
    EXPECT_EQ(s[1].status, store::StepStatus::retry);
    EXPECT_EQ(s[1].attempt, 2);
    EXPECT_EQ(s[2].status, store::StepStatus::succeeded);
    EXPECT_EQ(s[2].attempt, 3);
    EXPECT_EQ(s[2].output, (json{{"attempts", 3}}));
    // One message id for every attempt of the step.
    EXPECT_FALSE(s[0].message_id.empty());
    EXPECT_EQ(s[0].message_id, s[2].message_id);
    EXPECT_EQ(env.executor->stats().actions, 3u);
}

TEST(Executor, RetriesExhaustedOnErrorFail) {
    RuntimeEnv env;
    auto id = env.start_one(flaky(5));
    env.drive();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::failed);
    EXPECT_NE(run.reason.find("flaky"), std::string::npos) << run.reason;
    EXPECT_NE(run.reason.find("3 attempts"), std::string::npos) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "flaky:retry flaky:retry flaky:failed");
    EXPECT_EQ(env.executor->stats().actions, 3u);
}

TEST(Executor, RetriesExhaustedOnErrorContinue) {
    RuntimeEnv env;
    auto id = env.start_one(flaky(5, "continue"));
    env.drive();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)),
              "flaky:retry flaky:retry flaky:failed skipped_by_goto:done recover:done");
    EXPECT_EQ((*run.context)["steps"]["flaky"]["status"], "failed");
}

TEST(Executor, RetriesExhaustedOnErrorGoto) {
    RuntimeEnv env;
    auto id = env.start_one(flaky(5, "{goto: recover}"));
    env.drive();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "flaky:retry flaky:retry flaky:failed recover:done");
    EXPECT_EQ((*run.context)["vars"]["recovered"], true);
    EXPECT_FALSE((*run.context)["vars"].contains("middle"));
}

// ---------------------------------------------------------------------------------------------
// 4. Rate limits wait for retry-after and do not spend attempts.

TEST(Executor, RateLimitedWaitsRetryAfterWithoutSpendingAttempts) {
    RuntimeEnv env;
    // attempts: 1 — a rate limit must not be counted as a failed attempt, or this would fail.
    auto id = env.start_one(R"(
name: limited
version: 1
steps:
  - id: call
    uses: noop.fail
    with: {status: rate_limited, times: 1, retry_after_ms: 90000}
  - id: after
    set: {ok: true}
)");
    std::int64_t t0 = env.now();
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting) << run.reason;
    EXPECT_EQ(*run.due_at, t0 + 90'000);
    EXPECT_EQ(run.attempt, 1);
    auto s = env.steps_of(id, "call");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].status, store::StepStatus::rate_limited);
    EXPECT_NE(s[0].detail.find("not counted"), std::string::npos) << s[0].detail;

    env.clock.advance(Millis{89'999});
    EXPECT_EQ(env.executor->run_due(), 0u);
    env.clock.advance(Millis{1});
    EXPECT_EQ(env.executor->run_due(), 1u);
    run = env.run(id);
    // noop.fail fails while attempt <= times: the attempt number stayed 1, so it was limited
    // again (with the sendgrid test below, a rate limit followed by success).
    EXPECT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(run.attempt, 1);
    EXPECT_EQ(*run.due_at, t0 + 180'000);
    s = env.steps_of(id, "call");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[1].status, store::StepStatus::rate_limited);
    EXPECT_EQ(s[1].attempt, 1);
    EXPECT_EQ(s[1].started_at, t0 + 90'000);
}

// A `call` step that fails once with `status` (then would succeed), with `attempts` allowed,
// followed by an `after` step.
std::string failing_call(const std::string& status, int attempts) {
    return "name: " + status +
           "\nversion: 1\nsteps:\n  - id: call\n    uses: noop.fail\n"
           "    with: {status: " +
           status + ", times: 1}\n    retry: {attempts: " + std::to_string(attempts) +
           ", backoff: 1m}\n  - id: after\n    set: {ok: true}\n";
}

// ---------------------------------------------------------------------------------------------
// 5. Permanent errors are not retried.

TEST(Executor, PermanentErrorAppliesOnErrorAtOnce) {
    RuntimeEnv env;
    std::string yaml = failing_call("permanent", 5);
    auto id = env.start_one(yaml);
    env.executor->run_due();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::failed);
    EXPECT_NE(run.reason.find("call"), std::string::npos) << run.reason;
    EXPECT_NE(run.reason.find("permanent"), std::string::npos) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "call:failed");
    EXPECT_EQ(env.executor->stats().actions, 1u);
    EXPECT_FALSE(env.store->next_due().has_value());

    // With on_error: continue the run goes on, still after a single call.
    RuntimeEnv env2;
    std::string cont = yaml;
    cont.insert(cont.find("  - id: after"), "    on_error: continue\n");
    auto id2 = env2.start_one(cont);
    env2.drive();
    EXPECT_EQ(env2.run(id2).status, RunStatus::completed);
    EXPECT_EQ(statuses(env2.steps(id2)), "call:failed after:done");
    EXPECT_EQ(env2.executor->stats().actions, 1u);
}

// ---------------------------------------------------------------------------------------------
// 6. In doubt: paused for a human, settled with resolve.

const std::string kInDoubt = failing_call("in_doubt", 3);

TEST(Executor, InDoubtPausesAndResolveSentMovesOn) {
    RuntimeEnv env;
    auto id = env.start_one(kInDoubt);
    env.drive();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::paused);
    EXPECT_NE(run.reason.find("in doubt"), std::string::npos) << run.reason;
    EXPECT_NE(run.reason.find("relance runs resolve " + id), std::string::npos) << run.reason;
    EXPECT_TRUE(env.store->pending_effects(run.id).empty());
    EXPECT_EQ(statuses(env.steps(id)), "call:in_doubt");
    EXPECT_EQ(env.executor->stats().actions, 1u);
    EXPECT_FALSE(env.store->next_due().has_value());  // a paused run is not scheduled

    runtime::resolve_in_doubt(*env.store, id, runtime::Resolution::sent, env.clock);
    env.drive();
    run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "call:in_doubt call:resolved after:done");
    EXPECT_EQ(env.executor->stats().actions, 1u);  // not called again
    EXPECT_EQ((*run.context)["steps"]["call"]["resolved"], "sent");

    // Only a paused run can be resolved.
    EXPECT_THROW(runtime::resolve_in_doubt(*env.store, id, runtime::Resolution::sent, env.clock),
                 std::runtime_error);
}

TEST(Executor, InDoubtResolveRetryCallsAgain) {
    RuntimeEnv env;
    auto id = env.start_one(kInDoubt);
    env.drive();
    ASSERT_EQ(env.run(id).status, RunStatus::paused);
    runtime::resolve_in_doubt(*env.store, id, runtime::Resolution::retry, env.clock);
    EXPECT_EQ(env.run(id).status, RunStatus::ready);
    env.drive();
    EXPECT_EQ(env.executor->stats().actions, 2u);
    // noop.fail is still in doubt on attempt 1: paused again, after a second real call.
    EXPECT_EQ(statuses(env.steps(id)), "call:in_doubt call:resolved call:in_doubt");
    EXPECT_EQ(env.run(id).status, RunStatus::paused);
}

// ---------------------------------------------------------------------------------------------
// 7. Templates: a hole is never sent.

std::string mail(const std::string& subject) {
    return R"(
name: mail
version: 1
inputs:
  email: {type: string, required: true}
  nickname: string
steps:
  - id: send
    uses: sendgrid.send
    with:
      to: "{{ contact.email }}"
      from: sam@relance-demo.test
      subject: ")" +
           subject + R"("
      text: "Hello"
    retry: {attempts: 3, backoff: 1m}
  - id: after
    set: {ok: true}
)";
}

TEST(Executor, UnresolvedVariableFailsTheStepWithoutCalling) {
    RuntimeEnv env;
    auto id = env.start_one(mail("Hi {{ contact.nickname }}"), json{{"email", "a@x.test"}});
    env.drive();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::failed);
    EXPECT_NE(run.reason.find("contact.nickname"), std::string::npos) << run.reason;
    EXPECT_NE(run.reason.find("send"), std::string::npos) << run.reason;
    auto s = env.steps_of(id, "send");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].status, store::StepStatus::failed);
    EXPECT_NE(s[0].detail.find("contact.nickname"), std::string::npos);
    EXPECT_TRUE(env.outbox().empty());
    EXPECT_EQ(env.executor->stats().actions, 0u);
}

TEST(Executor, FallbackRenders) {
    RuntimeEnv env;
    auto id = env.start_one(mail("Hi {{ contact.nickname | \\\"friend\\\" }}"),
                            json{{"email", "a@x.test"}});
    env.drive();
    EXPECT_EQ(env.run(id).status, RunStatus::completed) << env.run(id).reason;
    auto out = env.outbox();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ((*out[0].entry)["subject"], "Hi friend");
}

// ---------------------------------------------------------------------------------------------
// 8. A run stays pinned to the version it started on.

std::string versioned(const std::string& version, const std::string& label) {
    return R"(
name: pinned
version: )" +
           version + R"(
steps:
  - id: pause
    wait: 1h
  - id: mark
    set: {label: )" +
           label + R"(}
)";
}

TEST(Executor, RunsStayOnTheirVersion) {
    RuntimeEnv env;
    auto old_run = env.start_one(versioned("1", "one"), json{{"id", "a"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(old_run).status, RunStatus::waiting);

    // The file is edited: a new version, and the same version number with new text.
    auto new_run = env.start_one(versioned("2", "two"), json{{"id", "b"}});
    auto same_number = env.start_one(versioned("1", "edited"), json{{"id", "c"}});
    EXPECT_NE(env.run(old_run).workflow_version_id, env.run(new_run).workflow_version_id);
    EXPECT_NE(env.run(old_run).workflow_version_id, env.run(same_number).workflow_version_id);

    env.drive();
    EXPECT_EQ(env.run(old_run).status, RunStatus::completed);
    EXPECT_EQ((*env.run(old_run).context)["vars"]["label"], "one");
    EXPECT_EQ((*env.run(new_run).context)["vars"]["label"], "two");
    EXPECT_EQ((*env.run(same_number).context)["vars"]["label"], "edited");
    auto v = env.store->get_workflow_version(env.run(old_run).workflow_version_id);
    ASSERT_TRUE(v.has_value());
    EXPECT_NE(v->source.find("label: one"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// 9. SendGrid through the executor, against its emulator.

TEST(Sendgrid, OutboxCarriesTheEngineMessageId) {
    RuntimeEnv env;
    auto started =
        env.start(mail("Hello"), {json{{"email", "a@x.test"}}, json{{"email", "b@x.test"}}});
    ASSERT_EQ(started.started.size(), 2u);
    env.drive();
    auto out = env.outbox();
    ASSERT_EQ(out.size(), 2u);
    std::set<std::string> seen;
    for (const auto& id : started.started) {
        EXPECT_EQ(env.run(id).status, RunStatus::completed);
        auto s = env.steps_of(id, "send");
        ASSERT_EQ(s.size(), 1u);
        EXPECT_EQ(s[0].status, store::StepStatus::succeeded);
        ASSERT_FALSE(s[0].message_id.empty());
        auto it = std::find_if(out.begin(), out.end(), [&](const store::SandboxEntry& e) {
            return (*e.entry)["engine_run_id"] == id;
        });
        ASSERT_NE(it, out.end());
        EXPECT_EQ((*it->entry)["custom_args"]["engine_msg_id"], s[0].message_id);
        EXPECT_EQ((*it->entry)["engine_msg_id"], s[0].message_id);
        EXPECT_EQ((*s[0].output)["engine_msg_id"], s[0].message_id);
        EXPECT_EQ((*s[0].output)["provider_message_id"], (*it->entry)["provider_message_id"]);
        seen.insert(s[0].message_id);
    }
    EXPECT_EQ(seen.size(), 2u);
}

TEST(Sendgrid, RateLimit429WaitsRetryAfterThenSendsOnce) {
    RuntimeEnv env(
        {{"sendgrid", json::parse(R"({"fail_next":[{"status":429,"retry_after":"2"}]})")}});
    auto id = env.start_one(mail("Hello"), json{{"email", "a@x.test"}});
    std::int64_t t0 = env.now();
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting) << run.reason;
    EXPECT_EQ(*run.due_at, t0 + 2000);
    EXPECT_EQ(run.attempt, 1);
    EXPECT_TRUE(env.outbox().empty());
    EXPECT_EQ(env.steps_of(id, "send").at(0).status, store::StepStatus::rate_limited);

    env.clock.advance(Millis{1999});
    EXPECT_EQ(env.executor->run_due(), 0u);
    env.clock.advance(Millis{1});
    env.executor->run_due();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    auto s = env.steps_of(id, "send");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[1].status, store::StepStatus::succeeded);
    EXPECT_EQ(s[1].attempt, 1);
    EXPECT_EQ(s[0].message_id, s[1].message_id);
    ASSERT_EQ(env.outbox().size(), 1u);
    EXPECT_EQ((*env.outbox()[0].entry)["engine_msg_id"], s[1].message_id);
}

TEST(Sendgrid, ServerErrorRetriedWithBackoff) {
    RuntimeEnv env({{"sendgrid", json::parse(R"({"fail_next":[{"status":503},{"status":503}]})")}});
    auto id = env.start_one(mail("Hello"), json{{"email", "a@x.test"}});
    std::int64_t t0 = env.now();
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    // The default backoff (1m, factor 2) with the default jitter (20% of each delay is random).
    std::int64_t first = *run.due_at - t0;
    EXPECT_GE(first, kMinute * 8 / 10);
    EXPECT_LE(first, kMinute);
    EXPECT_TRUE(env.outbox().empty());
    env.clock.set(from_unix_ms(*run.due_at));
    env.executor->run_due();
    run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    std::int64_t second = *run.due_at - t0 - first;
    EXPECT_GE(second, 2 * kMinute * 8 / 10);
    EXPECT_LE(second, 2 * kMinute);
    env.clock.set(from_unix_ms(*run.due_at));
    env.executor->run_due();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    EXPECT_EQ(statuses(env.steps_of(id, "send")), "send:retry send:retry send:succeeded");
    EXPECT_EQ(env.outbox().size(), 1u);
}

// Runs failing together must not retry at the same instant, yet a run's own delays are
// reproducible (drawn from its message id).
TEST(Sendgrid, JitterSpreadsRetriesOfDifferentRuns) {
    RuntimeEnv env({{"sendgrid", json::parse(R"({"fail_every":1})")}});
    // Every call fails: keep the circuit closed so that all twenty are called (an open circuit
    // would hold the later ones for one shared probe, whatever their jitter).
    runtime::ExecutorOptions options;
    options.breaker_threshold = 100;
    env.use_options(options);
    std::vector<json> leads;
    for (int i = 0; i < 20; ++i) leads.push_back({{"email", "l" + std::to_string(i) + "@x.test"}});
    auto started = env.start(mail("Hello"), leads);
    env.executor->run_due();
    std::set<std::int64_t> due;
    for (const auto& id : started.started) {
        auto run = env.run(id);
        ASSERT_EQ(run.status, RunStatus::waiting);
        due.insert(*run.due_at);
    }
    EXPECT_GT(due.size(), 10u);  // spread, not one thundering herd
}

// A provider failing again and again opens its circuit: later calls wait for one probe instead
// of each spending its own attempts; a rate limit would not count.
TEST(Sendgrid, CircuitOpensAfterRepeatedFailuresAndClosesAfterAProbe) {
    RuntimeEnv env({{"sendgrid", json::parse(R"({"fail_next":[{"status":503},{"status":503},
        {"status":503},{"status":503},{"status":503}]})")}});
    auto lead = [](int i) { return json{{"email", "l" + std::to_string(i) + "@x.test"}}; };
    // Five calls answer 503: the breaker's threshold (5 failures in a row) is reached.
    std::vector<json> first;
    for (int i = 0; i < 5; ++i) first.push_back(lead(i));
    auto failing = env.start(mail("Hello"), first);
    env.executor->run_due();
    for (const auto& id : failing.started)
        EXPECT_EQ(statuses(env.steps_of(id, "send")), "send:retry");
    ASSERT_EQ(env.executor->stats().actions, 5u);

    // New runs now wait for the probe instead of calling (and are not charged an attempt).
    std::vector<json> later;
    for (int i = 5; i < 8; ++i) later.push_back(lead(i));
    auto held = env.start(mail("Hello"), later);
    env.executor->run_due();
    EXPECT_EQ(env.executor->stats().actions, 5u);
    for (const auto& id : held.started) {
        auto s = env.steps_of(id, "send");
        ASSERT_EQ(s.size(), 1u);
        EXPECT_EQ(s[0].status, store::StepStatus::deferred);
        EXPECT_NE(s[0].detail.find("circuit open for sendgrid"), std::string::npos) << s[0].detail;
        EXPECT_EQ(env.run(id).attempt, 1);
    }

    env.drive();  // the probe succeeds, the circuit closes, everything goes out once
    for (const auto& id : failing.started) EXPECT_EQ(env.run(id).status, RunStatus::completed);
    for (const auto& id : held.started) EXPECT_EQ(env.run(id).status, RunStatus::completed);
    EXPECT_EQ(env.outbox().size(), 8u);
}

// ---------------------------------------------------------------------------------------------
// 10. Crash recovery in-process: the store is left exactly as a worker leaves it when it dies
// mid-call (the action committed as started: a pending effect, lease held), then a new
// executor claims the run.

struct Crashed {
    std::string run_id;
    std::string message_id;
};

// What Executor::start_action commits before calling the plugin, for the step `step_id` of the
// only run of `yaml`, by a worker "dead" that then dies.
Crashed crash_before_outcome(RuntimeEnv& env, const std::string& yaml, const std::string& step_id,
                             const json& record) {
    Crashed c;
    c.run_id = env.start_one(yaml, record);
    model::Workflow wf = env.load(yaml);
    model::Program program = model::compile(wf);
    int node = -1;
    for (std::size_t i = 0; i < program.nodes.size(); ++i)
        if (program.nodes[i].step->id == step_id) node = static_cast<int>(i);
    EXPECT_GE(node, 0);
    auto claimed = env.store->claim_due("dead", env.now(), 10, env.now() + 300'000);
    EXPECT_EQ(claimed.size(), 1u);
    store::Run run = claimed.at(0);
    run.node = node;
    c.message_id = run.id + "." + step_id + "." + std::to_string(run.next_seq);
    run.message_id = c.message_id;
    store::StepRecord started;
    started.run_id = run.id;
    started.seq = run.next_seq++;
    started.step_id = step_id;
    started.kind = program.nodes[static_cast<std::size_t>(node)].step->plugin + "." +
                   program.nodes[static_cast<std::size_t>(node)].step->action;
    started.status = store::StepStatus::started;
    started.started_at = env.now();
    started.message_id = c.message_id;
    run.status = RunStatus::ready;
    run.due_at = env.now();
    store::Batch batch;
    batch.insert_steps.push_back(started);
    batch.checkpoint_runs.push_back(run);
    env.store->commit(batch);
    return c;
}

// The dead worker's call, made to the SendGrid sandbox with its message id before it died
// (kOneMail's email to a@x.test). True when the provider accepted it.
bool deliver_lost_send(RuntimeEnv& env, const Crashed& c) {
    host::ActionRequest req;
    req.action = "send";
    req.input = {{"to", "a@x.test"},
                 {"from", "sam@relance-demo.test"},
                 {"subject", "Hi"},
                 {"text", "Hello"}};
    req.message_id = c.message_id;
    req.run_id = c.run_id;
    return env.host->find("sendgrid")->invoke(req).status == host::ActionOutcome::Status::ok;
}

// A new worker: the dead one's lease is released as `relance worker` does at start.
void restart(RuntimeEnv& env) {
    env.store->release_all_leases();
    env.executor = std::make_unique<runtime::Executor>(*env.store, *env.host, env.clock);
}

TEST(Recovery, SentButUnacknowledgedIsReconciledNotResent) {
    RuntimeEnv env;
    auto c = crash_before_outcome(env, kOneMail, "send", json{{"email", "a@x.test"}});
    // The dead worker's request reached the provider before it died.
    ASSERT_TRUE(deliver_lost_send(env, c));
    ASSERT_EQ(env.outbox().size(), 1u);

    restart(env);
    env.drive();
    auto run = env.run(c.run_id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    EXPECT_EQ(env.outbox().size(), 1u);  // not sent twice
    EXPECT_EQ(statuses(env.steps(c.run_id)), "send:reconciled after:done");
    auto s = env.steps_of(c.run_id, "send");
    EXPECT_NE(s[0].detail.find(c.message_id), std::string::npos) << s[0].detail;
    EXPECT_EQ((*s[0].output)["engine_msg_id"], c.message_id);
    EXPECT_EQ(env.executor->stats().actions, 0u);
}

TEST(Recovery, NeverSentIsSentOnceAfterReconcile) {
    RuntimeEnv env;
    auto c = crash_before_outcome(env, kOneMail, "send", json{{"email", "a@x.test"}});
    std::int64_t crashed_at = env.now();
    restart(env);
    env.drive();
    EXPECT_EQ(env.run(c.run_id).status, RunStatus::completed);
    // No trace at first could mean "not indexed yet": the engine waits out SendGrid's settle
    // time (10 minutes by default) before it concludes "not sent" and sends.
    EXPECT_EQ(statuses(env.steps(c.run_id)),
              "send:abandoned send:reconciling send:succeeded after:done");
    auto out = env.outbox();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ((*out[0].entry)["engine_msg_id"], c.message_id);  // same message id as the lost call
    EXPECT_GE(out[0].recorded_at, crashed_at + 10 * 60 * 1000);
}

TEST(Recovery, SafeToRepeatRunsAgain) {
    RuntimeEnv env;
    auto c = crash_before_outcome(env, R"(
name: lookup
version: 1
steps:
  - id: look
    uses: noop.pass
    with: {q: 1}
)",
                                  "look", json::object());
    restart(env);
    env.drive();
    EXPECT_EQ(env.run(c.run_id).status, RunStatus::completed);
    EXPECT_EQ(statuses(env.steps(c.run_id)), "look:abandoned look:succeeded");
    EXPECT_EQ(env.executor->stats().actions, 1u);
}

TEST(Recovery, NotSafeAndNoReconcilePausesInDoubt) {
    RuntimeEnv env;
    auto c = crash_before_outcome(env, R"(
name: unsafe
version: 1
steps:
  - id: call
    uses: noop.fail
    with: {status: retryable, times: 0}
  - id: after
    set: {ok: true}
)",
                                  "call", json::object());
    restart(env);
    env.drive();
    auto run = env.run(c.run_id);
    ASSERT_EQ(run.status, RunStatus::paused);
    EXPECT_NE(run.reason.find("relance runs resolve " + c.run_id), std::string::npos);
    EXPECT_NE(run.reason.find(c.message_id), std::string::npos);
    EXPECT_EQ(statuses(env.steps(c.run_id)), "call:in_doubt");
    EXPECT_EQ(env.executor->stats().actions, 0u);

    runtime::resolve_in_doubt(*env.store, c.run_id, runtime::Resolution::sent, env.clock);
    env.drive();
    EXPECT_EQ(env.run(c.run_id).status, RunStatus::completed);
    EXPECT_EQ(env.executor->stats().actions, 0u);
}

// A live claim by another worker is not stolen: the run waits for the lease to end.
TEST(Recovery, LeaseHeldByAnotherWorkerIsRespected) {
    RuntimeEnv env;
    auto c = crash_before_outcome(env, kOneMail, "send", json{{"email", "a@x.test"}});
    EXPECT_EQ(env.executor->run_due(), 0u);
    EXPECT_TRUE(env.outbox().empty());
    EXPECT_EQ(env.store->pending_effects(c.run_id).size(), 1u);
}

// The provider's activity search lags behind sends: right after a crash, "no trace" must not
// be taken as "not sent". The run waits, asks again, and never sends twice.
TEST(Recovery, ProviderStillIndexingWaitsThenReconciles) {
    RuntimeEnv env({{"sendgrid", json{{"activity_lag_ms", 60'000}}}},
                   {{"sendgrid", json{{"reconcile_settle_ms", 120'000}}}});
    auto c = crash_before_outcome(env, kOneMail, "send", json{{"email", "a@x.test"}});
    ASSERT_TRUE(deliver_lost_send(env, c));

    restart(env);
    env.executor->run_due();
    auto run = env.run(c.run_id);
    ASSERT_EQ(run.status, RunStatus::waiting) << run.reason;
    EXPECT_EQ(env.store->pending_effects(run.id).size(), 1u);  // asked again on the next claim
    EXPECT_EQ(statuses(env.steps(c.run_id)), "send:started send:reconciling");
    EXPECT_EQ(env.outbox().size(), 1u);

    env.drive();
    EXPECT_EQ(env.run(c.run_id).status, RunStatus::completed);
    EXPECT_EQ(statuses(env.steps(c.run_id)), "send:reconciled send:reconciling after:done");
    EXPECT_EQ(env.outbox().size(), 1u);
    EXPECT_EQ(env.executor->stats().actions, 0u);
}

TEST(Recovery, NeverSentWaitsForTheSettleTimeThenSendsOnce) {
    RuntimeEnv env({{"sendgrid", json{{"activity_lag_ms", 60'000}}}},
                   {{"sendgrid", json{{"reconcile_settle_ms", 120'000}}}});
    auto c = crash_before_outcome(env, kOneMail, "send", json{{"email", "a@x.test"}});
    std::int64_t crashed_at = env.now();
    restart(env);
    env.drive();
    EXPECT_EQ(env.run(c.run_id).status, RunStatus::completed);
    auto out = env.outbox();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ((*out[0].entry)["engine_msg_id"], c.message_id);
    EXPECT_GE(out[0].recorded_at, crashed_at + 120'000);  // not before the settle time
}

// A send that times out after the request went out is in doubt: the engine asks the provider
// at once instead of pausing, and does not send it again.
TEST(Sendgrid, TimeoutAfterSendingIsReconciledNotResent) {
    RuntimeEnv env({{"sendgrid", json{{"latency_ms", 1500}}}},
                   {{"sendgrid", json{{"timeout_ms", 300}}}});
    auto id = env.start_one(kOneMail, json{{"email", "a@x.test"}});
    env.drive();
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::completed) << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "send:reconciled after:done");
    EXPECT_EQ(env.outbox().size(), 1u);
}
}  // namespace
}  // namespace relance::test
