// The SQLite store: one file, WAL, one connection guarded by our own mutex (so SQLite's
// per-call mutex is switched off: NOMUTEX). Hot-path statements are
// prepared once. A partial index on due_at over ready and waiting runs is the due-time index:
// finished and paused runs cost nothing to the scheduler.
#include <relance/store/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <relance/base/digest.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "schema_sqlite.hpp"

namespace relance::store {

namespace {

void bind_optional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& v) {
    if (v)
        st.bind(index, static_cast<int64_t>(*v));
    else
        st.bind(index);
}

std::optional<std::int64_t> optional_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

json parse_json_column(const SQLite::Column& c) {
    if (c.isNull()) return nullptr;
    return json::parse(c.getString());
}

constexpr const char* kRunColumns =
    "id, workflow_version_id, workflow_name, idempotency_key, status, node, attempt, context, "
    "due_at, reason, inflight_seq, next_seq, message_id, created_at, updated_at, contact_key";

Run read_run(SQLite::Statement& st) {
    Run r;
    r.id = st.getColumn(0).getString();
    r.workflow_version_id = st.getColumn(1).getInt64();
    r.workflow_name = st.getColumn(2).getString();
    r.idempotency_key = st.getColumn(3).getString();
    r.status = run_status_from(st.getColumn(4).getString()).value_or(RunStatus::failed);
    r.node = st.getColumn(5).getInt();
    r.attempt = st.getColumn(6).getInt();
    r.context = parse_json_column(st.getColumn(7));
    r.due_at = optional_int(st.getColumn(8));
    r.reason = st.getColumn(9).getString();
    r.inflight_seq = optional_int(st.getColumn(10));
    r.next_seq = st.getColumn(11).getInt64();
    r.message_id = st.getColumn(12).getString();
    r.created_at = st.getColumn(13).getInt64();
    r.updated_at = st.getColumn(14).getInt64();
    r.contact_key = st.getColumn(15).getString();
    return r;
}

SandboxEntry read_sandbox(SQLite::Statement& st) {
    SandboxEntry e;
    e.id = st.getColumn(0).getInt64();
    e.plugin = st.getColumn(1).getString();
    e.box = st.getColumn(2).getString();
    e.recorded_at = st.getColumn(3).getInt64();
    e.entry = parse_json_column(st.getColumn(4));
    return e;
}

Send read_send(SQLite::Statement& st) {
    Send x;
    x.run_id = st.getColumn(0).getString();
    x.seq = st.getColumn(1).getInt64();
    x.sender = st.getColumn(2).getString();
    x.channel = st.getColumn(3).getString();
    x.contact_key = st.getColumn(4).getString();
    x.recipient_domain = st.getColumn(5).getString();
    x.at = st.getColumn(6).getInt64();
    return x;
}

StepRecord read_step(SQLite::Statement& st) {
    StepRecord s;
    s.run_id = st.getColumn(0).getString();
    s.seq = st.getColumn(1).getInt64();
    s.step_id = st.getColumn(2).getString();
    s.kind = st.getColumn(3).getString();
    s.status = st.getColumn(4).getString();
    s.attempt = st.getColumn(5).getInt();
    s.started_at = st.getColumn(6).getInt64();
    s.finished_at = optional_int(st.getColumn(7));
    s.message_id = st.getColumn(8).getString();
    s.detail = st.getColumn(9).getString();
    s.output = parse_json_column(st.getColumn(10));
    return s;
}

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const std::string& path)
        : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
        db_.setBusyTimeout(10'000);
        if (path != ":memory:") db_.exec("PRAGMA journal_mode=WAL");
        // FULL: a commit is on disk before it returns, so a "started" record survives even a
        // power loss and a send is never repeated from a lost record. Batching keeps the number
        // of fsyncs per step low.
        db_.exec("PRAGMA synchronous=FULL");
        db_.exec("PRAGMA foreign_keys=ON");
        migrate();
        insert_step_ = std::make_unique<SQLite::Statement>(
            db_,
            "INSERT INTO steps (run_id, seq, step_id, kind, status, attempt, started_at, "
            "finished_at, message_id, detail, output) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
        update_step_ = std::make_unique<SQLite::Statement>(
            db_,
            "UPDATE steps SET status=?, finished_at=?, detail=?, output=? "
            "WHERE run_id=? AND seq=?");
        update_run_ = std::make_unique<SQLite::Statement>(
            db_,
            "UPDATE runs SET status=?, node=?, attempt=?, context=?, due_at=?, reason=?, "
            "inflight_seq=?, next_seq=?, message_id=?, updated_at=?, lease_owner=NULL, "
            "lease_until=NULL WHERE id=?");
        checkpoint_run_ = std::make_unique<SQLite::Statement>(
            db_,
            "UPDATE runs SET node=?, attempt=?, context=?, inflight_seq=?, next_seq=?, "
            "message_id=?, updated_at=? WHERE id=?");
        insert_send_ = std::make_unique<SQLite::Statement>(
            db_,
            "INSERT OR REPLACE INTO sends (run_id, seq, sender, channel, contact_key, "
            "recipient_domain, at) VALUES (?,?,?,?,?,?,?)");
        delete_send_ =
            std::make_unique<SQLite::Statement>(db_, "DELETE FROM sends WHERE run_id=? AND seq=?");
        // An account's first send is its ramp-up day 0 (kept if that send is later undone).
        first_use_ = std::make_unique<SQLite::Statement>(
            db_, "INSERT OR IGNORE INTO senders (id, first_use_at) VALUES (?,?)");
    }

    std::int64_t put_workflow_version(const std::string& name, const std::string& version,
                                      const std::string& file, const std::string& source,
                                      std::int64_t now) override {
        std::lock_guard g(m_);
        std::string sha = sha256_hex(source);
        SQLite::Statement find(db_, "SELECT id FROM workflow_versions WHERE sha256=? AND name=?");
        find.bind(1, sha);
        find.bind(2, name);
        if (find.executeStep()) return find.getColumn(0).getInt64();
        SQLite::Statement ins(db_,
                              "INSERT INTO workflow_versions (name, version, sha256, file, source, "
                              "created_at) VALUES (?,?,?,?,?,?)");
        ins.bind(1, name);
        ins.bind(2, version);
        ins.bind(3, sha);
        ins.bind(4, file);
        ins.bind(5, source);
        ins.bind(6, static_cast<int64_t>(now));
        ins.exec();
        return db_.getLastInsertRowid();
    }

    std::optional<WorkflowVersion> get_workflow_version(std::int64_t id) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT id, name, version, sha256, file, source, created_at FROM "
                             "workflow_versions WHERE id=?");
        st.bind(1, static_cast<int64_t>(id));
        if (!st.executeStep()) return std::nullopt;
        WorkflowVersion w;
        w.id = st.getColumn(0).getInt64();
        w.name = st.getColumn(1).getString();
        w.version = st.getColumn(2).getString();
        w.sha256 = st.getColumn(3).getString();
        w.file = st.getColumn(4).getString();
        w.source = st.getColumn(5).getString();
        w.created_at = st.getColumn(6).getInt64();
        return w;
    }

    std::vector<bool> create_runs(const std::vector<NewRun>& runs, std::int64_t now) override {
        std::lock_guard g(m_);
        std::vector<bool> created;
        created.reserve(runs.size());
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement ins(
            db_,
            "INSERT INTO runs (id, workflow_version_id, workflow_name, idempotency_key, status, "
            "node, attempt, context, due_at, reason, next_seq, message_id, created_at, "
            "updated_at, contact_key) VALUES (?,?,?,?,'ready',0,1,?,?,'',1,'',?,?,?) "
            // Any conflict (the idempotency key, or the id derived from it) means "started
            // before": nothing is written.
            "ON CONFLICT DO NOTHING");
        for (const auto& r : runs) {
            ins.bind(1, r.id);
            ins.bind(2, static_cast<int64_t>(r.workflow_version_id));
            ins.bind(3, r.workflow_name);
            ins.bind(4, r.idempotency_key);
            ins.bind(5, r.context.dump());
            ins.bind(6, static_cast<int64_t>(r.due_at));
            ins.bind(7, static_cast<int64_t>(now));
            ins.bind(8, static_cast<int64_t>(now));
            ins.bind(9, r.contact_key);
            created.push_back(ins.exec() == 1);
            ins.reset();
        }
        tx.commit();
        return created;
    }

    std::vector<Run> claim_due(const std::string& owner, std::int64_t now, int limit,
                               std::int64_t lease_until) override {
        std::lock_guard g(m_);
        std::vector<Run> out;
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement st(
            // INDEXED BY: the planner otherwise prefers runs_status and scans every waiting run;
            // the due-time index makes a claim cost the claimed rows only.
            db_, std::string("UPDATE runs SET lease_owner=?, lease_until=? WHERE id IN ("
                             "SELECT id FROM runs INDEXED BY runs_due WHERE status IN "
                             "('ready','waiting') AND "
                             "due_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
                             "ORDER BY due_at LIMIT ?) RETURNING ") +
                     kRunColumns);
        st.bind(1, owner);
        st.bind(2, static_cast<int64_t>(lease_until));
        st.bind(3, static_cast<int64_t>(now));
        st.bind(4, static_cast<int64_t>(now));
        st.bind(5, limit);
        while (st.executeStep()) out.push_back(read_run(st));
        tx.commit();
        return out;
    }

    std::optional<std::int64_t> next_due() override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT due_at FROM runs INDEXED BY runs_due WHERE status IN "
                             "('ready','waiting') ORDER BY due_at LIMIT 1");
        if (st.executeStep()) return optional_int(st.getColumn(0));
        return std::nullopt;
    }

    void release_all_leases() override {
        std::lock_guard g(m_);
        db_.exec("UPDATE runs SET lease_owner=NULL, lease_until=NULL WHERE lease_owner IS NOT "
                 "NULL");
    }

    void commit(const Batch& batch) override {
        if (batch.empty()) return;
        std::lock_guard g(m_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        for (const auto& s : batch.insert_steps) {
            auto& st = *insert_step_;
            st.bind(1, s.run_id);
            st.bind(2, static_cast<int64_t>(s.seq));
            st.bind(3, s.step_id);
            st.bind(4, s.kind);
            st.bind(5, s.status);
            st.bind(6, s.attempt);
            st.bind(7, static_cast<int64_t>(s.started_at));
            bind_optional(st, 8, s.finished_at);
            st.bind(9, s.message_id);
            st.bind(10, s.detail);
            if (s.output.is_null())
                st.bind(11);
            else
                st.bind(11, s.output.dump());
            st.exec();
            st.reset();
        }
        for (const auto& s : batch.update_steps) {
            auto& st = *update_step_;
            st.bind(1, s.status);
            bind_optional(st, 2, s.finished_at);
            st.bind(3, s.detail);
            if (s.output.is_null())
                st.bind(4);
            else
                st.bind(4, s.output.dump());
            st.bind(5, s.run_id);
            st.bind(6, static_cast<int64_t>(s.seq));
            st.exec();
            st.reset();
        }
        write_runs(*update_run_, batch.update_runs);
        for (const auto& r : batch.checkpoint_runs) {
            auto& st = *checkpoint_run_;
            st.bind(1, r.node);
            st.bind(2, r.attempt);
            st.bind(3, context_text(r));
            bind_optional(st, 4, r.inflight_seq);
            st.bind(5, static_cast<int64_t>(r.next_seq));
            st.bind(6, r.message_id);
            st.bind(7, static_cast<int64_t>(r.updated_at));
            st.bind(8, r.id);
            st.exec();
            st.reset();
        }
        for (const auto& x : batch.insert_sends) {
            auto& first = *first_use_;
            first.bind(1, x.sender);
            first.bind(2, static_cast<int64_t>(x.at));
            first.exec();
            first.reset();
            auto& st = *insert_send_;
            st.bind(1, x.run_id);
            st.bind(2, static_cast<int64_t>(x.seq));
            st.bind(3, x.sender);
            st.bind(4, x.channel);
            st.bind(5, x.contact_key);
            st.bind(6, x.recipient_domain);
            st.bind(7, static_cast<int64_t>(x.at));
            st.exec();
            st.reset();
        }
        for (const auto& [run_id, seq] : batch.delete_sends) {
            auto& st = *delete_send_;
            st.bind(1, run_id);
            st.bind(2, static_cast<int64_t>(seq));
            st.exec();
            st.reset();
        }
        tx.commit();
    }

    std::vector<Send> sends_of(const std::string& sender, std::int64_t since) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT run_id, seq, sender, channel, contact_key, recipient_domain, "
                             "at FROM sends WHERE sender=? AND at>=? ORDER BY at");
        st.bind(1, sender);
        st.bind(2, static_cast<int64_t>(since));
        std::vector<Send> out;
        while (st.executeStep()) out.push_back(read_send(st));
        return out;
    }

    std::optional<std::string> first_sender(const std::string& contact_key,
                                            const std::string& channel) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT sender FROM sends WHERE contact_key=? AND channel=? "
                             "ORDER BY at LIMIT 1");
        st.bind(1, contact_key);
        st.bind(2, channel);
        if (!st.executeStep()) return std::nullopt;
        return st.getColumn(0).getString();
    }

    std::optional<std::int64_t> sender_first_use(const std::string& sender) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_, "SELECT first_use_at FROM senders WHERE id=?");
        st.bind(1, sender);
        if (!st.executeStep()) return std::nullopt;
        return st.getColumn(0).getInt64();
    }

    static std::string context_text(const Run& r) {
        return r.context_text.empty() ? r.context.dump() : r.context_text;
    }

    void write_runs(SQLite::Statement& st, const std::vector<Run>& runs) {
        for (const auto& r : runs) {
            st.bind(1, to_string(r.status));
            st.bind(2, r.node);
            st.bind(3, r.attempt);
            st.bind(4, context_text(r));
            bind_optional(st, 5, r.due_at);
            st.bind(6, r.reason);
            bind_optional(st, 7, r.inflight_seq);
            st.bind(8, static_cast<int64_t>(r.next_seq));
            st.bind(9, r.message_id);
            st.bind(10, static_cast<int64_t>(r.updated_at));
            st.bind(11, r.id);
            st.exec();
            st.reset();
        }
    }

    std::optional<Run> get_run(const std::string& id) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?");
        st.bind(1, id);
        if (!st.executeStep()) return std::nullopt;
        return read_run(st);
    }

    std::vector<Run> list_runs(const RunFilter& f) override {
        std::lock_guard g(m_);
        std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1=1";
        if (f.status) sql += " AND status=?";
        if (!f.workflow.empty()) sql += " AND workflow_name=?";
        sql += " ORDER BY created_at, id LIMIT ?";
        SQLite::Statement st(db_, sql);
        int i = 1;
        if (f.status) st.bind(i++, to_string(*f.status));
        if (!f.workflow.empty()) st.bind(i++, f.workflow);
        st.bind(i, f.limit);
        std::vector<Run> out;
        while (st.executeStep()) out.push_back(read_run(st));
        return out;
    }

    std::vector<StepRecord> list_steps(const std::string& run_id) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT run_id, seq, step_id, kind, status, attempt, started_at, "
                             "finished_at, message_id, detail, output FROM steps WHERE run_id=? "
                             "ORDER BY seq");
        st.bind(1, run_id);
        std::vector<StepRecord> out;
        while (st.executeStep()) out.push_back(read_step(st));
        return out;
    }

    RunCounts count_runs() override {
        std::lock_guard g(m_);
        RunCounts c;
        SQLite::Statement st(db_, "SELECT status, COUNT(*) FROM runs GROUP BY status");
        while (st.executeStep()) {
            auto s = run_status_from(st.getColumn(0).getString());
            auto n = st.getColumn(1).getInt64();
            c.total += n;
            if (s) c.by_status[static_cast<int>(*s)] += n;
        }
        return c;
    }

    bool record_event(const Event& e) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "INSERT INTO events (event_id, contact_key, type, run_id, message_id, "
                             "occurred_at, recorded_at, data) VALUES (?,?,?,?,?,?,?,?) "
                             "ON CONFLICT (event_id) DO NOTHING");
        st.bind(1, e.event_id);
        st.bind(2, e.contact_key);
        st.bind(3, e.type);
        st.bind(4, e.run_id);
        st.bind(5, e.message_id);
        st.bind(6, static_cast<int64_t>(e.occurred_at));
        st.bind(7, static_cast<int64_t>(e.recorded_at));
        st.bind(8, e.data.dump());
        return st.exec() == 1;
    }

    std::vector<Event> events_for(const std::vector<std::string>& keys,
                                  std::int64_t since) override {
        std::vector<Event> out;
        if (keys.empty()) return out;
        std::lock_guard g(m_);
        std::string sql =
            "SELECT seq, event_id, contact_key, type, run_id, message_id, occurred_at, "
            "recorded_at, data FROM events WHERE occurred_at >= ? AND contact_key IN (";
        for (std::size_t i = 0; i < keys.size(); ++i) sql += i ? ",?" : "?";
        sql += ") ORDER BY occurred_at, seq";
        SQLite::Statement st(db_, sql);
        st.bind(1, static_cast<int64_t>(since));
        for (std::size_t i = 0; i < keys.size(); ++i) st.bind(static_cast<int>(i) + 2, keys[i]);
        while (st.executeStep()) {
            Event e;
            e.seq = st.getColumn(0).getInt64();
            e.event_id = st.getColumn(1).getString();
            e.contact_key = st.getColumn(2).getString();
            e.type = st.getColumn(3).getString();
            e.run_id = st.getColumn(4).getString();
            e.message_id = st.getColumn(5).getString();
            e.occurred_at = st.getColumn(6).getInt64();
            e.recorded_at = st.getColumn(7).getInt64();
            e.data = parse_json_column(st.getColumn(8));
            out.push_back(std::move(e));
        }
        return out;
    }

    std::vector<Run> active_runs_for(const std::string& contact_key) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_, std::string("SELECT ") + kRunColumns +
                                      " FROM runs WHERE contact_key=? AND status IN "
                                      "('ready','waiting','paused') ORDER BY created_at");
        st.bind(1, contact_key);
        std::vector<Run> out;
        while (st.executeStep()) out.push_back(read_run(st));
        return out;
    }

    bool has_run(const std::string& workflow_name, const std::string& key) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT 1 FROM runs WHERE workflow_name=? AND idempotency_key=?");
        st.bind(1, workflow_name);
        st.bind(2, key);
        return st.executeStep();
    }

    std::optional<std::int64_t> last_enrolled(const std::string& contact_key) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_, "SELECT MAX(created_at) FROM runs WHERE contact_key=?");
        st.bind(1, contact_key);
        if (st.executeStep()) return optional_int(st.getColumn(0));
        return std::nullopt;
    }

    bool exit_idle_run(const std::string& run_id, const std::string& reason,
                       const StepRecord& note, std::int64_t now) override {
        std::lock_guard g(m_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement up(db_,
                             "UPDATE runs SET status='exited', due_at=NULL, reason=?, "
                             "updated_at=?, next_seq=next_seq+1 WHERE id=? AND status IN "
                             "('ready','waiting','paused') AND (lease_until IS NULL OR "
                             "lease_until < ?) RETURNING next_seq - 1");
        up.bind(1, reason);
        up.bind(2, static_cast<int64_t>(now));
        up.bind(3, run_id);
        up.bind(4, static_cast<int64_t>(now));
        if (!up.executeStep()) return false;
        std::int64_t seq = up.getColumn(0).getInt64();
        up.reset();
        auto& ins = *insert_step_;
        ins.bind(1, run_id);
        ins.bind(2, static_cast<int64_t>(seq));
        ins.bind(3, note.step_id);
        ins.bind(4, note.kind);
        ins.bind(5, note.status);
        ins.bind(6, note.attempt);
        ins.bind(7, static_cast<int64_t>(now));
        ins.bind(8, static_cast<int64_t>(now));
        ins.bind(9, note.message_id);
        ins.bind(10, note.detail);
        ins.bind(11);
        ins.exec();
        ins.reset();
        tx.commit();
        return true;
    }

    bool wake_idle_run(const std::string& run_id, std::int64_t now) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "UPDATE runs SET due_at=? WHERE id=? AND status='waiting' AND "
                             "(lease_until IS NULL OR lease_until < ?)");
        st.bind(1, static_cast<int64_t>(now));
        st.bind(2, run_id);
        st.bind(3, static_cast<int64_t>(now));
        return st.exec() == 1;
    }

    bool put_suppression(const Suppression& e) override {
        std::lock_guard g(m_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        // A locked entry (the person's own unsubscribe) replaces an unlocked one, never the
        // other way round.
        SQLite::Statement st(db_,
                             "INSERT INTO suppressions (kind, value, source, locked, reason, "
                             "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT (kind, value) DO UPDATE "
                             "SET source=excluded.source, locked=1, reason=excluded.reason "
                             "WHERE excluded.locked=1 AND suppressions.locked=0");
        st.bind(1, e.kind);
        st.bind(2, e.value);
        st.bind(3, e.source);
        st.bind(4, e.locked ? 1 : 0);
        st.bind(5, e.reason);
        st.bind(6, static_cast<int64_t>(e.created_at));
        bool changed = st.exec() == 1;
        if (changed) bump_suppression_generation();
        tx.commit();
        return changed;
    }

    std::optional<Suppression> get_suppression(const std::string& kind,
                                               const std::string& value) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT kind, value, source, locked, reason, created_at FROM "
                             "suppressions WHERE kind=? AND value=?");
        st.bind(1, kind);
        st.bind(2, value);
        if (!st.executeStep()) return std::nullopt;
        return read_suppression(st);
    }

    bool delete_suppression(const std::string& kind, const std::string& value) override {
        std::lock_guard g(m_);
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement st(db_, "DELETE FROM suppressions WHERE kind=? AND value=?");
        st.bind(1, kind);
        st.bind(2, value);
        bool changed = st.exec() == 1;
        if (changed) bump_suppression_generation();
        tx.commit();
        return changed;
    }

    std::vector<Suppression> list_suppressions() override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT kind, value, source, locked, reason, created_at FROM "
                             "suppressions ORDER BY kind, value");
        std::vector<Suppression> out;
        while (st.executeStep()) out.push_back(read_suppression(st));
        return out;
    }

    std::int64_t suppression_generation() override {
        std::lock_guard g(m_);
        return db_.execAndGet("SELECT value FROM meta WHERE key='suppression_generation'")
            .getInt64();
    }

    void record_sandbox(const std::string& plugin, const std::string& box, const json& entry,
                        std::int64_t now) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "INSERT INTO sandbox_records (plugin, box, recorded_at, entry) "
                             "VALUES (?,?,?,?)");
        st.bind(1, plugin);
        st.bind(2, box);
        st.bind(3, static_cast<int64_t>(now));
        st.bind(4, entry.dump());
        st.exec();
    }

    std::vector<SandboxEntry> sandbox_since(const std::string& box, std::int64_t after_id,
                                            int limit) override {
        std::lock_guard g(m_);
        SQLite::Statement st(db_,
                             "SELECT id, plugin, box, recorded_at, entry FROM sandbox_records "
                             "WHERE box=? AND id>? ORDER BY id LIMIT ?");
        st.bind(1, box);
        st.bind(2, static_cast<int64_t>(after_id));
        st.bind(3, limit);
        std::vector<SandboxEntry> out;
        while (st.executeStep()) out.push_back(read_sandbox(st));
        return out;
    }

    std::vector<SandboxEntry> list_sandbox(const std::string& plugin, const std::string& box,
                                           int limit) override {
        std::lock_guard g(m_);
        std::string sql = "SELECT id, plugin, box, recorded_at, entry FROM sandbox_records WHERE 1=1";
        if (!box.empty()) sql += " AND box=?";
        if (!plugin.empty()) sql += " AND plugin=?";
        sql += " ORDER BY id DESC LIMIT ?";  // the newest `limit`, returned oldest first below
        SQLite::Statement st(db_, sql);
        int i = 1;
        if (!box.empty()) st.bind(i++, box);
        if (!plugin.empty()) st.bind(i++, plugin);
        st.bind(i, limit);
        std::vector<SandboxEntry> out;
        while (st.executeStep()) out.push_back(read_sandbox(st));
        std::reverse(out.begin(), out.end());
        return out;
    }

