// API keys: one row per key, the token's SHA-256 and never the token, found by its prefix.
#include "sqlite_store.hpp"

namespace relance::store {

namespace {

// Scopes are stored space-separated (join_words): none contains a space (app::api_scopes()).
constexpr const char* kKeyColumns =
    "SELECT id, name, prefix, hash, scopes, rate_per_minute, created_at, revoked_at FROM api_keys";

ApiKeyRow read_key(SQLite::Statement& st) {
    ApiKeyRow k;
    k.id = st.getColumn(0).getString();
    k.name = st.getColumn(1).getString();
    k.prefix = st.getColumn(2).getString();
    k.hash = st.getColumn(3).getString();
    k.scopes = split_words(st.getColumn(4).getString());
    k.rate_per_minute = st.getColumn(5).getInt();
    k.created_at = st.getColumn(6).getInt64();
    k.revoked_at = optional_int(st.getColumn(7));
    return k;
}

}  // namespace

void SqliteStore::put_api_key(const ApiKeyRow& key) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_,
                         "INSERT INTO api_keys (id, name, prefix, hash, scopes, rate_per_minute, "
                         "created_at, revoked_at) VALUES (?,?,?,?,?,?,?,NULL)");
    st.bind(1, key.id);
    st.bind(2, key.name);
    st.bind(3, key.prefix);
    st.bind(4, key.hash);
    st.bind(5, join_words(key.scopes));
    st.bind(6, key.rate_per_minute);
    st.bind(7, static_cast<int64_t>(key.created_at));
    st.exec();
}

std::vector<ApiKeyRow> SqliteStore::list_api_keys() {
    std::lock_guard g(m_);
    SQLite::Statement st(db_, std::string(kKeyColumns) + " ORDER BY created_at, id");
    std::vector<ApiKeyRow> out;
    while (st.executeStep()) out.push_back(read_key(st));
    return out;
}

std::optional<ApiKeyRow> SqliteStore::api_key_by_prefix(const std::string& prefix) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string(kKeyColumns) + " WHERE prefix=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, prefix);
    if (!st.executeStep()) return std::nullopt;
    return read_key(st);
}

bool SqliteStore::revoke_api_key(const std::string& id, std::int64_t now) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_, "UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at IS NULL");
    st.bind(1, static_cast<int64_t>(now));
    st.bind(2, id);
    return st.exec() == 1;
}

}  // namespace relance::store
