// Contacts as people: their records (attributes, identities), their history across the tables
// (events, runs, sends), their erasure (GDPR), and the suppression list a page at a time.
#include <nlohmann/json.hpp>
#include <set>

#include "sqlite_store.hpp"

namespace relance::store {

namespace {

constexpr const char* kContactColumns = "key, identities, attributes, created_at, updated_at";

Store::ContactRecord read_contact(SQLite::Statement& st) {
    Store::ContactRecord c;
    c.key = st.getColumn(0).getString();
    json ids = parse_json_column(st.getColumn(1));
    if (ids.is_array())
        for (const auto& id : ids)
            if (id.is_string()) c.identities.push_back(id.get<std::string>());
    json attributes = parse_json_column(st.getColumn(2));
    c.attributes = attributes.is_object() ? attributes : json::object();
    c.created_at = st.getColumn(3).getInt64();
    c.updated_at = st.getColumn(4).getInt64();
    return c;
}

// SQLite's "no limit".
std::int64_t sql_limit(int limit) {
    return limit > 0 ? limit : -1;
}

// The runs (by row) started with any of the keys ?1 (a JSON array).
constexpr const char* kRunRowsOfKeys =
    "SELECT run_row FROM run_contacts WHERE contact_key IN (SELECT value FROM json_each(?1))";

}  // namespace

std::optional<Store::ContactRecord> SqliteStore::find_contact(const std::string& identity_key) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kContactColumns +
                          " FROM contacts WHERE key = (SELECT contact_key FROM contact_identities "
                          "WHERE identity = ?)");
    SQLite::Statement& st = *st_held;
    st.bind(1, identity_key);
    if (!st.executeStep()) return std::nullopt;
    return read_contact(st);
}

Store::ContactUpsert SqliteStore::upsert_contact(const std::vector<std::string>& identity_keys,
                                                 const json& attributes, std::int64_t now) {
    ContactUpsert out;
    if (identity_keys.empty()) return out;
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        // Which record each key belongs to: all the keys that have one must agree.
        std::string owner;
        {
            auto st_held = cached("SELECT contact_key FROM contact_identities WHERE identity = ?");
            for (const auto& key : identity_keys) {
                SQLite::Statement& st = *st_held;
                st.bind(1, key);
                if (st.executeStep()) {
                    std::string found = st.getColumn(0).getString();
                    if (!owner.empty() && found != owner) {
                        out.conflict = key;
                        return out;  // rolled back: nothing written
                    }
                    owner = found;
                }
                st.reset();
            }
        }
        ContactRecord c;
        if (owner.empty()) {
            c.key = identity_keys.front();
            c.created_at = now;
            out.created = true;
        } else {
            auto st_held =
                cached(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE key = ?");
            SQLite::Statement& st = *st_held;
            st.bind(1, owner);
            if (st.executeStep()) {
                c = read_contact(st);
            } else {  // an identity row without its record (never written so): start afresh
                c.key = owner;
                c.created_at = now;
                out.created = true;
            }
        }
        std::set<std::string> known(c.identities.begin(), c.identities.end());
        if (known.insert(c.key).second) c.identities.insert(c.identities.begin(), c.key);
        for (const auto& key : identity_keys)
            if (known.insert(key).second) c.identities.push_back(key);
        json merged = *c.attributes;
        merged.merge_patch(attributes.is_object() ? attributes : json::object());
        c.attributes = merged;
        c.updated_at = now;

        auto put = cached(
            "INSERT INTO contacts (key, identities, attributes, created_at, updated_at) VALUES "
            "(?,?,?,?,?) ON CONFLICT (key) DO UPDATE SET identities=excluded.identities, "
            "attributes=excluded.attributes, updated_at=excluded.updated_at");
        SQLite::Statement& st_put = *put;
        st_put.bind(1, c.key);
        st_put.bind(2, json(c.identities).dump());
        st_put.bind(3, merged.dump());
        st_put.bind(4, static_cast<int64_t>(c.created_at));
        st_put.bind(5, static_cast<int64_t>(c.updated_at));
        st_put.exec();
        auto link = cached(
            "INSERT INTO contact_identities (identity, contact_key) VALUES (?,?) "
            "ON CONFLICT (identity) DO NOTHING");
        for (const auto& key : c.identities) {
            SQLite::Statement& st = *link;
            st.bind(1, key);
            st.bind(2, c.key);
            st.exec();
            st.reset();
        }
        tx.commit();
        out.contact = std::move(c);
        return out;
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "upserting a contact");
    }
}

