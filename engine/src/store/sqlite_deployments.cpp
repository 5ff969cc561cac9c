// Deployments (which version of each workflow new runs take) and the slots cron triggers
// handled. One row per workflow name; a
// deploy replaces it and takes the next seq, in one statement (the store's lock serialises
// writers of this process, SQLite's write lock those of others).
#include "sqlite_store.hpp"

namespace relance::store {

namespace {

Deployment read_deployment(SQLite::Statement& st) {
    Deployment d;
    d.name = st.getColumn(0).getString();
    d.workflow_version_id = st.getColumn(1).getInt64();
    d.seq = st.getColumn(2).getInt64();
    d.deployed_at = st.getColumn(3).getInt64();
    return d;
}

}  // namespace

Deployment SqliteStore::deploy_workflow(const std::string& name, std::int64_t workflow_version_id,
                                        std::int64_t now) {
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    {
        // The same version again is no new deploy: a server polling deployment_seq() would
        // reload for nothing, and `deployed_at` would lie about when it went live.
        SQLite::Statement st(db_,
                             "INSERT INTO deployments (name, workflow_version_id, seq, "
                             "deployed_at) VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM "
                             "deployments), ?3) ON CONFLICT (name) DO UPDATE SET "
                             "workflow_version_id=excluded.workflow_version_id, seq=excluded.seq, "
                             "deployed_at=excluded.deployed_at WHERE workflow_version_id != "
                             "excluded.workflow_version_id");
        st.bind(1, name);
        st.bind(2, static_cast<int64_t>(workflow_version_id));
        st.bind(3, static_cast<int64_t>(now));
        st.exec();
    }
    SQLite::Statement st(db_,
                         "SELECT name, workflow_version_id, seq, deployed_at FROM deployments "
                         "WHERE name=?");
    st.bind(1, name);
    st.executeStep();
    Deployment d = read_deployment(st);
    st.reset();
    tx.commit();
    return d;
}

std::vector<Deployment> SqliteStore::deployments() {
    std::lock_guard g(m_);
    SQLite::Statement st(db_,
                         "SELECT name, workflow_version_id, seq, deployed_at FROM deployments "
                         "ORDER BY name");
    std::vector<Deployment> out;
    while (st.executeStep()) out.push_back(read_deployment(st));
    return out;
}

std::int64_t SqliteStore::deployment_seq() {
    std::lock_guard g(m_);
    return db_.execAndGet("SELECT COALESCE(MAX(seq), 0) FROM deployments").getInt64();
}

std::optional<std::int64_t> SqliteStore::cron_slot(const std::string& key) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_, "SELECT slot FROM cron_slots WHERE key=?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getInt64();
}

void SqliteStore::set_cron_slot(const std::string& key, std::int64_t slot) {
    std::lock_guard g(m_);
    SQLite::Statement st(db_,
                         "INSERT INTO cron_slots (key, slot) VALUES (?,?) ON CONFLICT (key) DO "
                         "UPDATE SET slot=excluded.slot WHERE excluded.slot > slot");
    st.bind(1, key);
    st.bind(2, static_cast<int64_t>(slot));
    st.exec();
}

}  // namespace relance::store
