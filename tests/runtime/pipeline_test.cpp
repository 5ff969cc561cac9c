// The executor's pipeline: calls leave as soon as they are admitted, their outcomes are
// committed as each one completes, only calls that actually leave are committed as started, and
// a worker that lost a run's lease never calls for it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;
using store::StepStatus;
using namespace std::chrono_literals;

const char* const kSlow = R"(
name: slow
version: 1
inputs:
  ms: {type: integer, required: true}
  tag: {type: string, required: true}
steps:
  - id: wait
    uses: slowpoke.wait
    with: {ms: "{{ contact.ms }}", tag: "{{ contact.tag }}"}
)";

// Polls `done` every few milliseconds until it is true or `limit` passes.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return done();
}

// One call takes seconds: the others go on and their outcomes are committed meanwhile (today a
// whole batch waited for its slowest call).
TEST(Pipeline, ASlowCallDoesNotHoldTheOthers) {
    RuntimeEnv env({}, {}, {RUNTIME_FIXTURE_DIR});
    runtime::ExecutorOptions o;
    o.concurrency = 4;
    env.use_options(o);
    std::vector<json> records{{{"ms", 4000}, {"tag", "slow"}}};
    for (int i = 0; i < 20; ++i)
        records.push_back({{"ms", 0}, {"tag", "fast" + std::to_string(i)}});
    auto started = env.start(kSlow, records);
    ASSERT_EQ(started.started.size(), 21u);
    std::string slow = started.started[0];

    std::thread worker([&] { env.executor->run_due(); });
    auto fast_done = [&] {
        for (std::size_t i = 1; i < started.started.size(); ++i)
            if (env.store->get_run(started.started[i])->status != RunStatus::completed)
                return false;
        return true;
    };
    bool done = eventually(fast_done);
    auto slow_state = env.store->get_run(slow)->status;
    auto slow_pending = env.store->pending_effects(slow).size();
    worker.join();
    ASSERT_TRUE(done);
    EXPECT_NE(slow_state, RunStatus::completed) << "the fast runs waited for the slow call";
    EXPECT_EQ(slow_pending, 1u);
    EXPECT_EQ(env.run(slow).status, RunStatus::completed);
}

// Only calls that leave at once are committed as started: a worker killed now leaves at most
// `concurrency` effects in doubt (today a whole claim of 256 was started, then called 32 at a
// time).
TEST(Pipeline, OnlyCallsThatLeaveAreStarted) {
    RuntimeEnv env({}, {}, {RUNTIME_FIXTURE_DIR});
    runtime::ExecutorOptions o;
    o.concurrency = 3;
    env.use_options(o);
    std::vector<json> records;
    for (int i = 0; i < 24; ++i) records.push_back({{"ms", 60}, {"tag", "t" + std::to_string(i)}});
    auto started = env.start(kSlow, records);
    ASSERT_EQ(started.started.size(), 24u);

    std::atomic<bool> finished{false};
    std::size_t most = 0;
    // One statement on its own connection: a consistent snapshot. (Summing a query per run was
    // torn: a call ending and the next starting between two queries counted as 4 on a slow
    // sanitizer build.)
    std::thread watcher([&] {
        SQLite::Database db(env.db_path, SQLite::OPEN_READONLY);
        db.setBusyTimeout(1000);
        SQLite::Statement count(db, "SELECT count(*) FROM steps WHERE status = 0");
        while (!finished) {
            count.reset();
            if (count.executeStep())
                most = std::max(most, static_cast<std::size_t>(count.getColumn(0).getInt64()));
            std::this_thread::sleep_for(2ms);
        }
    });
    env.executor->run_due();
    finished = true;
    watcher.join();
    EXPECT_GE(most, 1u);  // the watcher did see calls in flight
    EXPECT_LE(most, 3u);
    for (const auto& id : started.started) EXPECT_EQ(env.run(id).status, RunStatus::completed);
}