std::vector<Event> SqliteStore::contact_events(const std::vector<std::string>& keys, int limit) {
    std::vector<Event> out;
    if (keys.empty()) return out;
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kEventColumns +
                          " FROM events WHERE contact_key IN (SELECT value FROM json_each(?)) "
                          "ORDER BY occurred_at DESC, seq DESC LIMIT ?");
    SQLite::Statement& st = *st_held;
    st.bind(1, json(keys).dump());
    st.bind(2, static_cast<int64_t>(sql_limit(limit)));
    while (st.executeStep()) out.push_back(read_event(st));
    return out;
}

std::vector<Run> SqliteStore::contact_runs(const std::vector<std::string>& keys, int limit) {
    std::vector<Run> out;
    if (keys.empty()) return out;
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kRunColumns + " FROM runs WHERE row IN (" +
                          kRunRowsOfKeys + ") ORDER BY created_at DESC, row DESC LIMIT ?2");
    SQLite::Statement& st = *st_held;
    st.bind(1, json(keys).dump());
    st.bind(2, static_cast<int64_t>(sql_limit(limit)));
    while (st.executeStep()) out.push_back(read_run(st));
    return out;
}

std::vector<Send> SqliteStore::contact_sends(const std::vector<std::string>& keys, int limit) {
    std::vector<Send> out;
    if (keys.empty()) return out;
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kSendColumns +
                          " FROM sends WHERE contact_key IN (SELECT value FROM json_each(?)) "
                          "ORDER BY at DESC, run_id, seq LIMIT ?");
    SQLite::Statement& st = *st_held;
    st.bind(1, json(keys).dump());
    st.bind(2, static_cast<int64_t>(sql_limit(limit)));
    while (st.executeStep()) out.push_back(read_send(st));
    return out;
}

std::vector<std::string> SqliteStore::linked_identities(const std::vector<std::string>& keys) {
    std::vector<std::string> out = keys;
    if (keys.empty()) return out;
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT DISTINCT contact_key FROM run_contacts WHERE "
                                      "run_row IN (") +
                          kRunRowsOfKeys + ") ORDER BY contact_key");
    SQLite::Statement& st = *st_held;
    st.bind(1, json(keys).dump());
    std::set<std::string> seen(keys.begin(), keys.end());
    while (st.executeStep()) {
        std::string key = st.getColumn(0).getString();
        if (seen.insert(key).second) out.push_back(std::move(key));
    }
    return out;
}

