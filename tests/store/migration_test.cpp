// Migrations: a database written by an older relance opens, upgraded, with nothing lost.
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <tuple>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A database as relance of schema `version` left it (tests/store/fixtures/schema_vN.sql), with
// workflow version 1 stored, for a test to fill.
SQLite::Database old_database(const std::string& path, int version) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(
        read_file(std::string(STORE_FIXTURES) + "/schema_v" + std::to_string(version) + ".sql"));
    db.exec("PRAGMA user_version=" + std::to_string(version));
    db.exec(
        "INSERT INTO workflow_versions (id, name, version, sha256, file, source, created_at) "
        "VALUES (1, 'wf', '1', 'abc', 'wf.yaml', 'name: wf', 1)");
    return db;
}

// A version 3 database (relance before the effect log): a run mid-call, its started step noted
// by runs.inflight_seq.
TEST(Migration, FromVersion3KeepsPendingCallsAndContacts) {
    TempDir dir;
    std::string path = dir / "v3.db";
    {
        SQLite::Database db = old_database(path, 3);
        db.exec(
            "INSERT INTO runs (id, workflow_version_id, workflow_name, idempotency_key, "
            "status, node, attempt, context, due_at, inflight_seq, next_seq, message_id, "
            "contact_key, created_at, updated_at) VALUES ('r1', 1, 'wf', 'k1', 'ready', 0, "
            "1, '{}', 5, 1, 2, 'r1.send.1', 'email:ana@acme.test', 1, 1)");
        db.exec(
            "INSERT INTO steps (run_id, seq, step_id, kind, status, attempt, started_at, "
            "message_id) VALUES ('r1', 1, 'send', 'sendgrid.send', 'started', 1, 1, "
            "'r1.send.1')");
    }
    auto store = store::open_sqlite(path);
    auto claimed = store->claim_due("w", 10, 10, 100);
    ASSERT_EQ(claimed.size(), 1u);
    ASSERT_EQ(claimed[0].pending.size(), 1u);
    EXPECT_EQ(claimed[0].pending[0].message_id, "r1.send.1");
    EXPECT_EQ(store->active_runs_for("email:ana@acme.test").size(), 1u);
    store.reset();
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 14);  // through 3 -> ... -> 14
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM pragma_table_info('runs') WHERE "
                            "name='inflight_seq'")
                  .getInt(),
              0);
}

// The columns and indexes of a table, as text: a migrated database must match a new one.
std::string shape_of(SQLite::Database& db, const std::string& table) {
    std::string shape;
    SQLite::Statement cols(db,
                           "SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk FROM "
                           "pragma_table_info(?) ORDER BY cid");
    cols.bind(1, table);
    while (cols.executeStep())
        for (int i = 0; i < 5; ++i) shape += cols.getColumn(i).getString() + (i < 4 ? " " : "\n");
    SQLite::Statement indexes(db,
                              "SELECT name, sql FROM sqlite_master WHERE type='index' AND "
                              "tbl_name=? ORDER BY name");
    indexes.bind(1, table);
    while (indexes.executeStep())
        shape += indexes.getColumn(0).getString() + ": " + indexes.getColumn(1).getString() + "\n";
    return shape;
}

