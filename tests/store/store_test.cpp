#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

namespace fs = std::filesystem;
using store::WorkerLock;

// --- the sandbox's records ---

// One field of each entry, read back without the rest (what the simulation needs of each
// message): in order after the id given, of the one box, up to the limit, "" where the entry has
// no such string field; a key with a dot is one key, not a path.
TEST_F(StoreTest, SandboxFieldSinceReadsOneFieldOfEachEntry) {
    using nlohmann::json;
    store->record_sandbox("sendgrid", "outbox", json{{"engine_msg_id", "r1.intro.1"}, {"n", 1}},
                          10);
    store->record_sandbox("sendgrid", "events", json{{"engine_msg_id", "other box"}}, 11);
    store->record_sandbox("sendgrid", "outbox", json{{"to", "no id"}}, 12);
    store->record_sandbox("sendgrid", "outbox", json{{"engine_msg_id", 42}}, 13);
    store->record_sandbox("sendgrid", "outbox",
                          json{{"engine_msg_id", "r2.intro.1"}, {"a.b", "dotted"}}, 14);
    auto all = store->sandbox_field_since("outbox", "engine_msg_id", 0, 100);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].value, "r1.intro.1");
    EXPECT_EQ(all[0].recorded_at, 10);
    EXPECT_EQ(all[1].value, "");  // absent
    EXPECT_EQ(all[2].value, "");  // not a string
    EXPECT_EQ(all[3].value, "r2.intro.1");
    EXPECT_EQ(all[3].recorded_at, 14);
    auto after = store->sandbox_field_since("outbox", "engine_msg_id", all[0].id, 2);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].id, all[1].id);
    EXPECT_EQ(after[1].id, all[2].id);
    auto dotted = store->sandbox_field_since("outbox", "a.b", all[2].id, 100);
    ASSERT_EQ(dotted.size(), 1u);
    EXPECT_EQ(dotted[0].value, "dotted");
    EXPECT_THROW(store->sandbox_field_since("outbox", "a\"b", 0, 1), std::invalid_argument);
}

// --- the one-worker lock is on the file itself ---

TEST_F(StoreTest, WorkerLockHoldsWhateverPathReachesTheFile) {
    ASSERT_EQ(store->lock_worker().state, WorkerLock::State::acquired);
    // A symlink and a path through another directory: the same inode. (A hard link would be
    // too, but SQLite itself refuses a WAL database opened under two names.)
    fs::create_symlink(path, dir / "link.db");
    fs::create_directory(dir / "sub");
    for (std::string other : {dir / "link.db", dir / "sub/../relance.db"}) {
        auto second = store::open_sqlite(other);
        auto lock = second->lock_worker();
        EXPECT_EQ(lock.state, WorkerLock::State::busy) << other;
        EXPECT_NE(lock.message.find("another worker is running"), std::string::npos)
            << lock.message;
    }
}

TEST_F(StoreTest, WorkerLockIsReleasedWithTheStore) {
    ASSERT_EQ(store->lock_worker().state, WorkerLock::State::acquired);
    store.reset();
    auto again = store::open_sqlite(path);
    EXPECT_EQ(again->lock_worker().state, WorkerLock::State::acquired);
}

TEST_F(StoreTest, WorkerLockThatCannotBeOpenedSaysSo) {
    // The database file is gone from its directory (SQLite keeps its own descriptor): the lock
    // cannot be taken, and the message says why rather than blaming another worker.
    fs::remove(path);
    auto lock = store->lock_worker();
    EXPECT_EQ(lock.state, WorkerLock::State::error);
    EXPECT_NE(lock.message.find("cannot open"), std::string::npos) << lock.message;
    EXPECT_EQ(lock.message.find("another worker"), std::string::npos) << lock.message;
}

// --- a full disk ---

TEST_F(StoreTest, FullDatabaseIsStoreFullAndLosesNothingCommitted) {
    store.reset();
    // Room for the schema and a little more: then every commit that grows the file fails.
    auto small = store::open_sqlite(path, {.max_pages = 40});
    std::vector<std::string> created;
    bool full = false;
    for (int i = 0; i < 10'000 && !full; ++i) {
        auto r = new_run("r" + std::to_string(i), version);
        (*r.context)["inputs"]["padding"] = std::string(2000, 'x');
        try {
            small->create_runs({r}, kNow);
            created.push_back(r.id);
        } catch (const store::StoreFull& e) {
            full = true;
            EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
        }
    }
    ASSERT_TRUE(full);
    ASSERT_FALSE(created.empty());
    // Nothing committed before is lost, and the store still answers.
    small.reset();
    auto reopened = store::open_sqlite(path);
    for (const auto& id : created) EXPECT_TRUE(reopened->get_run(id)) << id;
    EXPECT_EQ(reopened->count_runs().total, static_cast<std::int64_t>(created.size()));
}

// --- contacts ---

