// The tracking key's one row (docs/tracking.md).
#include "sqlite_store.hpp"

namespace relance::store {

std::string SqliteStore::tracking_key(const std::string& candidate, std::int64_t now) {
    std::lock_guard g(m_);
    // INSERT OR IGNORE then read, one statement each: two processes racing both read the row
    // the first of them wrote.
    SQLite::Statement put(
        db_, "INSERT OR IGNORE INTO tracking_key (id, key, created_at) VALUES (1,?,?)");
    put.bind(1, candidate.data(), static_cast<int>(candidate.size()));
    put.bind(2, static_cast<int64_t>(now));
    put.exec();
    SQLite::Statement get(db_, "SELECT key FROM tracking_key WHERE id = 1");
    if (!get.executeStep()) return candidate;
    const auto& column = get.getColumn(0);
    return std::string(static_cast<const char*>(column.getBlob()),
                       static_cast<std::size_t>(column.getBytes()));
}

bool SqliteStore::reseal_tracking_key(const std::string& plain, const std::string& sealed) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_, "UPDATE tracking_key SET key=? WHERE id = 1 AND key=?");
    st.bind(1, sealed.data(), static_cast<int>(sealed.size()));
    st.bind(2, plain.data(), static_cast<int>(plain.size()));
    return st.exec() == 1;
}

}  // namespace relance::store