Store::ContactErasure SqliteStore::erase_contact(const std::vector<std::string>& keys,
                                                 const std::vector<Suppression>& hashed,
                                                 std::int64_t now) {
    (void)now;
    ContactErasure out;
    std::string ids = json(keys).dump();
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        // The runs first: their rows go with their steps and identities. A worker holding one
        // finds its lease gone (no row holds it), so its check before a call stops the call and
        // its commit writes nothing for the run.
        std::vector<std::int64_t> rows;
        {
            SQLite::Statement st(db_, std::string("SELECT row, id FROM runs WHERE row IN (") +
                                          kRunRowsOfKeys + ") ORDER BY row");
            st.bind(1, ids);
            while (st.executeStep()) {
                rows.push_back(st.getColumn(0).getInt64());
                out.runs.push_back(st.getColumn(1).getString());
            }
        }
        std::string row_list = json(rows).dump();
        std::string run_ids = json(out.runs).dump();
        auto exec = [&](const char* sql, const std::string& arg) {
            SQLite::Statement st(db_, sql);
            st.bind(1, arg);
            return static_cast<std::int64_t>(st.exec());
        };
        // The person's events in the events feed (outbound webhooks) go, with their deliveries
        // not yet made (a delivery whose event is gone would never be due): those about their
        // runs and their contact events, found by the rows they name (so before those rows go),
        // and those written before schema 14, which copied contact keys and run inputs into
        // their JSON. A scan of the feed: an erasure is rare.
        {
            const char* of_person =
                "SELECT seq FROM feed_events WHERE run_row IN (SELECT value FROM json_each(?3)) "
                "OR event_seq IN (SELECT seq FROM events WHERE contact_key IN (SELECT value FROM "
                "json_each(?1)) OR (run_id != '' AND run_id IN (SELECT value FROM "
                "json_each(?2)))) OR (data IS NOT NULL AND (json_extract(data, '$.contact') IN "
                "(SELECT value FROM json_each(?1)) OR json_extract(data, '$.run_id') IN (SELECT "
                "value FROM json_each(?2))))";
            for (const std::string& sql :
                 {std::string("DELETE FROM webhook_deliveries WHERE event_seq IN (") + of_person +
                      ")",
                  std::string("DELETE FROM feed_events WHERE seq IN (") + of_person + ")"}) {
                SQLite::Statement st(db_, sql);
                st.bind(1, ids);
                st.bind(2, run_ids);
                st.bind(3, row_list);
                st.exec();
            }
        }
        exec("DELETE FROM steps WHERE run_row IN (SELECT value FROM json_each(?))", row_list);
        exec("DELETE FROM run_contacts WHERE run_row IN (SELECT value FROM json_each(?))",
             row_list);
        exec("DELETE FROM runs WHERE row IN (SELECT value FROM json_each(?))", row_list);
        // Events under the keys, and those about the runs (a provider's event may name the run
        // under another address).
        out.events =
            exec("DELETE FROM events WHERE contact_key IN (SELECT value FROM json_each(?))", ids);
        out.events += exec(
            "DELETE FROM events WHERE run_id != '' AND run_id IN (SELECT value FROM "
            "json_each(?))",
            run_ids);
        // Sends stay: the sender's caps count them. Who they went to does not.
        out.sends = exec(
            "UPDATE sends SET contact_key = 'erased' WHERE contact_key IN (SELECT value FROM "
            "json_each(?))",
            ids);
        out.sends += exec(
            "UPDATE sends SET contact_key = 'erased' WHERE contact_key != 'erased' AND run_id IN "
            "(SELECT value FROM json_each(?))",
            run_ids);
        // Entries naming the person (kind and value are the key's two halves): the hashed
        // entries replace them. Domain entries name no one and stay.
        out.suppressions = exec(
            "DELETE FROM suppressions WHERE kind || ':' || value IN (SELECT value FROM "
            "json_each(?))",
            ids);
        {
            SQLite::Statement st(db_,
                                 "SELECT DISTINCT contact_key FROM contact_identities WHERE "
                                 "identity IN (SELECT value FROM json_each(?))");
            st.bind(1, ids);
            std::vector<std::string> records;
            while (st.executeStep()) records.push_back(st.getColumn(0).getString());
            std::string record_list = json(records).dump();
            exec(
                "DELETE FROM contact_identities WHERE contact_key IN (SELECT value FROM "
                "json_each(?))",
                record_list);
            out.record = exec("DELETE FROM contacts WHERE key IN (SELECT value FROM json_each(?))",
                              record_list) > 0;
        }
        for (const auto& h : hashed) write_suppression(h);
        bump_suppression_generation();
        tx.commit();
        return out;
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "erasing a contact");
    }
}

std::vector<Suppression> SqliteStore::suppressions_page(
    const std::optional<std::pair<std::string, std::string>>& after, int limit) {
    std::lock_guard g(m_);
    // Row values compare as the primary key orders: the page starts right after `after`, read
    // through the key's own order (no sort).
    std::string sql = std::string("SELECT ") + kSuppressionColumns + " FROM suppressions " +
                      (after ? "WHERE (kind, value) > (?, ?) " : "") +
                      "ORDER BY kind, value LIMIT ?";
    auto st_held = cached(sql);
    SQLite::Statement& st = *st_held;
    int at = 1;
    if (after) {
        st.bind(at++, after->first);
        st.bind(at++, after->second);
    }
    st.bind(at, static_cast<int64_t>(sql_limit(limit)));
    std::vector<Suppression> out;
    while (st.executeStep()) out.push_back(read_suppression(st));
    return out;
}

std::vector<bool> SqliteStore::put_suppressions(const std::vector<Suppression>& entries) {
    std::vector<bool> changed;
    changed.reserve(entries.size());
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        bool any = false;
        for (const auto& e : entries) {
            changed.push_back(write_suppression(e));
            any = any || changed.back();
        }
        if (any) bump_suppression_generation();
        tx.commit();
        return changed;
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "importing suppressions");
    }
}

}  // namespace relance::store