// A version 5 database (steps keyed by the run's id): its runs keep their creation order as
// their row, their steps (a finished one, a pending call) move to that row, and the tables end
// up exactly as a new database has them.
TEST(Migration, FromVersion5KeysStepsByTheRunsRow) {
    TempDir dir;
    std::string path = dir / "v5.db";
    {
        SQLite::Database db = old_database(path, 5);
        // Ids in the opposite order to creation: the row must follow creation (the rowid).
        for (auto [id, key, contact] : {std::tuple{"r_zz", "k1", "email:ana@acme.test"},
                                        {"r_aa", "k2", "email:bo@acme.test"}})
            db.exec(std::string("INSERT INTO runs (id, workflow_version_id, workflow_name, "
                                "idempotency_key, status, node, attempt, context, due_at, "
                                "next_seq, message_id, contact_key, created_at, updated_at) "
                                "VALUES ('") +
                    id + "', 1, 'wf', '" + key + "', 'ready', 1, 1, '{}', 5, 3, '', '" + contact +
                    "', 1, 1)");
        db.exec(
            "INSERT INTO steps (run_id, seq, step_id, kind, status, attempt, started_at, "
            "finished_at, message_id, output) VALUES "
            "('r_zz', 1, 'look', 'noop.pass', 'succeeded', 1, 1, 2, 'r_zz.look.1', '{\"n\":1}'), "
            "('r_zz', 2, 'send', 'sendgrid.send', 'started', 1, 3, NULL, 'r_zz.send.2', NULL), "
            "('r_aa', 1, 'look', 'noop.pass', 'succeeded', 1, 1, 2, 'r_aa.look.1', '{\"n\":2}')");
        db.exec(
            "INSERT INTO run_contacts (contact_key, run_id) VALUES "
            "('email:ana@acme.test', 'r_zz'), ('email:bo@acme.test', 'r_aa')");
    }
    auto store = store::open_sqlite(path);
    auto zz = store->list_steps("r_zz");
    ASSERT_EQ(zz.size(), 2u);
    EXPECT_EQ(zz[0].output, nlohmann::json({{"n", 1}}));
    EXPECT_EQ(zz[1].status, store::StepStatus::started);
    auto aa = store->list_steps("r_aa");
    ASSERT_EQ(aa.size(), 1u);
    EXPECT_EQ(aa[0].run_id, "r_aa");
    EXPECT_EQ(aa[0].output, nlohmann::json({{"n", 2}}));
    auto claimed = store->claim_due("w", 10, 10, 100);
    ASSERT_EQ(claimed.size(), 2u);
    for (const auto& run : claimed)
        EXPECT_EQ(run.pending.size(), run.id == "r_zz" ? 1u : 0u) << run.id;
    EXPECT_EQ(store->active_runs_for("email:ana@acme.test").size(), 1u);
    store.reset();

    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 14);  // 5 -> ... -> 14
    EXPECT_EQ(db.execAndGet("SELECT group_concat(id, ' ') FROM (SELECT id FROM runs ORDER BY row)")
                  .getString(),
              "r_zz r_aa");
    std::string fresh_path = dir / "fresh.db";
    store::open_sqlite(fresh_path).reset();
    SQLite::Database fresh(fresh_path, SQLite::OPEN_READONLY);
    for (const char* table : {"runs", "steps", "run_contacts"})
        EXPECT_EQ(shape_of(db, table), shape_of(fresh, table)) << table;
}

// A version 6 database (step statuses stored as names): every status comes back as it was,
// now stored as its code, a name this relance does not know reads as in doubt (as it did), the
// pending call is still found through the partial index, the reports count what they counted,
// and the steps table ends up exactly as a new database has it.
TEST(Migration, FromVersion6StoresStepStatusesAsCodes) {
    TempDir dir;
    std::string path = dir / "v6.db";
    const std::vector<std::string> names = {"started",      "succeeded", "failed",    "retry",
                                            "rate_limited", "skipped",   "done",      "waiting",
                                            "deferred",     "cancelled", "in_doubt",  "reconciling",
                                            "reconciled",   "resolved",  "abandoned", "stopped"};
    {
        SQLite::Database db = old_database(path, 6);
        db.exec(
            "INSERT INTO runs (row, id, workflow_version_id, workflow_name, idempotency_key, "
            "status, node, attempt, context, due_at, next_seq, contact_key, created_at, "
            "updated_at) VALUES (1, 'r_a', 1, 'wf', 'k1', 'ready', 1, 1, '{}', 5, 20, "
            "'email:ana@acme.test', 1, 1), (2, 'r_b', 1, 'wf', 'k2', 'ready', 1, 1, '{}', 5, 3, "
            "'email:bo@acme.test', 1, 1)");
        SQLite::Statement insert(db,
                                 "INSERT INTO steps (run_row, seq, step_id, kind, status, attempt, "
                                 "started_at, finished_at) VALUES (?, ?, ?, 'sendgrid.send', ?, "
                                 "1, 2, 3)");
        for (std::size_t i = 0; i < names.size(); ++i) {
            insert.bind(1, 1);
            insert.bind(2, static_cast<int64_t>(i + 1));
            insert.bind(3, "s" + std::to_string(i + 1));
            insert.bind(4, names[i]);
            insert.exec();
            insert.reset();
        }
        db.exec(
            "INSERT INTO steps (run_row, seq, step_id, kind, status, attempt, started_at) "
            "VALUES (2, 1, 'x', 'noop.pass', 'frobbed', 1, 2)");
    }
    auto store = store::open_sqlite(path);
    auto steps = store->list_steps("r_a");
    ASSERT_EQ(steps.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
        EXPECT_EQ(store::to_string(steps[i].status), names[i]) << i;
    auto unknown = store->list_steps("r_b");
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown[0].status, store::StepStatus::in_doubt);
    auto claimed = store->claim_due("w", 10, 10, 100);
    ASSERT_EQ(claimed.size(), 2u);
    for (const auto& run : claimed) {
        ASSERT_EQ(run.pending.size(), run.id == "r_a" ? 1u : 0u) << run.id;
        if (run.id == "r_a") {
            EXPECT_EQ(run.pending[0].seq, 1);
        }
    }
    // What the reports count: sends that succeeded (s2) or were reconciled (s13), and the
    // failed one (s3), each on its own step.
    auto counts = store->workflow_counts("wf");
    std::int64_t sent = 0, failed = 0;
    for (const auto& c : counts.sends) {
        sent += c.sent;
        failed += c.failed;
    }
    EXPECT_EQ(sent, 2);
    EXPECT_EQ(failed, 1);
    store.reset();

    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 14);
    EXPECT_EQ(
        db.execAndGet("SELECT count(*) FROM steps WHERE typeof(status) != 'integer'").getInt(), 0);
    EXPECT_EQ(db.execAndGet("SELECT status FROM steps WHERE run_row = 1 AND seq = 2").getInt(), 1);
    std::string fresh_path = dir / "fresh.db";
    store::open_sqlite(fresh_path).reset();
    SQLite::Database fresh(fresh_path, SQLite::OPEN_READONLY);
    EXPECT_EQ(shape_of(db, "steps"), shape_of(fresh, "steps"));
}

