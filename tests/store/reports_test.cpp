// Reading over every run: the listing a page at a time (in order, each run once, stopping when
// asked, through an index), and the indexes it needs reaching databases made before them.
#include <SQLiteCpp/SQLiteCpp.h>

#include <set>

#include "schema_sqlite.hpp"
#include "sqlite_store.hpp"
#include "store_fixture.hpp"

namespace relance::test {
namespace {

using store::RunFilter;
using store::RunStatus;

RunFilter filter(int limit, std::optional<RunStatus> status = {}, std::string workflow = {}) {
    RunFilter f;
    f.status = status;
    f.workflow = std::move(workflow);
    f.limit = limit;
    return f;
}

// Runs created at a few times, many at the same one (as an import creates them), in two
// workflows, some of them finished. Run ids are random: runs created at the same time are listed
// in the order they were created, not by id.
class Listing : public StoreTest {
  protected:
    void SetUp() override {
        StoreTest::SetUp();
        other = store->put_workflow_version("other", "1", "other.yaml", "name: other", kNow);
        std::int64_t at = kNow;
        for (int chunk = 0; chunk < 4; ++chunk, at += 1000) {
            std::vector<store::NewRun> runs;
            for (int i = 0; i < 300; ++i) {
                // Ids not in creation order, so that ties on created_at are sorted by id.
                std::string id = "r_" + std::to_string((i * 7919 + chunk * 31) % 1000) + "_" +
                                 std::to_string(chunk);
                auto r = new_run(id, version);
                if (i % 3 == 0) {
                    r.workflow_version_id = other;
                    r.workflow_name = "other";
                }
                runs.push_back(r);
            }
            store->create_runs(runs, at);
        }
        // Some runs finished: the status filter has something to skip.
        store::Batch b;
        for (const auto& r : store->list_runs(filter(1200))) {
            if (r.id.back() % 2) continue;
            store::Run done = r;
            done.status = RunStatus::completed;
            done.due_at.reset();
            b.update_runs.push_back(done);
        }
        store->commit(b);
    }

    // Every run as SQLite orders it, filtered as asked: what the pages must add up to.
    std::vector<std::string> expected(const RunFilter& f) {
        SQLite::Database db(path, SQLite::OPEN_READONLY);
        std::string sql = "SELECT id FROM runs WHERE 1=1";
        if (f.status) sql += std::string(" AND status='") + store::to_string(*f.status) + "'";
        if (!f.workflow.empty()) sql += " AND workflow_name='" + f.workflow + "'";
        SQLite::Statement st(db,
                             sql + " ORDER BY created_at, rowid LIMIT " + std::to_string(f.limit));
        std::vector<std::string> ids;
        while (st.executeStep()) ids.push_back(st.getColumn(0).getString());
        return ids;
    }

    std::vector<std::string> streamed(const RunFilter& f) {
        std::vector<std::string> ids;
        store->for_each_run(f, [&](const store::Run& r) {
            ids.push_back(r.id);
            return true;
        });
        return ids;
    }

    std::int64_t other = 0;
};

TEST_F(Listing, PagesAddUpToTheWholeListInOrder) {
    std::vector<RunFilter> filters = {
        filter(100),  // the default: one page
        filter(1200),
        filter(256),  // exactly a page
        filter(257),
        filter(5000),  // more than there are
        filter(1000, RunStatus::ready),
        filter(300, RunStatus::completed),
        filter(1000, {}, "wf"),
        filter(150, {}, "other"),
        filter(1000, RunStatus::ready, "wf"),
        filter(10, {}, "nothing"),
    };
    for (const auto& f : filters) {
        SCOPED_TRACE(std::string(f.status ? store::to_string(*f.status) : "any") + " " +
                     f.workflow + " " + std::to_string(f.limit));
        auto want = expected(f);
        EXPECT_EQ(streamed(f), want);
        std::vector<std::string> listed;
        for (const auto& r : store->list_runs(f)) listed.push_back(r.id);
        EXPECT_EQ(listed, want);
    }
    // Whole runs, not just ids.
    auto runs = store->list_runs(filter(1, {}, "other"));
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].workflow_name, "other");
    EXPECT_EQ(runs[0].created_at, kNow);
}

TEST_F(Listing, StopsWhenAskedAndMayCallTheStore) {
    int seen = 0;
    store->for_each_run(filter(1200), [&](const store::Run& r) {
        // Another call on the same store from inside: nothing is held while a run is handed.
        EXPECT_TRUE(store->get_run(r.id));
        return ++seen < 300;
    });
    EXPECT_EQ(seen, 300);
}

