// Workflow versions, runs, claims and leases, and the hot-path commit.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/base/digest.hpp>
#include <relance/base/json_text.hpp>
#include <set>
#include <stdexcept>

#include "sqlite_store.hpp"
#include "step_status_codes.hpp"

namespace relance::store {

std::int64_t SqliteStore::put_workflow_version(const std::string& name, const std::string& version,
                                               const std::string& file, const std::string& source,
                                               std::int64_t now) {
    std::lock_guard g(m_);
    std::string sha = sha256_hex(source);
    auto find_held = cached("SELECT id FROM workflow_versions WHERE sha256=? AND name=?");
    SQLite::Statement& find = *find_held;
    find.bind(1, sha);
    find.bind(2, name);
    if (find.executeStep()) return find.getColumn(0).getInt64();
    auto ins_held = cached(
        "INSERT INTO workflow_versions (name, version, sha256, file, source, "
        "created_at) VALUES (?,?,?,?,?,?)");
    SQLite::Statement& ins = *ins_held;
    ins.bind(1, name);
    ins.bind(2, version);
    ins.bind(3, sha);
    ins.bind(4, file);
    ins.bind(5, source);
    ins.bind(6, static_cast<int64_t>(now));
    try {
        ins.exec();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "storing workflow " + name);
    }
    return db_.getLastInsertRowid();
}

std::optional<WorkflowVersion> SqliteStore::get_workflow_version(std::int64_t id) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT id, name, version, sha256, file, source, created_at FROM "
        "workflow_versions WHERE id=?");
    SQLite::Statement& st = *st_held;
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

std::vector<bool> SqliteStore::create_runs(const std::vector<NewRun>& runs, std::int64_t now,
                                           Durability durability) {
    std::lock_guard g(m_);
    std::vector<bool> created;
    created.reserve(runs.size());
    std::optional<UnsyncedCommits> unsynced;
    if (durability == Durability::deferred) unsynced.emplace(db_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto& ins = *insert_run_;
        auto& key = *insert_run_contact_;
        for (const auto& r : runs) {
            ins.bind(1, r.id);
            ins.bind(2, static_cast<int64_t>(r.workflow_version_id));
            ins.bind(3, r.workflow_name);
            ins.bind(4, r.idempotency_key);
            ins.bind(5, json_text(r.context));
            ins.bind(6, static_cast<int64_t>(r.due_at));
            ins.bind(7, static_cast<int64_t>(now));
            ins.bind(8, static_cast<int64_t>(now));
            ins.bind(9, r.contact_key);
            bool fresh = ins.exec() == 1;
            ins.reset();
            created.push_back(fresh);
            if (!fresh) continue;
            const std::int64_t row = db_.getLastInsertRowid();
            std::vector<std::string> keys = r.identity_keys;
            if (!r.contact_key.empty() &&
                std::find(keys.begin(), keys.end(), r.contact_key) == keys.end())
                keys.insert(keys.begin(), r.contact_key);
            for (const auto& k : keys) {
                key.bind(1, k);
                key.bind(2, static_cast<int64_t>(row));
                key.exec();
                key.reset();
            }
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        insert_run_->tryReset();
        insert_run_contact_->tryReset();
        rethrow_store_error(e, "creating runs");
    }
    return created;
}

void SqliteStore::sync() {
    std::lock_guard g(m_);
    try {
        // A synced commit of one row: the WAL is synced whole, so every commit before it is on
        // the disk too. (SQLite has no "sync now" of its own; a checkpoint may stop short.)
        WriteTransaction tx(db_, *writers_);
        db_.exec(
            "INSERT INTO meta (key, value) VALUES ('synced', 1) ON CONFLICT (key) DO "
            "UPDATE SET value = value + 1");
        tx.commit();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "syncing the database");
    }
}