TEST_F(StoreTest, RunsOfAContactAreFoundByAnyOfItsIdentities) {
    store->create_runs(
        {new_run("r1", version, "email:ana@acme.test",
                 {"email:ana@acme.test", "phone:+33612345678", "linkedin:linkedin.com/in/ana"})},
        kNow);
    for (std::string key :
         {"email:ana@acme.test", "phone:+33612345678", "linkedin:linkedin.com/in/ana"}) {
        auto runs = store->active_runs_for(key);
        ASSERT_EQ(runs.size(), 1u) << key;
        EXPECT_EQ(runs[0].id, "r1");
    }
    EXPECT_TRUE(store->active_runs_for("phone:+33600000000").empty());
}

// The cooldown between enrolments counts a contact's runs under any identity they were started
// with: a person enrolled by phone is not enrolled again by email within it.
TEST_F(StoreTest, LastEnrolledFindsRunsByAnyOfTheirIdentities) {
    store->create_runs({new_run("r1", version, "phone:+33612345678",
                                {"phone:+33612345678", "email:ana@acme.test"})},
                       kNow);
    EXPECT_EQ(store->last_enrolled("email:ana@acme.test"), kNow);
    EXPECT_EQ(store->last_enrolled("phone:+33612345678"), kNow);
    EXPECT_FALSE(store->last_enrolled("email:bo@acme.test").has_value());
}

// The message id the engine gives an action's first attempt is not stored (it is the run id,
// the step id and the seq); any other reads back as it was written.
TEST_F(StoreTest, StepMessageIdsReadBackWhetherStoredOrDerived) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto run = *store->get_run("r1");
    store::Batch batch;
    batch.insert_steps.push_back(step_row(run, 1, store::StepStatus::succeeded));  // r1.send.1
    auto retry = step_row(run, 2, store::StepStatus::started);
    retry.message_id = "r1.send.1";  // a retry keeps its first attempt's id
    batch.insert_steps.push_back(retry);
    auto wait = step_row(run, 3, store::StepStatus::waiting);
    wait.message_id.clear();
    batch.insert_steps.push_back(wait);
    store->commit(batch);

    auto steps = store->list_steps("r1");
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].message_id, "r1.send.1");
    EXPECT_EQ(steps[1].message_id, "r1.send.1");
    EXPECT_EQ(steps[2].message_id, "");
    auto pending = store->pending_effects("r1");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].message_id, "r1.send.1");
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM steps WHERE message_id IS NULL").getInt(), 1);
}

TEST_F(StoreTest, UnsubscribeAndItsSuppressionAreOneTransaction) {
    store::Event e;
    e.event_id = "evt_1";
    e.contact_key = "email:ana@acme.test";
    e.type = "unsubscribed";
    e.occurred_at = e.recorded_at = kNow;
    store::Suppression s{"email", "ana@acme.test", "unsubscribe", true, "unsubscribed", kNow};
    auto before = store->suppression_generation();
    ASSERT_TRUE(store->record_event(e, &s));
    EXPECT_TRUE(store->get_suppression("email", "ana@acme.test"));
    EXPECT_GT(store->suppression_generation(), before);
    // The provider retries its webhook: nothing is written twice, nothing half.
    EXPECT_FALSE(store->record_event(e, &s));
    EXPECT_EQ(store->events_for({"email:ana@acme.test"}, 0).size(), 1u);
}

TEST_F(StoreTest, EventAndSuppressionFailTogether) {
    // On a database that fills up mid-way, each unsubscribe lands with its suppression or not
    // at all: never the event without the suppression (the person would stay reachable).
    store.reset();
    auto small = store::open_sqlite(path, {.max_pages = 30});
    bool full = false;
    int n = 0;
    for (; n < 10'000 && !full; ++n) {
        store::Event e;
        e.event_id = "evt_" + std::to_string(n);
        e.contact_key = "email:c" + std::to_string(n) + "@acme.test";
        e.type = "unsubscribed";
        e.occurred_at = e.recorded_at = kNow;
        e.data = nlohmann::json{{"padding", std::string(1500, 'y')}};
        store::Suppression s{"email",
                             "c" + std::to_string(n) + "@acme.test",
                             "unsubscribe",
                             true,
                             std::string(1500, 'z'),
                             kNow};
        try {
            small->record_event(e, &s);
        } catch (const store::StoreFull&) {
            full = true;
        }
    }
    ASSERT_TRUE(full);
    small.reset();
    auto reopened = store::open_sqlite(path);
    // Every recorded unsubscribe has its suppression, and the one that failed has neither.
    for (int i = 0; i < n; ++i) {
        std::string key = "email:c" + std::to_string(i) + "@acme.test";
        bool event = !reopened->events_for({key}, 0).empty();
        bool suppressed =
            reopened->get_suppression("email", "c" + std::to_string(i) + "@acme.test").has_value();
        EXPECT_EQ(event, suppressed) << key;
    }
}

}  // namespace
}  // namespace relance::test
