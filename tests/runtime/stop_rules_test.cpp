// Stop rules and suppression: events end a contact's runs; the check right before each call
// stops a send even when the reply arrives after the run was claimed; unsubscribes and bounces
// are suppressed; suppression applies to sends already queued.
#include <nlohmann/json.hpp>
#include <relance/runtime/contact_events.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;

std::vector<std::string> subjects_to(RuntimeEnv& env, const std::string& email) {
    std::vector<std::string> out;
    for (const auto& e : env.outbox())
        if ((*e.entry)["to"].dump().find(email) != std::string::npos)
            out.push_back((*e.entry)["subject"].get<std::string>());
    return out;
}

runtime::EventOutcome event(RuntimeEnv& env, const std::string& contact, const std::string& type,
                            const std::string& id = "", json data = json::object()) {
    return runtime::record_contact_event(*env.store, contact, type, id, 0, data, env.clock);
}

TEST(StopRules, AReplyEndsTheRunAndTheFollowUpNeverGoesOut) {
    RuntimeEnv env;
    auto id = env.start_one(kTwoMails, json{{"email", "Ana@Acme.test"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting);
    EXPECT_EQ(env.run(id).contact_key, "email:ana@acme.test");

    auto out = event(env, "ana@acme.test", "replied", "evt-1");
    EXPECT_TRUE(out.recorded);
    EXPECT_EQ(out.stopped, std::vector<std::string>{id});
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::exited);
    EXPECT_NE(run.reason.find("stopped: contact replied (event evt-1)"), std::string::npos)
        << run.reason;
    EXPECT_EQ(statuses(env.steps(id)), "intro:succeeded wait:waiting stop_on:stopped");

    env.drive();
    EXPECT_EQ(subjects_to(env, "Ana@Acme.test"), std::vector<std::string>{"intro"});
}

TEST(StopRules, EventsAreRecordedOncePerId) {
    RuntimeEnv env;
    env.start_one(kTwoMails, json{{"email", "ana@acme.test"}});
    EXPECT_TRUE(event(env, "ana@acme.test", "opened", "evt-9").recorded);
    EXPECT_FALSE(event(env, "ana@acme.test", "opened", "evt-9").recorded);
    EXPECT_EQ(env.store->events_for({"email:ana@acme.test"}, 0).size(), 1u);
}

TEST(StopRules, EventsNotInStopOnDoNotStop) {
    RuntimeEnv env;
    auto id = env.start_one(kTwoMails, json{{"email", "ana@acme.test"}});
    env.executor->run_due();
    EXPECT_TRUE(event(env, "ana@acme.test", "opened").stopped.empty());
    std::string no_stop = std::string(kTwoMails);
    no_stop.replace(no_stop.find("name: two_mails"), 15, "name: no_stop\nstop_on: []");
    auto other = env.start_one(no_stop, json{{"email", "bo@acme.test"}});
    env.executor->run_due();
    EXPECT_TRUE(event(env, "bo@acme.test", "replied").stopped.empty());
    env.drive();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    EXPECT_EQ(env.run(other).status, RunStatus::completed);
}

// The race the engine must win: the follow-up is due and claimed, and the reply lands between
// the claim and the send. The check right before the call sees it; nothing goes out.
TEST(StopRules, AReplyBetweenTheClaimAndTheSendWins) {
    RuntimeEnv env;
    auto id = env.start_one(kTwoMails, json{{"email", "ana@acme.test"}});
    env.executor->run_due();  // intro sent, waiting 3 days
    env.clock.advance(Millis{3 * 24 * 3600 * 1000});

    runtime::ExecutorOptions options;
    bool delivered = false;
    options.before_send_check = [&] {
        if (delivered) return;
        delivered = true;
        auto out = event(env, "ana@acme.test", "replied", "evt-race");
        // The worker holds the run: the event cannot end it from outside...
        EXPECT_TRUE(out.stopped.empty());
        EXPECT_EQ(out.in_flight, std::vector<std::string>{id});
    };
    env.executor = std::make_unique<runtime::Executor>(*env.store, *env.host, env.clock, options);
    env.executor->run_due();
    EXPECT_TRUE(delivered);
    // ...but the worker's own check before the call does.
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::exited);
    EXPECT_NE(run.reason.find("contact replied (event evt-race"), std::string::npos) << run.reason;
    auto follow = env.steps_of(id, "follow_up");
    ASSERT_EQ(follow.size(), 1u);
    EXPECT_EQ(follow[0].status, store::StepStatus::cancelled);
    EXPECT_EQ(subjects_to(env, "ana@acme.test"), std::vector<std::string>{"intro"});
    EXPECT_EQ(env.executor->stats().actions, 0u);
}

