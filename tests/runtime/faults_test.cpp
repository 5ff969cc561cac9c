// Faults the executor must ride out: a full disk, a reply under another identity of the
// contact.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <relance/runtime/contact_events.hpp>
#include <utility>

#include "../support/forwarding_store.hpp"
#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;

// A real SQLite store whose commits fail as on a full disk while `full_commits` is above 0.
class FullDisk : public ForwardingStore {
  public:
    using ForwardingStore::ForwardingStore;
    std::vector<std::string> commit(const store::Batch& batch) override {
        // Fail only commits that carry call outcomes: the ones whose loss would cost a resend.
        if (!batch.update_steps.empty() && full_commits > 0) {
            --full_commits;
            ++refused;
            throw store::StoreFull("test: the disk is full");
        }
        return inner.commit(batch);
    }
    std::atomic<int> full_commits{0};
    std::atomic<int> refused{0};
};

// The disk fills up while emails are being sent: the worker pauses with the outcomes it holds,
// commits them once there is room again, and resends nothing that the provider acknowledged.
TEST(Faults, AFullDiskPausesTheWorkerAndResendsNothing) {
    RuntimeEnv env;
    FullDisk disk(*env.store);
    disk.full_commits = 3;
    runtime::ExecutorOptions options;
    options.store_retry = Millis{5};
    runtime::Executor executor(disk, *env.host, env.clock, options);
    std::vector<json> leads;
    for (int i = 0; i < 20; ++i) leads.push_back({{"email", "l" + std::to_string(i) + "@x.test"}});
    auto started = env.start(kOneMail, leads);
    ASSERT_EQ(started.started.size(), 20u);
    executor.run_due();
    EXPECT_EQ(disk.refused, 3);
    for (const auto& id : started.started)
        EXPECT_EQ(env.run(id).status, RunStatus::completed) << id;
    EXPECT_EQ(env.outbox().size(), 20u);
    std::set<std::string> to;
    for (const auto& e : env.outbox()) to.insert((*e.entry)["to"][0].get<std::string>());
    EXPECT_EQ(to.size(), 20u);
}

const char* const kTwoMailsWithPhone = R"(
name: two_mails_phone
version: 1
inputs:
  email: {type: string, required: true}
  phone: {type: string, required: true}
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: intro, text: hi}
  - wait: 3d
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: follow_up, text: hi}
)";

// The lead answered the email sequence by SMS: the reply is recorded under her phone number,
// and it stops the emails too (today only an event under the email key did).
TEST(Faults, AReplyUnderThePhoneStopsTheEmailSequence) {
    RuntimeEnv env;
    auto idle = env.start_one(kTwoMailsWithPhone,
                              json{{"email", "ana@acme.test"}, {"phone", "+33612345678"}});
    env.executor->run_due();  // intro sent, waiting 3 days
    auto out = runtime::record_contact_event(*env.store, "+33612345678", "replied", "evt-sms", 0,
                                             json::object(), env.clock);
    EXPECT_EQ(out.stopped, std::vector<std::string>{idle});
    env.drive();
    EXPECT_EQ(env.run(idle).status, RunStatus::exited);
    EXPECT_EQ(env.outbox().size(), 1u);
}

// The same, when the reply lands while the worker holds the run, right before the follow-up.
TEST(Faults, AReplyUnderTheLinkedInProfileWinsAtTheDoor) {
    RuntimeEnv env;
    std::string yaml = kTwoMailsWithPhone;
    yaml.replace(yaml.find("  phone: {type: string, required: true}"), 39,
                 "  linkedin: {type: string, required: true}");
    auto id = env.start_one(yaml, json{{"email", "bo@acme.test"},
                                       {"linkedin", "https://www.linkedin.com/in/bo-durand"}});
    env.executor->run_due();
    env.clock.advance(Millis{3 * 24 * 3600 * 1000});
    runtime::ExecutorOptions options;
    bool delivered = false;
    options.before_send_check = [&] {
        if (delivered) return;
        delivered = true;
        runtime::record_contact_event(*env.store, "https://www.linkedin.com/in/bo-durand",
                                      "replied", "evt-li", 0, json::object(), env.clock);
    };
    env.use_options(options);
    env.executor->run_due();
    EXPECT_TRUE(delivered);
    EXPECT_EQ(env.run(id).status, RunStatus::exited);
    EXPECT_EQ(env.outbox().size(), 1u);
}

