// What sandbox emulators accepted, recorded durably (`relance sandbox outbox`).
#include <algorithm>
#include <relance/base/json_text.hpp>
#include <stdexcept>

#include "sqlite_store.hpp"

namespace relance::store {

void SqliteStore::record_sandbox(const std::string& plugin, const std::string& box,
                                 const json& entry, std::int64_t now) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "INSERT INTO sandbox_records (plugin, box, recorded_at, entry) "
        "VALUES (?,?,?,?)");
    SQLite::Statement& st = *st_held;
    st.bind(1, plugin);
    st.bind(2, box);
    st.bind(3, static_cast<int64_t>(now));
    st.bind(4, json_text(entry));
    st.exec();
}

std::vector<SandboxField> SqliteStore::sandbox_field_since(const std::string& box,
                                                           const std::string& field,
                                                           std::int64_t after_id, int limit) {
    std::lock_guard g(m_);
    // SQLite's json_extract reads the one field in C; parsing each whole entry (the message's
    // text, headers, ...) into a JSON value cost the simulation 2.5% of its time. The path
    // quotes the name, so a key with dots is taken literally.
    auto st_held = cached(
        "SELECT id, recorded_at, json_extract(entry, ?) FROM sandbox_records WHERE box=? "
        "AND id>? ORDER BY id LIMIT ?");
    SQLite::Statement& st = *st_held;
    if (field.find('"') != std::string::npos)
        throw std::invalid_argument("sandbox field name with a double quote: " + field);
    st.bind(1, "$.\"" + field + "\"");
    st.bind(2, box);
    st.bind(3, static_cast<int64_t>(after_id));
    st.bind(4, limit);
    std::vector<SandboxField> out;
    while (st.executeStep()) {
        SandboxField f;
        f.id = st.getColumn(0).getInt64();
        f.recorded_at = st.getColumn(1).getInt64();
        if (st.getColumn(2).isText()) f.value = st.getColumn(2).getString();
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<SandboxEntry> SqliteStore::list_sandbox(const std::string& plugin,
                                                    const std::string& box, int limit) {
    std::lock_guard g(m_);
    std::string sql = std::string("SELECT ") + kSandboxColumns + " FROM sandbox_records WHERE 1=1";
    if (!box.empty()) sql += " AND box=?";
    if (!plugin.empty()) sql += " AND plugin=?";
    sql += " ORDER BY id DESC LIMIT ?";  // the newest `limit`, returned oldest first below
    auto st_held = cached(sql);
    SQLite::Statement& st = *st_held;
    int i = 1;
    if (!box.empty()) st.bind(i++, box);
    if (!plugin.empty()) st.bind(i++, plugin);
    st.bind(i, limit);
    std::vector<SandboxEntry> out;
    while (st.executeStep()) out.push_back(read_sandbox(st));
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace relance::store
