// The SQLite store's connection: opening, pragmas, migrations, prepared statements and the
// worker lock.
#include "sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "schema_sqlite.hpp"
#include "step_status_codes.hpp"

namespace relance::store {

namespace {

// How long a write waits for another connection's write lock before SQLITE_BUSY.
constexpr std::chrono::milliseconds kBusyTimeout{10'000};

// Waits for another connection's write lock. `relance serve` has two writers on the same file,
// its request threads' run starts and its worker, each holding the lock for a commit (about a
// millisecond). SQLite's own handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15, 20, 25 ms
// and more between attempts, so a writer that found the lock taken slept up to 25 ms for a lock
// free again within one: under load, most of each writer's time went to sleeping
// (docs/performance.md, "Webhook triggers under load"). This one tries again every 100 us for
// the first 100 ms, then every millisecond, for the same 10 s at most.
int wait_for_write_lock(void*, int attempts) {
    using namespace std::chrono_literals;
    thread_local std::chrono::steady_clock::time_point since;  // a connection is used by one
    auto now = std::chrono::steady_clock::now();               // thread at a time
    if (attempts == 0) since = now;
    auto waited = now - since;
    if (waited >= kBusyTimeout) return 0;
    ::usleep(waited < 100ms ? 100 : 1000);
    return 1;
}

}  // namespace

[[noreturn]] void rethrow_store_error(const SQLite::Exception& e, const std::string& what) {
    if (e.getErrorCode() == SQLITE_FULL)
        throw StoreFull(what + ": the disk or the database is full (" + e.what() +
                        "); nothing of this commit was written");
    throw;
}

UnsyncedCommits::UnsyncedCommits(SQLite::Database& db) : db_(db) {
    db_.exec("PRAGMA synchronous=NORMAL");
}

UnsyncedCommits::~UnsyncedCommits() {
    // Cannot fail short of a broken connection (a pragma, no transaction open). If it did, the
    // worker must not go on committing calls unsynced: stop here, as a kill would (invariant:
    // a crash at any instant loses nothing acknowledged).
    try {
        db_.exec("PRAGMA synchronous=FULL");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "relance: store: cannot restore synchronous=FULL: %s\n", e.what());
        std::abort();
    }
}

SqliteStore::SqliteStore(const std::string& path, const SqliteOptions& options)
    : path_(path), db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
    sqlite3_busy_handler(db_.getHandle(), wait_for_write_lock, nullptr);
    writers_ = process_writers_of(path);  // the file exists now: SQLite created it
    if (path != ":memory:") db_.exec("PRAGMA journal_mode=WAL");
    // FULL: a commit is on disk before it returns, so a "started" record survives even a power
    // loss and a send is never repeated from a lost record. Batching keeps the number of fsyncs
    // per step low.
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    // Reads through a memory map and a 64 MiB page cache instead of a pread per page: on a
    // virtual machine each syscall is dear, and the hot path reads the same few pages.
    db_.exec("PRAGMA mmap_size=" + std::to_string(options.mmap_bytes));
    db_.exec("PRAGMA cache_size=-" +
             std::to_string(std::max<std::int64_t>(1, options.cache_bytes >> 10)));
    // Checkpoint the WAL every 64 MiB (the default) instead of SQLite's 4 MiB: a hot page (the
    // runs being worked, the due-time index) is copied into the database once per checkpoint
    // however many commits rewrote it, so this cuts the bytes written per step by a third
    // (bench/storage_bench.sh: 15.3 -> 10.8 KB). The WAL file grows to that size between
    // checkpoints.
    const std::int64_t checkpoint_pages = std::max<std::int64_t>(1, options.wal_checkpoint_pages);
    db_.exec("PRAGMA wal_autocheckpoint=" + std::to_string(checkpoint_pages));
    // A WAL grown past that (an import's longer interval, a reader holding a checkpoint back)
    // is cut back to it when it starts over, so that it does not keep its largest size. A WAL
    // frame is a page and a 24-byte header, after the WAL's 32-byte header.
    const std::int64_t page_bytes = db_.execAndGet("PRAGMA page_size").getInt64();
    db_.exec("PRAGMA journal_size_limit=" +
             std::to_string(32 + checkpoint_pages * (page_bytes + 24)));
    if (options.max_pages > 0)
        db_.exec("PRAGMA max_page_count=" + std::to_string(options.max_pages));
    register_identity_functions();
    register_report_functions();
    migrate();
    prepare_statements();
}

