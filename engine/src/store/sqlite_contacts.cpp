// Contacts: events (deduplicated by event id), the runs of a contact by any of its identities,
// the global suppression list, and the SQL functions that re-normalise stored contact keys.
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <relance/contacts/suppression.hpp>

#include "sqlite_store.hpp"

namespace relance::store {

namespace {

// A stored suppression value ("domain", "müller.de") under today's normalisation; the value
// itself when it does not normalise any more, so that nothing stored is ever dropped.
std::string identity_value(std::string_view kind, const std::string& value) {
    auto k = contacts::parse_kind(kind);
    if (!k) return value;
    auto normalized = contacts::normalize_entry_value(*k, value);
    return normalized ? *normalized : value;
}

// A stored contact key ("email:anna@müller.de") under today's normalisation.
std::string identity_key(const std::string& key) {
    std::size_t colon = key.find(':');
    if (colon == std::string::npos) return key;
    std::string_view kind(key.data(), colon);
    if (kind != "email" && kind != "phone" && kind != "linkedin") return key;
    return std::string(kind) + ":" + identity_value(kind, key.substr(colon + 1));
}

std::string text_arg(sqlite3_value* v) {
    const unsigned char* text = sqlite3_value_text(v);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_value_bytes(v)))
                : std::string();
}

void return_text(sqlite3_context* ctx, const std::string& text) {
    sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// relance_identity_value(kind, value)
void sql_identity_value(sqlite3_context* ctx, int, sqlite3_value** argv) {
    try {
        return_text(ctx, identity_value(text_arg(argv[0]), text_arg(argv[1])));
    } catch (const std::exception& e) {  // an exception must not cross SQLite's C frames
        sqlite3_result_error(ctx, e.what(), -1);
    }
}

// relance_identity_key(key)
void sql_identity_key(sqlite3_context* ctx, int, sqlite3_value** argv) {
    try {
        return_text(ctx, identity_key(text_arg(argv[0])));
    } catch (const std::exception& e) {
        sqlite3_result_error(ctx, e.what(), -1);
    }
}

}  // namespace

void SqliteStore::register_identity_functions() {
    constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    sqlite3* h = db_.getHandle();
    if (sqlite3_create_function_v2(h, "relance_identity_value", 2, kFlags, nullptr,
                                   sql_identity_value, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_create_function_v2(h, "relance_identity_key", 1, kFlags, nullptr, sql_identity_key,
                                   nullptr, nullptr, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("cannot register the identity functions: ") +
                                 sqlite3_errmsg(h));
}

bool SqliteStore::record_event(const Event& e, const Suppression* suppression) {
    std::lock_guard g(m_);
    try {
        // One transaction: an unsubscribe and the suppression it causes are never apart (a
        // crash in between would leave the person reachable by the next workflow).
        WriteTransaction tx(db_, *writers_);
        auto st_held = cached(
            "INSERT INTO events (event_id, contact_key, type, run_id, message_id, "
            "occurred_at, recorded_at, data) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (event_id) DO NOTHING");
        SQLite::Statement& st = *st_held;
        st.bind(1, e.event_id);
        st.bind(2, e.contact_key);
        st.bind(3, e.type);
        st.bind(4, e.run_id);
        st.bind(5, e.message_id);
        st.bind(6, static_cast<int64_t>(e.occurred_at));
        st.bind(7, static_cast<int64_t>(e.recorded_at));
        st.bind(8, e.data->dump());
        if (st.exec() != 1) return false;  // recorded before: the transaction rolls back
        if (suppression && write_suppression(*suppression)) bump_suppression_generation();
        tx.commit();
        return true;
    } catch (const SQLite::Exception& ex) {
        rethrow_store_error(ex, "recording event " + e.event_id);
    }
}

std::vector<Event> SqliteStore::events_for(const std::vector<std::string>& keys,
                                           std::int64_t since) {
    std::vector<Event> out;
    if (keys.empty()) return out;
    std::lock_guard g(m_);
    // The keys travel as one JSON array: one statement text, prepared once, whatever their number.
    auto st_held = cached(std::string("SELECT ") + kEventColumns +
                          " FROM events WHERE occurred_at >= ? AND contact_key IN (SELECT value "
                          "FROM json_each(?)) ORDER BY occurred_at, seq");
    SQLite::Statement& st = *st_held;
    st.bind(1, static_cast<int64_t>(since));
    st.bind(2, json(keys).dump());
    while (st.executeStep()) out.push_back(read_event(st));
    return out;
}

namespace {

// The run columns with the context left out (read as {}): an event is checked against every run
// of its contact, and parsing each run's whole context for that was most of the cost.
std::string without_context(const std::string& columns) {
    std::string out = columns;
    out.replace(out.find("context"), 7, "'{}'");
    return out;
}

}  // namespace

std::string active_runs_sql() {
    return std::string("SELECT ") + without_context(kRunColumns) +
           " FROM (SELECT run_row FROM run_contacts WHERE contact_key=?) AS c CROSS JOIN runs ON "
           "runs.row = c.run_row WHERE status IN ('ready','waiting','paused') ORDER BY created_at";
}

std::vector<Run> SqliteStore::active_runs_for(const std::string& contact_key) {
    std::lock_guard g(m_);
    // From the contact's runs to their rows (CROSS JOIN keeps that order): written as
    // "id IN (subquery)", SQLite walked every unfinished run by status instead, which made
    // each event cost as much as all the runs waiting (the simulation's largest cost).
    auto st_held = cached(active_runs_sql());
    SQLite::Statement& st = *st_held;
    st.bind(1, contact_key);
    std::vector<Run> out;
    while (st.executeStep()) out.push_back(read_run(st));
    return out;
}

// The keys travel as one JSON array: a chunk of any size is one statement.
std::vector<std::string> SqliteStore::existing_run_keys(const std::string& workflow_name,
                                                        const std::vector<std::string>& keys) {
    std::lock_guard g(m_);
    // By the ids the keys give (run_id_for): the id's index is the only one runs are looked up
    // by key with.
    json ids = json::array();
    for (const auto& key : keys) ids.push_back(run_id_for(workflow_name, key));
    auto st_held = cached(kExistingRunKeysSql);
    SQLite::Statement& st = *st_held;
    st.bind(1, ids.dump());
    st.bind(2, workflow_name);
    std::vector<std::string> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
}

std::vector<ContactRun> SqliteStore::active_runs_of(const std::vector<std::string>& contact_keys) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT c.contact_key, r.workflow_name, r.id FROM run_contacts c JOIN "
        "runs r ON r.row = c.run_row WHERE c.contact_key IN (SELECT value FROM "
        "json_each(?)) AND r.status IN ('ready','waiting','paused') ORDER BY "
        "r.created_at");
    SQLite::Statement& st = *st_held;
    st.bind(1, json(contact_keys).dump());
    std::vector<ContactRun> out;
    while (st.executeStep())
        out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                       st.getColumn(2).getString()});
    return out;
}