TEST(Suppression, UnsubscribeIsSuppressedLockedAndStopsOtherWorkflowsToo) {
    RuntimeEnv env;
    auto first = env.start_one(kTwoMails, json{{"email", "ana@acme.test"}});
    std::string other_wf = std::string(kTwoMails);
    other_wf.replace(other_wf.find("name: two_mails"), 15, "name: other\nstop_on: []");
    auto second = env.start_one(other_wf, json{{"email", "ana@acme.test"}});
    env.executor->run_due();

    auto out = event(env, "ana@acme.test", "unsubscribed");
    ASSERT_TRUE(out.suppressed.has_value());
    EXPECT_TRUE(out.suppressed->locked);
    EXPECT_EQ(out.stopped, std::vector<std::string>{first});  // `other` does not stop on it...
    std::string why;
    EXPECT_EQ(runtime::unsuppress(*env.store, "ana@acme.test", &why), runtime::Unsuppress::locked);
    EXPECT_NE(why.find("cannot lift"), std::string::npos) << why;

    env.drive();  // ...but the suppression list stops its follow-up before the call
    auto run = env.run(second);
    EXPECT_EQ(run.status, RunStatus::exited);
    EXPECT_NE(run.reason.find("suppressed email ana@acme.test (unsubscribe)"), std::string::npos)
        << run.reason;
    EXPECT_EQ(subjects_to(env, "ana@acme.test"), (std::vector<std::string>{"intro", "intro"}));
}

TEST(Suppression, ADomainSuppressedWhileSendsAreQueued) {
    RuntimeEnv env;
    std::vector<json> leads = {
        {{"email", "a@acme.test"}}, {{"email", "b@eu.acme.test"}}, {{"email", "c@notacme.test"}}};
    auto started = env.start(kTwoMails, leads);
    env.executor->run_due();  // three intros out, three follow-ups queued
    std::string why;
    ASSERT_TRUE(runtime::suppress(*env.store, "@acme.test", "operator", "asked by their legal",
                                  env.clock, &why))
        << why;
    env.drive();
    EXPECT_EQ(subjects_to(env, "a@acme.test"), std::vector<std::string>{"intro"});
    EXPECT_EQ(subjects_to(env, "b@eu.acme.test"), std::vector<std::string>{"intro"});
    EXPECT_EQ(subjects_to(env, "c@notacme.test"), (std::vector<std::string>{"intro", "follow_up"}));
    // An operator's entry can be lifted.
    EXPECT_EQ(runtime::unsuppress(*env.store, "acme.test", &why), runtime::Unsuppress::removed)
        << why;
}

TEST(Suppression, HardBouncesAreSuppressedSoftOnesAreNot) {
    RuntimeEnv env;
    EXPECT_TRUE(event(env, "x@acme.test", "bounced", "", {{"soft", true}}).suppressed ==
                std::nullopt);
    auto hard = event(env, "y@acme.test", "bounced");
    ASSERT_TRUE(hard.suppressed.has_value());
    EXPECT_EQ(hard.suppressed->source, "bounce");
    EXPECT_FALSE(hard.suppressed->locked);
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {

const char* const kWaitForOpen = R"yaml(
name: wait_open
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: intro, text: hi}
  - id: await_open
    wait_for: [opened, clicked]
    timeout: 3d
    then:
      - id: hot
        uses: sendgrid.send
        with: {to: "{{ contact.email }}", from: sam@relance-demo.test,
               subject: "saw you opened ({{ steps.await_open.output.type }})", text: hi}
    else:
      - id: cold
        uses: sendgrid.send
        with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: cold, text: hi}
)yaml";

