// Sender accounts: the sends their limits count, their first use, and the accounts a provider
// refused (paused until fixed).
#include "sqlite_store.hpp"

namespace relance::store {

std::vector<Send> SqliteStore::sends_of(const std::string& sender, std::int64_t since) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kSendColumns +
                          " FROM sends WHERE sender=? AND at>=? ORDER BY at");
    SQLite::Statement& st = *st_held;
    st.bind(1, sender);
    st.bind(2, static_cast<int64_t>(since));
    std::vector<Send> out;
    while (st.executeStep()) out.push_back(read_send(st));
    return out;
}

std::optional<std::string> SqliteStore::first_sender(const std::string& contact_key,
                                                     const std::string& channel) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT sender FROM sends WHERE contact_key=? AND channel=? "
        "ORDER BY at LIMIT 1");
    SQLite::Statement& st = *st_held;
    st.bind(1, contact_key);
    st.bind(2, channel);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getString();
}

std::optional<std::int64_t> SqliteStore::sender_first_use(const std::string& sender) {
    std::lock_guard g(m_);
    auto st_held = cached("SELECT first_use_at FROM senders WHERE id=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, sender);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getInt64();
}

void SqliteStore::put_account_pause(const AccountPause& p) {
    std::lock_guard g(m_);
    try {
        auto st_held = cached(
            "INSERT INTO account_pauses (key, reason, since, probe_at) VALUES "
            "(?,?,?,?) ON CONFLICT (key) DO UPDATE SET reason=excluded.reason, "
            "probe_at=excluded.probe_at");
        SQLite::Statement& st = *st_held;
        st.bind(1, p.key);
        st.bind(2, p.reason);
        st.bind(3, static_cast<int64_t>(p.since));
        st.bind(4, static_cast<int64_t>(p.probe_at));
        st.exec();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "pausing account " + p.key);
    }
}

bool SqliteStore::delete_account_pause(const std::string& key) {
    std::lock_guard g(m_);
    auto st_held = cached("DELETE FROM account_pauses WHERE key=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, key);
    return st.exec() == 1;
}

std::vector<AccountPause> SqliteStore::list_account_pauses() {
    std::lock_guard g(m_);
    auto st_held = cached("SELECT key, reason, since, probe_at FROM account_pauses ORDER BY key");
    SQLite::Statement& st = *st_held;
    std::vector<AccountPause> out;
    while (st.executeStep()) {
        AccountPause p;
        p.key = st.getColumn(0).getString();
        p.reason = st.getColumn(1).getString();
        p.since = st.getColumn(2).getInt64();
        p.probe_at = st.getColumn(3).getInt64();
        out.push_back(std::move(p));
    }
    return out;
}

std::optional<std::size_t> SqliteStore::resume_account(const std::string& key, std::int64_t now) {
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto del_held = cached("DELETE FROM account_pauses WHERE key=?");
        SQLite::Statement& del = *del_held;
        del.bind(1, key);
        if (del.exec() != 1) return std::nullopt;
        // The pause gate's reasons read "account KEY paused since ..." and "account KEY refused
        // by the provider ...": the space after the key keeps `sendgrid` from matching
        // `sendgrid/ann@acme.test`. Only waiting runs due later, that no worker holds.
        auto wake_held = cached(
            "UPDATE runs SET due_at=? WHERE status='waiting' AND due_at > ? "
            "AND instr(reason, 'account ' || ? || ' ') > 0 AND "
            "(lease_until IS NULL OR lease_until < ?)");
        SQLite::Statement& wake = *wake_held;
        wake.bind(1, static_cast<int64_t>(now));
        wake.bind(2, static_cast<int64_t>(now));
        wake.bind(3, key);
        wake.bind(4, static_cast<int64_t>(now));
        std::size_t woken = static_cast<std::size_t>(wake.exec());
        tx.commit();
        return woken;
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "resuming account " + key);
    }
}

}  // namespace relance::store