bool SqliteStore::write_suppression(const Suppression& e) {
    // A locked entry (the person's own unsubscribe) replaces an unlocked one, never the other
    // way round.
    auto st_held = cached(
        "INSERT INTO suppressions (kind, value, source, locked, reason, "
        "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT (kind, value) DO UPDATE "
        "SET source=excluded.source, locked=1, reason=excluded.reason "
        "WHERE excluded.locked=1 AND suppressions.locked=0");
    SQLite::Statement& st = *st_held;
    st.bind(1, e.kind);
    st.bind(2, e.value);
    st.bind(3, e.source);
    st.bind(4, e.locked ? 1 : 0);
    st.bind(5, e.reason);
    st.bind(6, static_cast<int64_t>(e.created_at));
    return st.exec() == 1;
}

bool SqliteStore::put_suppression(const Suppression& e) {
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        bool changed = write_suppression(e);
        if (changed) bump_suppression_generation();
        tx.commit();
        return changed;
    } catch (const SQLite::Exception& ex) {
        rethrow_store_error(ex, "suppressing " + e.kind + " " + e.value);
    }
}

std::optional<Suppression> SqliteStore::get_suppression(const std::string& kind,
                                                        const std::string& value) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kSuppressionColumns +
                          " FROM suppressions WHERE kind=? AND value=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, kind);
    st.bind(2, value);
    if (!st.executeStep()) return std::nullopt;
    return read_suppression(st);
}

bool SqliteStore::delete_suppression(const std::string& kind, const std::string& value) {
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    auto st_held = cached("DELETE FROM suppressions WHERE kind=? AND value=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, kind);
    st.bind(2, value);
    bool changed = st.exec() == 1;
    if (changed) bump_suppression_generation();
    tx.commit();
    return changed;
}

std::vector<Suppression> SqliteStore::list_suppressions() {
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kSuppressionColumns +
                          " FROM suppressions ORDER BY kind, value");
    SQLite::Statement& st = *st_held;
    std::vector<Suppression> out;
    while (st.executeStep()) out.push_back(read_suppression(st));
    return out;
}

std::int64_t SqliteStore::suppression_generation() {
    std::lock_guard g(m_);
    return db_.execAndGet("SELECT value FROM meta WHERE key='suppression_generation'").getInt64();
}

void SqliteStore::bump_suppression_generation() {
    db_.exec("UPDATE meta SET value = value + 1 WHERE key='suppression_generation'");
}

}  // namespace relance::store
