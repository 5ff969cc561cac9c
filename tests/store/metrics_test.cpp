// The store's figures behind /metrics: runs by workflow and status, and the queue (due now,
// the oldest due run no lease holds, runs paused in doubt).
#include "sqlite_store.hpp"
#include "store_fixture.hpp"

namespace relance::test {
namespace {

using store::RunStatus;

constexpr std::int64_t kLease = 60'000;

store::NewRun due_run(const std::string& id, std::int64_t version, const std::string& workflow,
                      std::int64_t due_at) {
    store::NewRun r = new_run(id, version);
    r.workflow_name = workflow;
    r.due_at = due_at;
    return r;
}

class StoreMetrics : public StoreTest {
  protected:
    // wf: r1..r3 due in the past (r1 the oldest), r4 due in a minute, and three runs ended by a
    // worker: one completed, one paused in doubt, one paused for another reason. other: one
    // run due. A worker then holds r1.
    void SetUp() override {
        StoreTest::SetUp();
        store->create_runs(
            {due_run("end1", version, "wf", kNow - 10'000),
             due_run("end2", version, "wf", kNow - 10'000),
             due_run("end3", version, "wf", kNow - 10'000),
             due_run("r1", version, "wf", kNow - 3'000), due_run("r2", version, "wf", kNow - 2'000),
             due_run("r3", version, "wf", kNow - 1'000),
             due_run("r4", version, "wf", kNow + 60'000),
             due_run("o1", version, "other", kNow - 500)},
            kNow - 20'000);
        auto ended = store->claim_due("w", kNow, 3, kNow + kLease);
        ASSERT_EQ(ended.size(), 3u);
        store::Batch batch;
        const char* reasons[] = {"", "in doubt: step send (sendgrid.send) may have been sent",
                                 "paused by an operator"};
        RunStatus statuses[] = {RunStatus::completed, RunStatus::paused, RunStatus::paused};
        for (std::size_t i = 0; i < ended.size(); ++i) {
            store::Run r = ended[i];
            batch.leases.emplace_back(r.id, r.lease);
            r.status = statuses[i];
            r.reason = reasons[i];
            r.due_at.reset();
            r.updated_at = kNow;
            batch.update_runs.push_back(r);
        }
        ASSERT_TRUE(store->commit(batch).empty());
        held = store->claim_due("w", kNow, 1, kNow + kLease);
        ASSERT_EQ(held.size(), 1u);
        ASSERT_EQ(held[0].id, "r1");
    }

    std::vector<store::Run> held;
};

TEST_F(StoreMetrics, RunTalliesCountEachWorkflowByStatus) {
    auto tallies = store->run_tallies();
    std::map<std::pair<std::string, std::string>, std::int64_t> got;
    for (const auto& t : tallies) got[{t.workflow, store::to_string(t.status)}] = t.count;
    std::map<std::pair<std::string, std::string>, std::int64_t> want = {
        {{"other", "ready"}, 1},
        {{"wf", "completed"}, 1},
        {{"wf", "paused"}, 2},
        {{"wf", "ready"}, 4},  // r1 held by a worker is still ready
    };
    EXPECT_EQ(got, want);
    // By workflow, then status: each workflow's rows are together.
    ASSERT_EQ(tallies.size(), 4u);
    EXPECT_EQ(tallies.front().workflow, "other");
    EXPECT_EQ(tallies.back().workflow, "wf");
}

TEST_F(StoreMetrics, QueueFiguresSeeDueWorkLeasesAndDoubt) {
    auto f = store->queue_figures(kNow);
    EXPECT_EQ(f.due, 4);  // r1 (held), r2, r3, o1; not r4, not the ended runs
    ASSERT_TRUE(f.oldest_unclaimed_due.has_value());
    EXPECT_EQ(*f.oldest_unclaimed_due, kNow - 2'000);  // r2: r1 is leased
    EXPECT_EQ(f.in_doubt, 1);

    // Once the lease has expired, r1 is unclaimed work again, and the oldest.
    auto later = store->queue_figures(kNow + kLease + 1);
    EXPECT_EQ(later.due, 5);  // r4 is due by then
    EXPECT_EQ(*later.oldest_unclaimed_due, kNow - 3'000);

    // Nothing due before the first due time.
    auto early = store->queue_figures(kNow - 5'000);
    EXPECT_EQ(early.due, 0);
    EXPECT_FALSE(early.oldest_unclaimed_due.has_value());
    EXPECT_EQ(early.in_doubt, 1);
}

TEST_F(StoreMetrics, AnEmptyStoreHasNoFigures) {
    auto empty = store::open_sqlite(dir / "empty.db");
    EXPECT_TRUE(empty->run_tallies().empty());
    auto f = empty->queue_figures(kNow);
    EXPECT_EQ(f.due, 0);
    EXPECT_FALSE(f.oldest_unclaimed_due.has_value());
    EXPECT_EQ(f.in_doubt, 0);
}

// Bounded cost: the queue figures read the due part of the due-time index and the paused runs
// only (each with its row: SQLite does not take a partial index's condition as read), never the
// whole table.
TEST_F(StoreMetrics, QueueFiguresUseTheIndexes) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    auto plan = [&](const std::string& sql) {
        SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql);
        std::string out;
        while (st.executeStep()) out += st.getColumn(3).getString() + "\n";
        return out;
    };
    EXPECT_NE(plan("SELECT COUNT(*) FROM runs INDEXED BY runs_due WHERE status IN "
                   "('ready','waiting') AND due_at <= 1")
                  .find("SEARCH runs USING INDEX runs_due (due_at<?)"),
              std::string::npos);
    EXPECT_NE(plan("SELECT COUNT(*) FROM runs INDEXED BY runs_status WHERE status = 'paused' "
                   "AND substr(reason, 1, 9) = 'in doubt:'")
                  .find("SEARCH runs USING INDEX runs_status (status=?)"),
              std::string::npos);
}

}  // namespace
}  // namespace relance::test