SqliteStore::~SqliteStore() = default;

LockFile::~LockFile() {
    if (fd >= 0) ::close(fd);
}

CachedStatement::~CachedStatement() {
    try {
        st_->reset();
        st_->clearBindings();
    } catch (...) {
        // reset() reports the last step's error again, which its caller has seen already
    }
}

CachedStatement SqliteStore::cached(const std::string& sql) {
    constexpr std::size_t kMaxCached = 128;
    if (auto it = cache_.find(sql); it != cache_.end()) return {it->second.get(), nullptr};
    auto st = std::make_unique<SQLite::Statement>(db_, sql);
    if (cache_.size() >= kMaxCached) return {nullptr, std::move(st)};
    SQLite::Statement* raw = st.get();
    cache_.emplace(sql, std::move(st));
    return {raw, nullptr};
}

void SqliteStore::prepare_statements() {
    insert_step_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT INTO steps (run_row, seq, step_id, kind, status, attempt, started_at, "
        "finished_at, message_id, detail, output) VALUES ((SELECT row FROM runs WHERE id=?),?,?,"
        "?,?,?,?,?,?,?,?)");
    update_step_ = std::make_unique<SQLite::Statement>(
        db_,
        "UPDATE steps SET status=?, finished_at=?, detail=?, output=? WHERE run_row=(SELECT row "
        "FROM runs WHERE id=?) AND seq=?");
    update_run_ = std::make_unique<SQLite::Statement>(
        db_,
        "UPDATE runs SET status=?, node=?, attempt=?, context=?, due_at=?, reason=?, next_seq=?, "
        "message_id=?, updated_at=?, lease_owner=NULL, lease_until=NULL WHERE id=?");
    checkpoint_run_ = std::make_unique<SQLite::Statement>(
        db_,
        "UPDATE runs SET node=?, attempt=?, context=?, next_seq=?, message_id=?, updated_at=? "
        "WHERE id=?");
    insert_send_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT OR REPLACE INTO sends (run_id, seq, sender, channel, contact_key, "
        "recipient_domain, at) VALUES (?,?,?,?,?,?,?)");
    delete_send_ =
        std::make_unique<SQLite::Statement>(db_, "DELETE FROM sends WHERE run_id=? AND seq=?");
    // An account's first send is its ramp-up day 0 (kept if that send is later undone).
    first_use_ = std::make_unique<SQLite::Statement>(
        db_, "INSERT OR IGNORE INTO senders (id, first_use_at) VALUES (?,?)");
    // INDEXED BY: the planner otherwise prefers runs_status and scans every waiting run; the
    // due-time index makes a claim cost the claimed rows only.
    claim_ = std::make_unique<SQLite::Statement>(
        db_, std::string("UPDATE runs SET lease_owner=?, lease_until=? WHERE row IN ("
                         "SELECT row FROM runs INDEXED BY runs_due WHERE status IN "
                         "('ready','waiting') AND due_at <= ? AND "
                         "(lease_until IS NULL OR lease_until < ?) ORDER BY due_at LIMIT ?) "
                         "RETURNING ") +
                 kRunColumns);
    pending_of_claim_ = std::make_unique<SQLite::Statement>(
        db_,
        std::string("SELECT s.seq, s.step_id, s.kind, ") + kStepMessageId +
            ", s.attempt, s.started_at FROM runs r CROSS JOIN steps s INDEXED BY steps_started "
            "ON s.run_row = r.row WHERE r.id=? AND s.status=" +
            // As the schema's partial index spells it (INDEXED BY refuses any other predicate).
            std::to_string(step_status_code(StepStatus::started)) + " ORDER BY s.seq");
    // The leases of many runs in one statement: the ids come as one JSON array.
    lease_of_ = std::make_unique<SQLite::Statement>(
        db_, "SELECT id, lease_owner FROM runs WHERE id IN (SELECT value FROM json_each(?))");
    renew_lease_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE runs SET lease_until=? WHERE id=? AND lease_owner=?");
    insert_run_ = std::make_unique<SQLite::Statement>(
        db_,
        "INSERT INTO runs (id, workflow_version_id, workflow_name, idempotency_key, status, "
        "node, attempt, context, due_at, reason, next_seq, message_id, created_at, updated_at, "
        "contact_key) VALUES (?,?,?,?,'ready',0,1,?,?,'',1,'',?,?,?) "
        // A conflict on the id (derived from the workflow and the idempotency key) means
        // "started before": nothing is written.
        "ON CONFLICT DO NOTHING");
    insert_run_contact_ = std::make_unique<SQLite::Statement>(
        db_, "INSERT OR IGNORE INTO run_contacts (contact_key, run_row) VALUES (?,?)");
}