// A version 13 database, whose feed copied each event's JSON (the run's inputs among it) into
// the feed row: those rows keep their JSON, later events are built from the rows they name, and
// a GDPR erase finds the person's events of both kinds.
TEST(Migration, FromVersion13KeepsTheFeedsCopiedJsonAndBuildsNewEventsFromRows) {
    TempDir dir;
    std::string path = dir / "v13.db";
    {
        SQLite::Database db = old_database(path, 13);
        // Version 13's trigger writes run.started with the JSON copied in.
        db.exec(
            "INSERT INTO runs (row, id, workflow_version_id, workflow_name, idempotency_key, "
            "status, node, attempt, context, due_at, created_at, updated_at, contact_key) VALUES "
            "(1, 'r-ana', 1, 'wf', 'k1', 'ready', 0, 1, "
            "'{\"inputs\":{\"email\":\"ana@acme.test\"}}',"
            " 5, 1, 1, 'email:ana@acme.test')");
        db.exec(
            "INSERT INTO run_contacts (contact_key, run_row) VALUES ('email:ana@acme.test', 1)");
        ASSERT_EQ(
            db.execAndGet("SELECT count(*) FROM feed_events WHERE data LIKE '%ana@acme%'").getInt(),
            1);
    }
    auto store = store::open_sqlite(path);
    store::Store::FeedQuery q;
    q.limit = 100;
    auto feed = store->feed(q);
    ASSERT_EQ(feed.size(), 1u);
    EXPECT_EQ(feed[0].type, "run.started");
    auto old_data = nlohmann::json::parse(feed[0].data);
    EXPECT_EQ(old_data["run_id"], "r-ana");
    EXPECT_EQ(old_data["inputs"]["email"], "ana@acme.test");

    auto bob = new_run("r-bob", 1, "email:bob@acme.test", {"email:bob@acme.test"});
    bob.context = nlohmann::json{{"inputs", {{"email", "bob@acme.test"}}}};
    store->create_runs({bob}, kNow);
    feed = store->feed(q);
    ASSERT_EQ(feed.size(), 2u);
    EXPECT_EQ(feed[1].type, "run.started");
    EXPECT_EQ(nlohmann::json::parse(feed[1].data),
              (nlohmann::json{{"run_id", "r-bob"},
                              {"workflow", "wf"},
                              {"contact", "email:bob@acme.test"},
                              {"inputs", {{"email", "bob@acme.test"}}}}));

    store->erase_contact({"email:ana@acme.test"}, {}, kNow);
    feed = store->feed(q);
    ASSERT_EQ(feed.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(feed[0].data)["run_id"], "r-bob");
    store.reset();

    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 14);
    // The new row holds the run's key, no JSON.
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM feed_events WHERE data IS NULL AND run_row = 2")
                  .getInt(),
              1);
    std::string fresh_path = dir / "fresh.db";
    store::open_sqlite(fresh_path).reset();
    SQLite::Database fresh(fresh_path, SQLite::OPEN_READONLY);
    EXPECT_EQ(shape_of(db, "feed_events"), shape_of(fresh, "feed_events"));
}

}  // namespace
}  // namespace relance::test
