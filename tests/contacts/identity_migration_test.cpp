// Migration 4 -> 5: keys stored under the old normalisation (U-label email domains, phone
// numbers the old table formatted otherwise) keep matching once the store is opened by a relance
// that writes A-labels and libphonenumber's E.164. A real version 4 database file, migrated by
// the real store.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "../support/process.hpp"
#include "relance/contacts/identity.hpp"
#include "relance/contacts/suppression.hpp"
#include "relance/store/store.hpp"

namespace relance::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A version 4 database file holding `sql`.
std::string v4_database(const TempDir& dir, const std::string& sql) {
    std::string path = dir / "v4.db";
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(read_file(std::string(CONTACTS_FIXTURES) + "/schema_v4.sql"));
    db.exec("PRAGMA user_version=4");
    db.exec(sql);
    return path;
}

// The suppression list as the runtime's gates build it from the store.
contacts::SuppressionList loaded(store::Store& store) {
    contacts::SuppressionList list;
    for (const auto& s : store.list_suppressions())
        if (auto kind = contacts::parse_kind(s.kind))
            list.add({*kind, s.value, s.source, s.locked});
    return list;
}

contacts::Identity email(const std::string& address) {
    return contacts::identify({{"email", address}}, "");
}

const std::string kUmlaut = "m\xC3\xBCller.de";  // müller.de

TEST(IdentityMigration, SuppressedULabelStaysSuppressedAsALabel) {
    TempDir dir;
    auto store = store::open_sqlite(
        v4_database(dir, "INSERT INTO suppressions VALUES ('email', 'anna@" + kUmlaut +
                             "', 'unsubscribe', 1, 'unsubscribed (event e1)', 10)"));
    EXPECT_TRUE(store->get_suppression("email", "anna@xn--mller-kva.de"));
    EXPECT_FALSE(store->get_suppression("email", "anna@" + kUmlaut));
    auto list = loaded(*store);
    EXPECT_TRUE(list.match(email("anna@xn--mller-kva.de")));
    EXPECT_TRUE(list.match(email("anna@" + kUmlaut)));
    EXPECT_TRUE(list.match(email("Anna@M\xC3\x9CLLER.DE")));
}

TEST(IdentityMigration, SuppressedALabelStaysSuppressedAsULabel) {
    TempDir dir;
    auto store = store::open_sqlite(v4_database(
        dir,
        "INSERT INTO suppressions VALUES ('domain', 'xn--mller-kva.de', 'operator', 0, '', 10)"));
    auto list = loaded(*store);
    EXPECT_TRUE(list.match(email("anna@" + kUmlaut)));
    EXPECT_TRUE(list.match(email("bob@eu." + kUmlaut)));
    EXPECT_TRUE(list.match(email("anna@xn--mller-kva.de")));
    EXPECT_FALSE(list.match(email("anna@mueller.de")));
}

// Two spellings of one address were two entries: they become one, locked because one of them
// was the person's own unsubscribe, dated by the earlier.
TEST(IdentityMigration, DuplicatesMergeKeepingTheStricterEntry) {
    TempDir dir;
    auto store = store::open_sqlite(
        v4_database(dir,
                    "INSERT INTO suppressions VALUES "
                    "('email', 'bob@xn--mller-kva.de', 'operator', 0, 'typed by hand', 5),"
                    "('email', 'bob@" +
                        kUmlaut +
                        "', 'unsubscribe', 1, 'unsubscribed (event e2)', 9),"
                        "('email', 'carl@" +
                        kUmlaut +
                        "', 'unsubscribe', 1, 'unsubscribed (event e3)', 3),"
                        "('email', 'carl@xn--mller-kva.de', 'bounce', 0, 'bounced', 7),"
                        "('domain', 'xn--caf-dma.fr', 'operator', 0, '', 1),"
                        "('domain', 'caf\xC3\xA9.fr', 'import', 0, '', 2),"
                        "('phone', '+310201234567', 'bounce', 0, 'bounced', 4),"
                        "('email', 'keep@acme.test', 'operator', 0, '', 1)"));
    auto all = store->list_suppressions();
    ASSERT_EQ(all.size(), 5u);
    auto bob = store->get_suppression("email", "bob@xn--mller-kva.de");
    ASSERT_TRUE(bob);
    EXPECT_TRUE(bob->locked);
    EXPECT_EQ(bob->source, "unsubscribe");
    EXPECT_EQ(bob->created_at, 5);
    auto carl = store->get_suppression("email", "carl@xn--mller-kva.de");
    ASSERT_TRUE(carl);
    EXPECT_TRUE(carl->locked);
    EXPECT_EQ(carl->source, "unsubscribe");
    EXPECT_EQ(carl->created_at, 3);
    EXPECT_TRUE(store->get_suppression("domain", "xn--caf-dma.fr"));
    // The old table did not know the Netherlands and kept the trunk 0 after +31.
    EXPECT_TRUE(store->get_suppression("phone", "+31201234567"));
    EXPECT_TRUE(store->get_suppression("email", "keep@acme.test"));
}

// The runs, events and sends of a contact follow the new key: an event recorded under one
// spelling stops the runs started under another.
TEST(IdentityMigration, ContactKeysOfRunsEventsAndSendsAreRewritten) {
    TempDir dir;
    std::string old_key = "email:dana@" + kUmlaut;
    std::string path = v4_database(
        dir,
        "INSERT INTO workflow_versions (id, name, version, sha256, file, source, created_at) "
        "VALUES (1, 'wf', '1', 'abc', 'wf.yaml', 'name: wf', 1);"
        "INSERT INTO runs (id, workflow_version_id, workflow_name, idempotency_key, status, "
        "node, attempt, context, due_at, next_seq, message_id, contact_key, created_at, "
        "updated_at) VALUES ('r1', 1, 'wf', 'k1', 'waiting', 0, 1, '{}', 5, 2, '', '" +
            old_key +
            "', 1, 1);"
            "INSERT INTO run_contacts VALUES ('" +
            old_key +
            "', 'r1'), "
            "('email:dana@xn--mller-kva.de', 'r1'), ('phone:+310201234567', 'r1');"
            "INSERT INTO events (event_id, contact_key, type, occurred_at, recorded_at) VALUES "
            "('e1', '" +
            old_key +
            "', 'replied', 2, 2);"
            "INSERT INTO sends VALUES ('r1', 1, 's@x.test', 'email', '" +
            old_key + "', '" + kUmlaut + "', 3);");
    auto store = store::open_sqlite(path);
    EXPECT_EQ(store->active_runs_for("email:dana@xn--mller-kva.de").size(), 1u);
    EXPECT_EQ(store->active_runs_for("phone:+31201234567").size(), 1u);
    EXPECT_TRUE(store->active_runs_for(old_key).empty());
    EXPECT_EQ(store->events_for({"email:dana@xn--mller-kva.de"}, 0).size(), 1u);
    ASSERT_TRUE(store->get_run("r1"));
    EXPECT_EQ(store->get_run("r1")->contact_key, "email:dana@xn--mller-kva.de");
    store.reset();
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 14);  // 4 -> ... -> 14
    EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM run_contacts").getInt(), 2);
    EXPECT_EQ(db.execAndGet("SELECT contact_key || ' ' || recipient_domain FROM sends").getString(),
              "email:dana@xn--mller-kva.de xn--mller-kva.de");
}

}  // namespace
}  // namespace relance::test