TEST(WaitFor, AnEventWithinTheTimeoutTakesThenAtOnce) {
    RuntimeEnv env;
    auto id = env.start_one(kWaitForOpen, json{{"email", "ana@acme.test"}});
    env.executor->run_due();
    auto run = env.run(id);
    ASSERT_EQ(run.status, RunStatus::waiting);
    EXPECT_EQ(*run.due_at, env.now() + 3 * 24 * 3600 * 1000);

    env.clock.advance(Millis{3600 * 1000});
    auto out = event(env, "ana@acme.test", "opened", "evt-open");
    EXPECT_EQ(out.woken, std::vector<std::string>{id});
    EXPECT_EQ(*env.run(id).due_at, env.now());  // due now, not in three days
    env.executor->run_due();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    EXPECT_EQ(subjects_to(env, "ana@acme.test"),
              (std::vector<std::string>{"intro", "saw you opened (opened)"}));
    EXPECT_EQ(statuses(env.steps(id)),
              "intro:succeeded await_open:waiting await_open:done hot:succeeded");
}

TEST(WaitFor, NoEventTakesElseAtTheTimeout) {
    RuntimeEnv env;
    auto id = env.start_one(kWaitForOpen, json{{"email", "ana@acme.test"}});
    env.executor->run_due();
    std::int64_t deadline = *env.run(id).due_at;
    event(env, "ana@acme.test", "delivered");  // not what it waits for: no wake-up
    EXPECT_EQ(*env.run(id).due_at, deadline);
    env.drive();
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
    auto sent = env.outbox();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ((*sent[1].entry)["subject"], "cold");
    EXPECT_EQ(sent[1].recorded_at, deadline);
}

