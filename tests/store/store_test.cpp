#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

namespace fs = std::filesystem;
using store::WorkerLock;

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
        r.context["inputs"]["padding"] = std::string(2000, 'x');
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
        e.data = {{"padding", std::string(1500, 'y')}};
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