std::vector<Run> SqliteStore::claim_due(const std::string& owner, std::int64_t now, int limit,
                                        std::int64_t lease_until) {
    std::lock_guard g(m_);
    std::vector<Run> out;
    // The token is unique to this claim: a later claim of the same run (after this one's lease
    // expired) gets another, and this claim's commits then change nothing.
    std::string token = owner + "." + std::to_string(++claims_);
    // A claim is committed without waiting for the disk: nothing leaves the worker on its
    // strength. The first commit that precedes a call (a step recorded as started) is synced,
    // and the WAL is synced in order, so it carries this claim to the disk with it.
    UnsyncedCommits unsynced(db_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto& st = *claim_;
        st.bind(1, token);
        st.bind(2, static_cast<int64_t>(lease_until));
        st.bind(3, static_cast<int64_t>(now));
        st.bind(4, static_cast<int64_t>(now));
        st.bind(5, limit);
        while (st.executeStep()) {
            out.push_back(read_run(st));
            out.back().lease = token;
        }
        st.reset();
        auto& pending = *pending_of_claim_;
        for (auto& run : out) {
            pending.bind(1, run.id);
            while (pending.executeStep()) run.pending.push_back(read_pending(pending));
            pending.reset();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        claim_->tryReset();
        pending_of_claim_->tryReset();
        rethrow_store_error(e, "claiming runs");
    }
    // RETURNING gives rows in no promised order: oldest due first, as documented.
    std::stable_sort(out.begin(), out.end(), [](const Run& a, const Run& b) {
        return a.due_at.value_or(0) < b.due_at.value_or(0);
    });
    return out;
}

std::vector<std::string> SqliteStore::lost_leases(
    const std::vector<std::pair<std::string, std::string>>& leases) {
    std::lock_guard g(m_);
    return lost_leases_locked(leases);
}

std::vector<std::string> SqliteStore::lost_leases_locked(
    const std::vector<std::pair<std::string, std::string>>& leases) {
    std::vector<std::string> lost;
    if (leases.empty()) return lost;
    json ids = json::array();
    for (const auto& l : leases) ids.push_back(l.first);
    std::map<std::string, std::string> held;
    auto& st = *lease_of_;
    st.bind(1, ids.dump());
    while (st.executeStep())
        if (!st.getColumn(1).isNull())
            held[st.getColumn(0).getString()] = st.getColumn(1).getString();
    st.reset();
    for (const auto& [run_id, token] : leases)
        if (auto it = held.find(run_id); it == held.end() || it->second != token)
            lost.push_back(run_id);
    return lost;
}

std::vector<std::string> SqliteStore::renew_leases(
    const std::vector<std::pair<std::string, std::string>>& leases, std::int64_t lease_until) {
    std::vector<std::string> lost;
    if (leases.empty()) return lost;
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto& st = *renew_lease_;
        for (const auto& [run_id, token] : leases) {
            st.bind(1, static_cast<int64_t>(lease_until));
            st.bind(2, run_id);
            st.bind(3, token);
            if (st.exec() != 1) lost.push_back(run_id);
            st.reset();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        renew_lease_->tryReset();
        rethrow_store_error(e, "renewing leases");
    }
    return lost;
}

std::optional<std::int64_t> SqliteStore::next_due() {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT due_at FROM runs INDEXED BY runs_due WHERE status IN "
        "('ready','waiting') ORDER BY due_at LIMIT 1");
    SQLite::Statement& st = *st_held;
    if (st.executeStep()) return optional_int(st.getColumn(0));
    return std::nullopt;
}

void SqliteStore::release_all_leases() {
    std::lock_guard g(m_);
    // runs_leased holds only leased rows: this costs what is leased, not every run.
    db_.exec(
        "UPDATE runs INDEXED BY runs_leased SET lease_owner=NULL, lease_until=NULL "
        "WHERE lease_owner IS NOT NULL");
}

void SqliteStore::release_leases(const std::vector<std::pair<std::string, std::string>>& leases) {
    if (leases.empty()) return;
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    auto st_held = cached(
        "UPDATE runs SET lease_owner=NULL, lease_until=NULL WHERE id=? AND "
        "lease_owner=?");
    SQLite::Statement& st = *st_held;
    for (const auto& [run_id, token] : leases) {
        st.bind(1, run_id);
        st.bind(2, token);
        st.exec();
        st.reset();
    }
    tx.commit();
}

void SqliteStore::write_step(const StepRecord& s) {
    auto& st = *insert_step_;
    st.bind(1, s.run_id);
    st.bind(2, static_cast<int64_t>(s.seq));
    st.bind(3, s.step_id);
    st.bind(4, s.kind);
    st.bind(5, step_status_code(s.status));
    st.bind(6, s.attempt);
    st.bind(7, static_cast<int64_t>(s.started_at));
    bind_optional(st, 8, s.finished_at);
    // The id the engine gives an action's first attempt is known from the row: not stored.
    if (s.message_id == engine_message_id(s.run_id, s.step_id, s.seq))
        st.bind(9);
    else
        st.bind(9, s.message_id);
    st.bind(10, s.detail);
    if (s.output->is_null())
        st.bind(11);
    else
        st.bind(11, json_text(s.output));
    st.exec();
    st.reset();
}

std::string SqliteStore::context_text(const Run& r) {
    return r.context_text.empty() ? json_text(r.context) : r.context_text;
}

void SqliteStore::write_run(const Run& r) {
    auto& st = *update_run_;
    st.bind(1, to_string(r.status));
    st.bind(2, r.node);
    st.bind(3, r.attempt);
    st.bind(4, context_text(r));
    bind_optional(st, 5, r.due_at);
    st.bind(6, r.reason);
    st.bind(7, static_cast<int64_t>(r.next_seq));
    st.bind(8, r.message_id);
    st.bind(9, static_cast<int64_t>(r.updated_at));
    st.bind(10, r.id);
    st.exec();
    st.reset();
}