void SqliteStore::migrate() {
    int version = db_.execAndGet("PRAGMA user_version").getInt();
    if (version > kSqliteSchemaVersion)
        throw std::runtime_error("the database was written by a newer relance (schema " +
                                 std::to_string(version) + ")");
    if (version == kSqliteSchemaVersion) {
        add_late_indexes();
        return;
    }
    WriteTransaction tx(db_, *writers_);
    // An existing database first gets the columns its tables lack, then whatever tables and
    // indexes are new, then the data of the new tables; a fresh one gets the whole schema.
    bool existing = version >= 1;
    if (existing)
        for (int v = version; v < kSqliteSchemaVersion; ++v)
            db_.exec(kSqliteMigrations[v - 1].alter);
    db_.exec(kSqliteSchema);
    if (existing)
        for (int v = version; v < kSqliteSchemaVersion; ++v)
            db_.exec(kSqliteMigrations[v - 1].fill);
    db_.exec("PRAGMA user_version=" + std::to_string(kSqliteSchemaVersion));
    tx.commit();
}

void SqliteStore::add_late_indexes() {
    for (const auto& index : kSqliteLateIndexes) {
        auto missing = [&] {
            SQLite::Statement st(db_, "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?");
            st.bind(1, index.name);
            return !st.executeStep();
        };
        if (!missing()) continue;  // the usual case: one look at the schema
        try {
            // Another process opening the database meanwhile waits, then finds it made.
            WriteTransaction tx(db_, *writers_);
            if (missing()) db_.exec(index.create);
            tx.commit();
        } catch (const SQLite::Exception& e) {
            // A database this process may not write (a read-only file), or one another process
            // kept busy past the timeout: everything works without it, only slower; the next
            // open tries again. Anything else is a real error.
            int code = e.getErrorCode() & 0xff;
            if (code != SQLITE_READONLY && code != SQLITE_BUSY) throw;
        }
    }
}

WorkerLock SqliteStore::lock_worker() {
    std::lock_guard g(m_);
    WorkerLock result;
    if (path_ == ":memory:" || path_.empty()) {  // a private database: nothing to share
        result.state = WorkerLock::State::acquired;
        return result;
    }
    if (lock_fd_.fd >= 0) {
        result.state = WorkerLock::State::acquired;
        return result;
    }
    // The database file itself, not a path-named lock file: every path to it (a symlink, a
    // relative path, a hard link) reaches the same inode, hence the same lock.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result.state = WorkerLock::State::error;
        result.message = "cannot open " + path_ + " to lock it: " + std::strerror(errno);
        return result;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            result.state = WorkerLock::State::busy;
            result.message = "another worker is running on " + path_ +
                             " (the database file is locked, whatever path reached it)";
        } else {
            result.state = WorkerLock::State::error;
            result.message = "cannot lock " + path_ + ": " + std::strerror(err);
        }
        return result;
    }
    lock_fd_.fd = fd;
    result.state = WorkerLock::State::acquired;
    return result;
}

std::unique_ptr<Store> open_sqlite(const std::string& path, const SqliteOptions& options) {
    try {
        return std::make_unique<SqliteStore>(path, options);
    } catch (const SQLite::Exception& e) {
        throw std::runtime_error(path + ": cannot open the database: " + e.what());
    }
}

}  // namespace relance::store
