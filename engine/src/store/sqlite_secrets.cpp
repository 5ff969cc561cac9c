// The secrets table: sealed values only (app/secret_seal.hpp seals and opens them).
#include "sqlite_store.hpp"

namespace relance::store {

namespace {
Store::StoredSecret secret_of(SQLite::Statement& st) {
    Store::StoredSecret s;
    s.scope = st.getColumn(0).getString();
    s.name = st.getColumn(1).getString();
    s.sealed = st.getColumn(2).getString();
    s.updated_at = st.getColumn(3).getInt64();
    return s;
}
}  // namespace

void SqliteStore::put_secret(const StoredSecret& secret) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_,
                         "INSERT INTO secrets (scope, name, sealed, updated_at) VALUES (?,?,?,?) "
                         "ON CONFLICT (scope, name) DO UPDATE SET sealed=excluded.sealed, "
                         "updated_at=excluded.updated_at");
    st.bind(1, secret.scope);
    st.bind(2, secret.name);
    st.bind(3, secret.sealed);
    st.bind(4, static_cast<int64_t>(secret.updated_at));
    st.exec();
}

std::optional<Store::StoredSecret> SqliteStore::get_secret(const std::string& scope,
                                                           const std::string& name) {
    std::lock_guard g(m_);
    SQLite::Statement st(
        db_, "SELECT scope, name, sealed, updated_at FROM secrets WHERE scope=? AND name=?");
    st.bind(1, scope);
    st.bind(2, name);
    if (!st.executeStep()) return std::nullopt;
    return secret_of(st);
}

std::vector<Store::StoredSecret> SqliteStore::list_secrets() {
    std::lock_guard g(m_);
    SQLite::Statement st(
        db_, "SELECT scope, name, sealed, updated_at FROM secrets ORDER BY scope, name");
    std::vector<StoredSecret> out;
    while (st.executeStep()) out.push_back(secret_of(st));
    return out;
}

bool SqliteStore::delete_secret(const std::string& scope, const std::string& name) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_, "DELETE FROM secrets WHERE scope=? AND name=?");
    st.bind(1, scope);
    st.bind(2, name);
    return st.exec() > 0;
}

}  // namespace relance::store
