// Migrations: a database written by an older relance opens, upgraded, with nothing lost.
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <iterator>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A version 3 database (relance before the effect log): a run mid-call, its started step noted
// by runs.inflight_seq.
TEST(Migration, FromVersion3KeepsPendingCallsAndContacts) {
    TempDir dir;
    std::string path = dir / "v3.db";
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec(read_file(std::string(STORE_FIXTURES) + "/schema_v3.sql"));
        db.exec("PRAGMA user_version=3");
        db.exec(
            "INSERT INTO workflow_versions (id, name, version, sha256, file, source, "
            "created_at) VALUES (1, 'wf', '1', 'abc', 'wf.yaml', 'name: wf', 1)");
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
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 5);  // through 3 -> 4 and 4 -> 5
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM pragma_table_info('runs') WHERE "
                            "name='inflight_seq'")
                  .getInt(),
              0);
}

}  // namespace
}  // namespace relance::test