// Another process commits a stop at the worst moment: while the worker commits the door's
// withdrawal of another run, after the door read that let this run through. The door reads
// again after its own commit, so this stop wins too: no call leaves on facts older than the
// last commit (before, the call went out right after that commit, on the earlier read).
class StopDuringTheDoorsCommit : public ForwardingStore {
  public:
    using ForwardingStore::ForwardingStore;
    std::vector<std::string> commit(const store::Batch& batch) override {
        auto lost = inner.commit(batch);
        bool withdrew = false;
        for (const auto& r : batch.update_runs) withdrew |= r.status == RunStatus::exited;
        if (withdrew && on_withdrawal) std::exchange(on_withdrawal, nullptr)();
        return lost;
    }
    std::function<void()> on_withdrawal;
};

TEST(Faults, AStopCommittedWhileTheDoorCommitsStillWins) {
    RuntimeEnv env;
    StopDuringTheDoorsCommit store(*env.store);
    auto started =
        env.start(kOneMail, {json{{"email", "ann@acme.test"}}, json{{"email", "bob@other.test"}}});
    ASSERT_EQ(started.started.size(), 2u);
    runtime::ExecutorOptions options;
    // Ann unsubscribes after both runs were admitted: the door withdraws her send and commits.
    options.before_send_check = [&] {
        runtime::record_contact_event(*env.store, "ann@acme.test", "unsubscribed", "evt-ann", 0,
                                      json::object(), env.clock);
    };
    // Bob replies from another process during that commit.
    store.on_withdrawal = [&] {
        runtime::record_contact_event(*env.store, "bob@other.test", "replied", "evt-bob", 0,
                                      json::object(), env.clock);
    };
    runtime::Executor executor(store, *env.host, env.clock, options);
    executor.run_due();
    EXPECT_FALSE(store.on_withdrawal) << "the door never committed a withdrawal";
    for (const auto& id : started.started) EXPECT_EQ(env.run(id).status, RunStatus::exited) << id;
    EXPECT_TRUE(env.outbox().empty()) << env.outbox().size() << " sent after a committed stop";
}

}  // namespace
}  // namespace relance::test

namespace relance::test {
namespace {

const char* const kDraw = R"(
name: draw
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: pick
    lua: |
      return {a = math.random(1, 1000000000), b = math.random(1, 1000000000)}
)";

// Random numbers are the run's own: the same run draws the same numbers when it is run again
// (a replay), two runs draw different ones, and no run sees another's generator.
TEST(Scripts, EachRunDrawsItsOwnRandomNumbersAndAReplayDrawsTheSame) {
    auto draw = [](const std::vector<std::string>& leads) {
        RuntimeEnv env;
        std::vector<json> records;
        for (const auto& l : leads) records.push_back({{"email", l}});
        auto started = env.start(kDraw, records);
        env.drive();
        std::vector<json> out;
        for (const auto& id : started.started) out.push_back(env.steps_of(id, "pick").at(0).output);
        return out;
    };
    auto first = draw({"a@x.test", "b@x.test"});
    auto again = draw({"b@x.test", "a@x.test"});  // other order, other process state
    ASSERT_EQ(first.size(), 2u);
    EXPECT_NE(first[0], first[1]);
    EXPECT_EQ(first[0], again[1]);
    EXPECT_EQ(first[1], again[0]);
}

// A condition that would make C code run for hours fails its step within the deadline; the
// worker goes on with the other runs.
TEST(Scripts, AConditionThatWouldHangFailsItsStepAndTheWorkerGoesOn) {
    RuntimeEnv env;
    std::string yaml = R"(
name: hang
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: send
    when: string.rep("x", 2^40) ~= "" and #string.rep("ab", 2^30, ",") > 0
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: sam@relance-demo.test, subject: Hi, text: Hello}
)";
    auto hang = env.start_one(yaml, json{{"email", "h@x.test"}});
    auto fine = env.start_one(kOneMail, json{{"email", "f@x.test"}});
    env.drive();
    auto run = env.run(hang);
    EXPECT_EQ(run.status, store::RunStatus::failed);
    EXPECT_EQ(env.run(fine).status, store::RunStatus::completed);
    EXPECT_EQ(env.outbox().size(), 1u);
}

}  // namespace
}  // namespace relance::test