private:
    static Suppression read_suppression(SQLite::Statement& st) {
        Suppression s;
        s.kind = st.getColumn(0).getString();
        s.value = st.getColumn(1).getString();
        s.source = st.getColumn(2).getString();
        s.locked = st.getColumn(3).getInt() != 0;
        s.reason = st.getColumn(4).getString();
        s.created_at = st.getColumn(5).getInt64();
        return s;
    }

    void bump_suppression_generation() {
        db_.exec("UPDATE meta SET value = value + 1 WHERE key='suppression_generation'");
    }

    void migrate() {
        int version = db_.execAndGet("PRAGMA user_version").getInt();
        if (version > kSqliteSchemaVersion)
            throw std::runtime_error("the database was written by a newer relance (schema " +
                                     std::to_string(version) + ")");
        if (version == kSqliteSchemaVersion) return;
        SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
        // An existing database first gets the columns its tables lack, then whatever tables and
        // indexes are new; a fresh one gets the whole schema.
        if (version >= 1)
            for (int v = version; v < kSqliteSchemaVersion; ++v) db_.exec(kSqliteMigrations[v - 1]);
        db_.exec(kSqliteSchema);
        db_.exec("PRAGMA user_version=" + std::to_string(kSqliteSchemaVersion));
        tx.commit();
    }

    std::mutex m_;
    SQLite::Database db_;
    std::unique_ptr<SQLite::Statement> insert_step_, update_step_, update_run_, checkpoint_run_,
        insert_send_, delete_send_, first_use_;
};

}  // namespace

const char* to_string(RunStatus s) {
    switch (s) {
        case RunStatus::ready: return "ready";
        case RunStatus::waiting: return "waiting";
        case RunStatus::paused: return "paused";
        case RunStatus::completed: return "completed";
        case RunStatus::exited: return "exited";
        case RunStatus::failed: return "failed";
    }
    return "unknown";
}

std::optional<RunStatus> run_status_from(const std::string& s) {
    for (auto st : {RunStatus::ready, RunStatus::waiting, RunStatus::paused, RunStatus::completed,
                    RunStatus::exited, RunStatus::failed})
        if (s == to_string(st)) return st;
    return std::nullopt;
}

std::unique_ptr<Store> open_sqlite(const std::string& path) {
    try {
        return std::make_unique<SqliteStore>(path);
    } catch (const SQLite::Exception& e) {
        throw std::runtime_error(path + ": cannot open the database: " + e.what());
    }
}

}  // namespace relance::store