std::vector<std::string> SqliteStore::commit(const Batch& batch) {
    std::vector<std::string> lost;
    if (batch.empty()) return lost;
    std::lock_guard g(m_);
    // Every statement is reset on the way out, so a failed commit leaves none half-bound.
    auto reset_all = [&] {
        for (auto* st :
             {insert_step_.get(), update_step_.get(), update_run_.get(), checkpoint_run_.get(),
              insert_send_.get(), delete_send_.get(), first_use_.get(), lease_of_.get()})
            st->tryReset();  // reset() would throw the failed step's error again
    };
    try {
        WriteTransaction tx(db_, *writers_);
        // Inside the write transaction, so no claim can slip in between the check and the
        // writes: a run whose lease token changed (expired and claimed by another worker) gets
        // none of its rows written.
        lost = lost_leases_locked(batch.leases);
        std::set<std::string> skip(lost.begin(), lost.end());
        auto keep = [&](const std::string& run_id) { return skip.empty() || !skip.count(run_id); };
        for (const auto& s : batch.insert_steps)
            if (keep(s.run_id)) write_step(s);
        for (const auto& s : batch.update_steps) {
            if (!keep(s.run_id)) continue;
            auto& st = *update_step_;
            st.bind(1, step_status_code(s.status));
            bind_optional(st, 2, s.finished_at);
            st.bind(3, s.detail);
            if (s.output->is_null())
                st.bind(4);
            else
                st.bind(4, json_text(s.output));
            st.bind(5, s.run_id);
            st.bind(6, static_cast<int64_t>(s.seq));
            st.exec();
            st.reset();
        }
        for (const auto& r : batch.update_runs)
            if (keep(r.id)) write_run(r);
        for (const auto& r : batch.checkpoint_runs) {
            if (!keep(r.id)) continue;
            auto& st = *checkpoint_run_;
            st.bind(1, r.node);
            st.bind(2, r.attempt);
            st.bind(3, context_text(r));
            st.bind(4, static_cast<int64_t>(r.next_seq));
            st.bind(5, r.message_id);
            st.bind(6, static_cast<int64_t>(r.updated_at));
            st.bind(7, r.id);
            st.exec();
            st.reset();
        }
        for (const auto& x : batch.insert_sends) {
            if (!keep(x.run_id)) continue;
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
            if (!keep(run_id)) continue;
            auto& st = *delete_send_;
            st.bind(1, run_id);
            st.bind(2, static_cast<int64_t>(seq));
            st.exec();
            st.reset();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        reset_all();
        rethrow_store_error(e,
                            "committing " + std::to_string(batch.insert_steps.size()) + " step(s)");
    }
    return lost;
}

std::vector<PendingEffect> SqliteStore::pending_effects(const std::string& run_id) {
    std::lock_guard g(m_);
    std::vector<PendingEffect> out;
    auto& st = *pending_of_claim_;
    st.bind(1, run_id);
    while (st.executeStep()) out.push_back(read_pending(st));
    st.reset();
    return out;
}

std::optional<Run> SqliteStore::get_run(const std::string& id) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return read_run(st);
}

std::vector<Run> SqliteStore::list_runs(const RunFilter& f) {
    std::vector<Run> out;
    for_each_run(f, [&](const Run& r) {
        out.push_back(r);
        return true;
    });
    return out;
}

std::vector<StepRecord> SqliteStore::list_steps(const std::string& run_id) {
    std::lock_guard g(m_);
    auto st_held =
        cached(std::string("SELECT ") + kStepColumns +
               " FROM runs r CROSS JOIN steps s ON s.run_row = r.row WHERE r.id=? ORDER BY s.seq");
    SQLite::Statement& st = *st_held;
    st.bind(1, run_id);
    std::vector<StepRecord> out;
    while (st.executeStep()) out.push_back(read_step(st));
    return out;
}

std::map<std::int64_t, json> SqliteStore::step_outputs(const std::string& run_id) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT s.seq, s.output FROM runs r CROSS JOIN steps s ON s.run_row = r.row WHERE "
        "r.id=? AND s.output IS NOT NULL");
    SQLite::Statement& st = *st_held;
    st.bind(1, run_id);
    std::map<std::int64_t, json> out;
    while (st.executeStep())
        out.emplace(st.getColumn(0).getInt64(), parse_json_column(st.getColumn(1)));
    return out;
}

RunCounts SqliteStore::count_runs() {
    std::lock_guard g(m_);
    RunCounts c;
    auto st_held = cached("SELECT status, COUNT(*) FROM runs GROUP BY status");
    SQLite::Statement& st = *st_held;
    while (st.executeStep()) {
        auto s = run_status_from(st.getColumn(0).getString());
        auto n = st.getColumn(1).getInt64();
        c.total += n;
        if (s) c.by_status[static_cast<int>(*s)] += n;
    }
    return c;
}