// Calls safe to repeat are never in doubt, so they are not held to `concurrency` slots: a claim's
// worth of them shares one started commit and one outcome commit (with one slot each, every
// step of 1,500 cost its own commit and fsync: 1.5k steps/s instead of 30k+).
TEST(Pipeline, StepsSafeToRepeatShareTheirCommits) {
    RuntimeEnv env;
    runtime::ExecutorOptions o;
    o.concurrency = 1;
    env.use_options(o);
    std::vector<json> records;
    for (int i = 0; i < 300; ++i) records.push_back({{"n", i}});
    auto started = env.start(R"(
name: five
version: 1
inputs:
  n: {type: integer, required: true}
steps:
  - {id: a, uses: noop.pass, with: {n: "{{ contact.n }}"}}
  - {id: b, uses: noop.pass, with: {n: "{{ contact.n }}"}}
  - {id: c, uses: noop.pass, with: {n: "{{ contact.n }}"}}
  - {id: d, uses: noop.pass, with: {n: "{{ contact.n }}"}}
  - {id: e, uses: noop.pass, with: {n: "{{ contact.n }}"}}
)",
                             records);
    ASSERT_EQ(started.started.size(), 300u);
    env.executor->run_due();
    for (const auto& id : started.started) EXPECT_EQ(env.run(id).status, RunStatus::completed);
    auto stats = env.executor->stats();
    EXPECT_EQ(stats.actions, 1500u);
    EXPECT_LT(stats.commits, 150u) << "steps safe to repeat should share their commits";
}

// A worker stalled past its lease: another worker took the run over and sent. When the first
// one gets to its door, it finds the lease gone and does not send (today it sent a second copy).
TEST(Pipeline, AWorkerThatLostTheLeaseDoesNotCall) {
    RuntimeEnv env({}, {{"sendgrid", json{{"reconcile_settle_ms", 0}}}});
    runtime::ExecutorOptions stalled;
    stalled.owner = "w_stalled";
    stalled.lease = Millis{60'000};
    runtime::ExecutorOptions other_options;
    other_options.owner = "w_other";
    runtime::Executor other(*env.store, *env.host, env.clock, other_options);
    bool once = false;
    stalled.before_send_check = [&] {
        if (once) return;
        once = true;
        // The stalled worker's started row is durable; it now sleeps past its lease while
        // another worker claims the run, reconciles (no trace of the message) and sends.
        env.clock.advance(Millis{61'000});
        other.run_due();
    };
    env.use_options(stalled);
    std::string id = env.start_one(kOneMail, {{"email", "ana@acme.test"}});
    env.executor->run_due();
    EXPECT_TRUE(once);
    EXPECT_EQ(env.outbox().size(), 1u);
    EXPECT_EQ(env.run(id).status, RunStatus::completed);
}

// A send that timed out and that the provider then says it has no trace of counts as an
// attempt: resends obey retry.attempts (today an `attempts: 2` step sent 5 emails, each recorded
// as attempt 1, until the circuit breaker stopped it).
TEST(Pipeline, ResendsAfterReconcileObeyAttempts) {
    // The provider accepts each email but answers after the plugin gave up, and its activity
    // search never shows it: every attempt goes out, and reconcile says "no trace".
    RuntimeEnv env({{"sendgrid", json{{"latency_ms", 400}, {"activity_lag_ms", 86'400'000}}}},
                   {{"sendgrid", json{{"timeout_ms", 100}, {"reconcile_settle_ms", 0}}}});
    std::string yaml = kOneMail;
    yaml.insert(yaml.find("  - id: after"), "    retry: {attempts: 2, backoff: 1s}\n");
    std::string id = env.start_one(yaml, {{"email", "ana@acme.test"}});
    env.drive();
    // Wait for the emulator to finish the requests the plugin gave up on.
    ASSERT_TRUE(eventually([&] { return env.outbox().size() >= 2; }, 10s));
    std::this_thread::sleep_for(600ms);
    EXPECT_EQ(env.outbox().size(), 2u);
    auto run = env.run(id);
    EXPECT_EQ(run.status, RunStatus::failed) << run.reason;
    EXPECT_NE(run.reason.find("failed after 2 attempts"), std::string::npos) << run.reason;
    auto rows = env.steps_of(id, "send");
    ASSERT_EQ(rows.size(), 2u) << statuses(env.steps(id));
    EXPECT_EQ(rows[0].attempt, 1);
    EXPECT_EQ(rows[1].attempt, 2);
}

}  // namespace
}  // namespace relance::test