TEST_F(Listing, RunsWrittenBetweenPagesComeAtMostOnce) {
    std::set<std::string> seen;
    int n = 0;
    store->for_each_run(filter(5000, RunStatus::ready), [&](const store::Run& r) {
        EXPECT_TRUE(seen.insert(r.id).second) << r.id << " given twice";
        if (++n == 10) {
            // Meanwhile a worker finishes runs, some given already, some not yet, and new
            // runs are started.
            store::Batch b;
            for (const auto& x : store->list_runs(filter(1200))) {
                if (x.id.back() % 2 == 0 || x.status != RunStatus::ready) continue;
                store::Run done = x;
                done.status = RunStatus::failed;
                done.due_at.reset();
                b.update_runs.push_back(done);
                if (b.update_runs.size() == 400) break;
            }
            store->commit(b);
            store->create_runs({new_run("r_late", version)}, kNow + 10'000);
        }
        return true;
    });
    EXPECT_GT(n, 10);
    EXPECT_TRUE(seen.count("r_late"));  // created after the others: read on the last page
}

// The look-ups of an import (which keys have a run already) and of an event (the runs of a
// contact) start from what they are given and reach each run by its unique key: never through
// an index over a whole workflow or status, whose cost grows with every run stored (a million-
// record import took quadratic time that way).
TEST_F(Listing, KeyAndContactLookUpsStartFromWhatTheyAreGiven) {
    store.reset();
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    auto plan_of = [&](const std::string& sql) {
        SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql);
        std::string plan;
        while (st.executeStep()) plan += st.getColumn(3).getString() + "\n";
        return plan;
    };
    std::string keys = plan_of(store::kExistingRunKeysSql);
    EXPECT_NE(keys.find("SCAN k"), std::string::npos) << keys;
    EXPECT_NE(keys.find("SEARCH r USING INDEX sqlite_autoindex_runs_1 (id=?)"), std::string::npos)
        << keys;
    EXPECT_EQ(keys.find("runs_workflow_created"), std::string::npos) << keys;
    std::string contact = plan_of(store::active_runs_sql());
    EXPECT_NE(contact.find("SEARCH run_contacts USING PRIMARY KEY (contact_key=?)"),
              std::string::npos)
        << contact;
    EXPECT_NE(contact.find("SEARCH runs USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
        << contact;
    EXPECT_EQ(contact.find("runs_status"), std::string::npos) << contact;
}

// The statement of each page reads the runs in order through an index, and stops at the end of
// the page: never a sort (EXPLAIN QUERY PLAN: no "USE TEMP B-TREE"), never a scan of the table.
TEST_F(Listing, PagesAreReadThroughAnIndex) {
    store.reset();
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    for (std::optional<RunStatus> status :
         {std::optional<RunStatus>(), std::optional(RunStatus::ready)})
        for (std::string workflow : {"", "wf"})
            for (bool after : {false, true}) {
                std::string sql = store::run_list_sql(filter(100, status, workflow), after);
                SCOPED_TRACE(sql);
                SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql);
                int i = 1;
                if (status) st.bind(i++, "ready");
                if (!workflow.empty()) st.bind(i++, workflow);
                if (after) {
                    st.bind(i++, static_cast<int64_t>(kNow));
                    st.bind(i++, static_cast<int64_t>(5));
                }
                st.bind(i, 100);
                std::string plan;
                while (st.executeStep()) plan += st.getColumn(3).getString() + "\n";
                EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
                EXPECT_EQ(plan.find("SCAN runs\n"), std::string::npos) << plan;
                EXPECT_NE(plan.find("USING INDEX"), std::string::npos) << plan;
                if (!status) {
                    EXPECT_NE(
                        plan.find(workflow.empty() ? "runs_created" : "runs_workflow_created"),
                        std::string::npos)
                        << plan;
                }
            }
}

// A database written before these indexes existed (same schema version, no index) gets them
// the first time it is opened; the runs it holds are listed the same.
TEST_F(Listing, OlderDatabaseGetsTheIndexesWhenOpened) {
    auto before = streamed(filter(2000));
    store.reset();
    auto indexes = [&] {
        SQLite::Database db(path, SQLite::OPEN_READONLY);
        std::set<std::string> names;
        SQLite::Statement st(db, "SELECT name FROM sqlite_master WHERE type='index'");
        while (st.executeStep()) names.insert(st.getColumn(0).getString());
        return names;
    };
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        for (const auto& index : store::kSqliteLateIndexes)
            db.exec(std::string("DROP INDEX ") + index.name);
    }
    for (const auto& index : store::kSqliteLateIndexes) EXPECT_FALSE(indexes().count(index.name));
    store = store::open_sqlite(path);
    for (const auto& index : store::kSqliteLateIndexes)
        EXPECT_TRUE(indexes().count(index.name)) << index.name;
    EXPECT_EQ(streamed(filter(2000)), before);
    // The version did not move: the previous relance still opens it.
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), store::kSqliteSchemaVersion);
}

// Each late index is the schema's own statement: a new database and an upgraded one end the same.
TEST(LateIndexes, AreInTheSchema) {
    for (const auto& index : store::kSqliteLateIndexes) {
        EXPECT_NE(std::string(store::kSqliteSchema).find(index.create), std::string::npos)
            << index.create;
        EXPECT_NE(std::string(index.create).find(std::string(" ") + index.name + " "),
                  std::string::npos)
            << index.name;
    }
}

}  // namespace
}  // namespace relance::test