std::optional<std::int64_t> SqliteStore::last_enrolled(const std::string& contact_key) {
    std::lock_guard g(m_);
    // Through every identity each run was started with (run_contacts), not only its main key.
    auto st_held = cached(
        "SELECT MAX(r.created_at) FROM run_contacts c CROSS JOIN runs r ON r.row = c.run_row "
        "WHERE c.contact_key=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, contact_key);
    if (st.executeStep()) return optional_int(st.getColumn(0));
    return std::nullopt;
}

namespace {
// A timeline line written outside a worker (a stop, an operator's word), at `seq`, begun and
// finished at `now`.
StepRecord operator_note(const StepRecord& note, const std::string& run_id, std::int64_t seq,
                         std::int64_t now) {
    StepRecord s = note;
    s.run_id = run_id;
    s.seq = seq;
    s.started_at = now;
    s.finished_at = now;
    s.output = nullptr;
    return s;
}
}  // namespace

bool SqliteStore::exit_idle_run(const std::string& run_id, const std::string& reason,
                                const StepRecord& note, std::int64_t now) {
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    auto up_held = cached(
        "UPDATE runs SET status='exited', due_at=NULL, reason=?, updated_at=?, "
        "next_seq=next_seq+1 WHERE id=? AND status IN ('ready','waiting','paused') "
        "AND (lease_until IS NULL OR lease_until < ?) RETURNING next_seq - 1");
    SQLite::Statement& up = *up_held;
    up.bind(1, reason);
    up.bind(2, static_cast<int64_t>(now));
    up.bind(3, run_id);
    up.bind(4, static_cast<int64_t>(now));
    if (!up.executeStep()) return false;
    std::int64_t seq = up.getColumn(0).getInt64();
    up.reset();
    write_step(operator_note(note, run_id, seq, now));
    tx.commit();
    return true;
}

Store::CancelOutcome SqliteStore::cancel_run(const std::string& run_id, const std::string& reason,
                                             const StepRecord& note, std::int64_t now) {
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    SQLite::Statement look(db_, "SELECT status, lease_until FROM runs WHERE id=?");
    look.bind(1, run_id);
    if (!look.executeStep()) return CancelOutcome::missing;
    auto status = run_status_from(look.getColumn(0).getString());
    if (!status || is_terminal(*status)) return CancelOutcome::finished;
    bool held = !look.getColumn(1).isNull() && look.getColumn(1).getInt64() >= now;
    look.reset();
    // Dropping the lease is what stops a worker that holds the run: its check before a call
    // leaves and its commit both compare lease tokens (DESIGN invariant 2).
    SQLite::Statement up(db_,
                         "UPDATE runs SET status='exited', due_at=NULL, reason=?, updated_at=?, "
                         "lease_owner=NULL, lease_until=NULL, next_seq=next_seq+1 WHERE id=? "
                         "RETURNING next_seq - 1");
    up.bind(1, reason);
    up.bind(2, static_cast<int64_t>(now));
    up.bind(3, run_id);
    up.executeStep();
    std::int64_t seq = up.getColumn(0).getInt64();
    up.reset();
    write_step(operator_note(note, run_id, seq, now));
    tx.commit();
    return held ? CancelOutcome::cancelled_held : CancelOutcome::cancelled;
}

bool SqliteStore::retry_failed_run(const std::string& run_id, const StepRecord& note,
                                   std::int64_t now) {
    std::lock_guard g(m_);
    WriteTransaction tx(db_, *writers_);
    // The run stays at the node it failed on (a failure does not move it): attempt 1 there, a
    // new engine message id when the step starts again.
    SQLite::Statement up(db_,
                         "UPDATE runs SET status='ready', due_at=?, attempt=1, message_id='', "
                         "reason='', updated_at=?, next_seq=next_seq+1 WHERE id=? AND "
                         "status='failed' RETURNING next_seq - 1");
    up.bind(1, static_cast<int64_t>(now));
    up.bind(2, static_cast<int64_t>(now));
    up.bind(3, run_id);
    if (!up.executeStep()) return false;
    std::int64_t seq = up.getColumn(0).getInt64();
    up.reset();
    write_step(operator_note(note, run_id, seq, now));
    tx.commit();
    return true;
}

bool SqliteStore::wake_idle_run(const std::string& run_id, std::int64_t now) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "UPDATE runs SET due_at=? WHERE id=? AND status='waiting' AND "
        "(lease_until IS NULL OR lease_until < ?)");
    SQLite::Statement& st = *st_held;
    st.bind(1, static_cast<int64_t>(now));
    st.bind(2, run_id);
    st.bind(3, static_cast<int64_t>(now));
    return st.exec() == 1;
}

}  // namespace relance::store