TEST(WaitFor, EventsBeforeTheWaitBeganDoNotCount) {
    RuntimeEnv env;
    auto id = env.start_one(kWaitForOpen, json{{"email", "ana@acme.test"}});
    // Opened before the wait began (e.g. an earlier campaign): it must not count.
    runtime::record_contact_event(*env.store, "ana@acme.test", "opened", "evt-old",
                                  env.now() - 1000, json::object(), env.clock);
    env.executor->run_due();
    env.drive();
    EXPECT_EQ((*env.outbox().back().entry)["subject"], "cold");
    (void)id;
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {

std::string enrolling(const std::string& name, const std::string& policy) {
    return "name: " + name + "\nversion: 1\n" + policy +
           "inputs:\n  email: {type: string, required: true}\n  id: string\nsteps:\n"
           "  - wait: 3d\n";
}

TEST(Enrollment, AContactActiveInTheWorkflowIsNotEnrolledTwice) {
    RuntimeEnv env;
    auto first = env.start(enrolling("seq", ""), {json{{"id", "1"}, {"email", "ana@acme.test"}}});
    ASSERT_EQ(first.started.size(), 1u);
    // Another row for the same person (another id, other spelling): skipped, with the reason.
    auto second = env.start(enrolling("seq", ""), {json{{"id", "2"}, {"email", "ANA@acme.test"}},
                                                   json{{"id", "3"}, {"email", "bo@acme.test"}},
                                                   json{{"id", "4"}, {"email", "bo@acme.test"}}});
    EXPECT_EQ(second.started.size(), 1u);  // bo, once
    ASSERT_EQ(second.skipped.size(), 2u);
    EXPECT_EQ(second.skipped[0].contact, "email:ana@acme.test");
    EXPECT_NE(second.skipped[0].reason.find("already active in this workflow"), std::string::npos);
    EXPECT_EQ(second.skipped[1].reason, "appears twice in this input");
    // The same record again is a duplicate (idempotency), not a policy skip.
    auto again = env.start(enrolling("seq", ""), {json{{"id", "1"}, {"email", "ana@acme.test"}}});
    EXPECT_EQ(again.duplicates.size(), 1u);
    EXPECT_TRUE(again.skipped.empty());
    // Another workflow may enroll her: the default policy looks at this workflow only.
    EXPECT_EQ(env.start(enrolling("other", ""), {json{{"email", "ana@acme.test"}}}).started.size(),
              1u);
}

TEST(Enrollment, ActiveAnywhereAndCooldown) {
    RuntimeEnv env;
    env.start(enrolling("seq", ""), {json{{"email", "ana@acme.test"}}});
    auto anywhere = env.start(enrolling("strict", "enrollment: {skip_if: active_anywhere}\n"),
                              {json{{"email", "ana@acme.test"}}});
    ASSERT_EQ(anywhere.skipped.size(), 1u);
    EXPECT_NE(anywhere.skipped[0].reason.find("in workflow seq"), std::string::npos);

    env.drive();  // every run finished
    std::string cool = enrolling("cool", "enrollment: {skip_if: never, cooldown: 30d}\n");
    auto soon = env.start(cool, {json{{"email", "ana@acme.test"}}});
    ASSERT_EQ(soon.skipped.size(), 1u);
    EXPECT_NE(soon.skipped[0].reason.find("cooldown"), std::string::npos);
    env.clock.advance(Millis{31LL * 24 * 3600 * 1000});
    EXPECT_EQ(env.start(cool, {json{{"email", "ana@acme.test"}}}).started.size(), 1u);
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {

// Conditions on history: "opened the intro within 2 days".
TEST(History, ConditionsSeeWhatTheContactDidAfterEachMessage) {
    RuntimeEnv env;
    const char* yaml = R"yaml(
name: hist
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: intro, text: hi}
  - wait: 3d
  - if: "history.intro ~= nil and history.intro.opened ~= nil and history.intro.opened.first_after_hours <= 48"
    then:
      - id: hot
        uses: sendgrid.send
        with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: hot, text: hi}
    else:
      - id: cold
        uses: sendgrid.send
        with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: cold, text: hi}
)yaml";
    auto started = env.start(yaml, {json{{"email", "quick@x.test"}}, json{{"email", "late@x.test"}},
                                    json{{"email", "never@x.test"}}});
    env.executor->run_due();
    std::int64_t sent = env.now();
    auto open = [&](const std::string& who, int hours) {
        runtime::record_contact_event(*env.store, who, "opened", "", sent + hours * 3'600'000LL,
                                      json::object(), env.clock);
    };
    open("quick@x.test", 10);  // within two days
    open("late@x.test", 60);   // after two days
    env.drive();
    EXPECT_EQ(subjects_to(env, "quick@x.test"), (std::vector<std::string>{"intro", "hot"}));
    EXPECT_EQ(subjects_to(env, "late@x.test"), (std::vector<std::string>{"intro", "cold"}));
    EXPECT_EQ(subjects_to(env, "never@x.test"), (std::vector<std::string>{"intro", "cold"}));
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {
TEST(Enrollment, AnAddressThatCannotBeOneIsRejectedAtStart) {
    RuntimeEnv env;
    auto r = env.start(kTwoMails, {json{{"email", "marco@"}}, json{{"email", "ok@x.test"}}});
    EXPECT_EQ(r.started.size(), 1u);
    ASSERT_EQ(r.rejected.size(), 1u);
    ASSERT_EQ(r.rejected[0].problems.size(), 1u);
    EXPECT_EQ(r.rejected[0].problems[0].field, "email");
    EXPECT_NE(r.rejected[0].problems[0].message.find("not a valid email"), std::string::npos)
        << r.rejected[0].problems[0].message;
}
}  // namespace
}  // namespace relance::test
