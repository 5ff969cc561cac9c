// The SQLite store: one file, WAL, one connection guarded by our own mutex (so SQLite's per-call
// mutex is switched off: NOMUTEX). Hot-path statements are prepared once. A partial index on
// due_at over ready and waiting runs is the due-time index: finished and paused runs cost
// nothing to the scheduler.
//
// The class is declared here and defined by area: sqlite_store.cpp (connection, migrations,
// the worker lock), sqlite_runs.cpp (workflow versions, runs, claims, leases, commits),
// sqlite_contacts.cpp (events, suppressions), sqlite_senders.cpp (sends, account pauses),
// sqlite_sandbox.cpp (emulator records), sqlite_reports.cpp (listings and figures over every run)
// and sqlite_rows.cpp (row readers).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <mutex>
#include <relance/store/store.hpp>
#include <string>
#include <unordered_map>

namespace relance::store {

// Row readers (sqlite_rows.cpp): one per struct, columns in the order of their *_COLUMNS.
extern const char* const kRunColumns;
extern const char* const kStepMessageId;
extern const std::string kStepColumns;
extern const char* const kEventColumns;
extern const char* const kSendColumns;
extern const char* const kSandboxColumns;
extern const char* const kSuppressionColumns;
Run read_run(SQLite::Statement& st);
StepRecord read_step(SQLite::Statement& st);
Event read_event(SQLite::Statement& st);
Send read_send(SQLite::Statement& st);
SandboxEntry read_sandbox(SQLite::Statement& st);
Suppression read_suppression(SQLite::Statement& st);
PendingEffect read_pending(
    SQLite::Statement& st);  // seq, step_id, kind, message_id, attempt, started_at
void bind_optional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& v);
std::optional<std::int64_t> optional_int(const SQLite::Column& c);
json parse_json_column(const SQLite::Column& c);

// The statement listing runs (SqliteStore::for_each_run): its parameters are the status and the
// workflow when the filter has them, then with `after` the (created_at, id) of the last run
// given, then the number of rows.
std::string run_list_sql(const RunFilter& filter, bool after);
// The runs of a contact known by one identity (active_runs_for), without their contexts.
std::string active_runs_sql();
// The keys that already have a run (existing_run_keys): ?1 the ids as a JSON array, ?2 the
// workflow. The ids drive (CROSS JOIN): written as "id IN (...) AND workflow_name = ?", SQLite
// read every run of the workflow through its index instead, for each chunk of an import (a
// million records took quadratic time).
inline constexpr const char* kExistingRunKeysSql =
    "SELECT r.idempotency_key FROM json_each(?1) AS k CROSS JOIN runs r ON r.id = k.value "
    "WHERE r.workflow_name = ?2";

// Turns SQLITE_FULL into StoreFull (nothing written, the caller may try again later); rethrows
// anything else.
[[noreturn]] void rethrow_store_error(const SQLite::Exception& e, const std::string& what);

// Lists of words stored as one space-separated column (API key scopes, a subscription's event
// types): none of the words holds a space.
std::string join_words(const std::vector<std::string>& words);
std::vector<std::string> split_words(const std::string& text);

// A descriptor held only for its flock, closed when it goes.
struct LockFile {
    int fd = -1;
    LockFile() = default;
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;
    ~LockFile();
};

// The write transactions of one database file in this process take turns here, before SQLite's
// own write lock. `relance serve` writes one file through two connections (its request
// threads' run starts and its worker), and SQLite makes a writer that finds the lock taken
// sleep and try again (the busy handler below polls): the waiter woke up to a hundred
// microseconds late, and burnt CPU meanwhile. A mutex wakes it when the lock is given back.
// Writers in other processes still meet the busy handler. Keyed by the file itself (device
// and inode), so that two paths to one file share their turn; a private database
// (":memory:") has its own.
std::shared_ptr<std::mutex> process_writers_of(const std::string& path);

// BEGIN IMMEDIATE once this process's turn to write the file has come; rolled back if not
// committed, then the turn given back.
class WriteTransaction {
  public:
    WriteTransaction(SQLite::Database& db, std::mutex& writers)
        : turn_(writers), tx_(db, SQLite::TransactionBehavior::IMMEDIATE) {}
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() { tx_.commit(); }

  private:
    std::unique_lock<std::mutex> turn_;  // first taken, last given back
    SQLite::Transaction tx_;
};

// The commits made while it lives are not synced to the disk (synchronous=NORMAL); FULL again
// when it goes. Only for commits that nothing outside the store acts on (a claim): a later
// synced commit carries them to the disk, since the WAL is synced in order.
class UnsyncedCommits {
  public:
    explicit UnsyncedCommits(SQLite::Database& db);
    UnsyncedCommits(const UnsyncedCommits&) = delete;
    UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;
    ~UnsyncedCommits();

  private:
    SQLite::Database& db_;
};

// A statement taken from the store's cache (prepared once per SQL text and connection) for one
// use: reset and unbound when the handle goes, so that no read stays open between calls and an
// exception mid-way leaves it clean. Preparing is a large part of a small query's cost.
class CachedStatement {
  public:
    CachedStatement(SQLite::Statement* cached, std::unique_ptr<SQLite::Statement> owned)
        : owned_(std::move(owned)), st_(cached ? cached : owned_.get()) {}
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    ~CachedStatement();
    SQLite::Statement& operator*() const { return *st_; }

  private:
    std::unique_ptr<SQLite::Statement> owned_;  // when the cache is full
    SQLite::Statement* st_;
};

class SqliteStore final : public Store {
  public:
    SqliteStore(const std::string& path, const SqliteOptions& options);
    ~SqliteStore() override;

    // sqlite_store.cpp
    WorkerLock lock_worker() override;

    // sqlite_runs.cpp
    std::int64_t put_workflow_version(const std::string& name, const std::string& version,
                                      const std::string& file, const std::string& source,
                                      std::int64_t now) override;
    std::optional<WorkflowVersion> get_workflow_version(std::int64_t id) override;
    std::vector<bool> create_runs(const std::vector<NewRun>& runs, std::int64_t now,
                                  Durability durability = Durability::synced) override;
    void sync() override;
    std::vector<Run> claim_due(const std::string& owner, std::int64_t now, int limit,
                               std::int64_t lease_until) override;
    std::vector<std::string> lost_leases(
        const std::vector<std::pair<std::string, std::string>>& leases) override;
    std::vector<std::string> renew_leases(
        const std::vector<std::pair<std::string, std::string>>& leases,
        std::int64_t lease_until) override;
    std::optional<std::int64_t> next_due() override;
    void release_all_leases() override;
    void release_leases(const std::vector<std::pair<std::string, std::string>>& leases) override;
    std::vector<std::string> commit(const Batch& batch) override;
    std::vector<PendingEffect> pending_effects(const std::string& run_id) override;
    std::optional<Run> get_run(const std::string& id) override;
    std::vector<Run> list_runs(const RunFilter& filter) override;
    std::vector<StepRecord> list_steps(const std::string& run_id) override;
    std::map<std::int64_t, json> step_outputs(const std::string& run_id) override;
    RunCounts count_runs() override;
    std::optional<std::int64_t> last_enrolled(const std::string& contact_key) override;
    bool exit_idle_run(const std::string& run_id, const std::string& reason, const StepRecord& note,
                       std::int64_t now) override;
    bool wake_idle_run(const std::string& run_id, std::int64_t now) override;
    // sqlite_keys.cpp
    void put_api_key(const ApiKeyRow& key) override;
    std::vector<ApiKeyRow> list_api_keys() override;
    std::optional<ApiKeyRow> api_key_by_prefix(const std::string& prefix) override;
    bool revoke_api_key(const std::string& id, std::int64_t now) override;
    Deployment deploy_workflow(const std::string& name, std::int64_t workflow_version_id,
                               std::int64_t now) override;
    std::vector<Deployment> deployments() override;
    std::int64_t deployment_seq() override;
    std::optional<std::int64_t> cron_slot(const std::string& key) override;
    void set_cron_slot(const std::string& key, std::int64_t slot) override;

    // sqlite_secrets.cpp
    void put_secret(const StoredSecret& secret) override;
    std::optional<StoredSecret> get_secret(const std::string& scope,
                                           const std::string& name) override;
    std::vector<StoredSecret> list_secrets() override;
    bool delete_secret(const std::string& scope, const std::string& name) override;

    // sqlite_tracking.cpp
    std::string tracking_key(const std::string& candidate, std::int64_t now) override;
    bool reseal_tracking_key(const std::string& plain, const std::string& sealed) override;

    CancelOutcome cancel_run(const std::string& run_id, const std::string& reason,
                             const StepRecord& note, std::int64_t now) override;
    bool retry_failed_run(const std::string& run_id, const StepRecord& note,
                          std::int64_t now) override;

    // sqlite_contacts.cpp
    bool record_event(const Event& event, const Suppression* suppression) override;
    std::vector<Event> events_for(const std::vector<std::string>& contact_keys,
                                  std::int64_t since) override;
    std::vector<Run> active_runs_for(const std::string& contact_key) override;
    std::vector<std::string> existing_run_keys(const std::string& workflow_name,
                                               const std::vector<std::string>& keys) override;
    std::vector<ContactRun> active_runs_of(const std::vector<std::string>& contact_keys) override;
    bool put_suppression(const Suppression& entry) override;
    std::optional<Suppression> get_suppression(const std::string& kind,
                                               const std::string& value) override;
    bool delete_suppression(const std::string& kind, const std::string& value) override;
    std::vector<Suppression> list_suppressions() override;
    std::int64_t suppression_generation() override;

    // sqlite_senders.cpp
    std::vector<Send> sends_of(const std::string& sender, std::int64_t since) override;
    std::optional<std::string> first_sender(const std::string& contact_key,
                                            const std::string& channel) override;
    std::optional<std::int64_t> sender_first_use(const std::string& sender) override;
    void put_account_pause(const AccountPause& pause) override;
    bool delete_account_pause(const std::string& key) override;
    std::vector<AccountPause> list_account_pauses() override;
    std::optional<std::size_t> resume_account(const std::string& key, std::int64_t now) override;

    // sqlite_sandbox.cpp
    void record_sandbox(const std::string& plugin, const std::string& box, const json& entry,
                        std::int64_t now) override;
    std::vector<SandboxField> sandbox_field_since(const std::string& box, const std::string& field,
                                                  std::int64_t after_id, int limit) override;
    std::vector<SandboxEntry> list_sandbox(const std::string& plugin, const std::string& box,
                                           int limit) override;

    // sqlite_reports.cpp
    void for_each_run(const RunFilter& filter, const std::function<bool(const Run&)>& fn) override;
    WorkflowCounts workflow_counts(const std::string& workflow) override;

    // sqlite_outbox.cpp (outbound webhooks: the feed, subscriptions, the outbox)
    std::vector<FeedEvent> feed(const FeedQuery& query) override;
    std::int64_t feed_head() override;
    Subscription put_subscription(const Subscription& sub) override;
    std::vector<Subscription> list_subscriptions(std::int64_t after_created_at,
                                                 const std::string& after_id, int limit) override;
    std::optional<Subscription> get_subscription(const std::string& id) override;
    bool delete_subscription(const std::string& id) override;
    std::int64_t fan_out_deliveries(std::int64_t now, int limit) override;
    std::vector<Delivery> due_deliveries(std::int64_t now, int limit) override;
    void record_deliveries(const std::vector<DeliveryOutcome>& outcomes, std::int64_t now) override;
    OutboxFigures outbox_figures() override;
    std::vector<DeliveryRow> deliveries_of(const std::string& subscription_id) override;

    // sqlite_metrics.cpp
    std::vector<RunTally> run_tallies() override;
    QueueFigures queue_figures(std::int64_t now) override;

    // sqlite_people.cpp (contacts: upsert, history, export, erase)
    std::optional<ContactRecord> find_contact(const std::string& identity_key) override;
    ContactUpsert upsert_contact(const std::vector<std::string>& identity_keys,
                                 const json& attributes, std::int64_t now) override;
    std::vector<Event> contact_events(const std::vector<std::string>& keys, int limit) override;
    std::vector<Run> contact_runs(const std::vector<std::string>& keys, int limit) override;
    std::vector<Send> contact_sends(const std::vector<std::string>& keys, int limit) override;
    std::vector<std::string> linked_identities(const std::vector<std::string>& keys) override;
    ContactErasure erase_contact(const std::vector<std::string>& keys,
                                 const std::vector<Suppression>& hashed, std::int64_t now) override;
    std::vector<Suppression> suppressions_page(
        const std::optional<std::pair<std::string, std::string>>& after, int limit) override;
    std::vector<bool> put_suppressions(const std::vector<Suppression>& entries) override;

  private:
    // SQL functions re-normalising contact keys (sqlite_contacts.cpp), used by migrations.
    void register_identity_functions();
    // The aggregate counting a workflow's steps for workflow_counts (sqlite_reports.cpp).
    void register_report_functions();
    void migrate();
    // Creates those of kSqliteLateIndexes a current-version database lacks.
    void add_late_indexes();
    void prepare_statements();
    // Inside a transaction: the suppression list changed.
    void bump_suppression_generation();
    // Inside a transaction: inserts (or, on conflict, upgrades) one entry; true if it changed.
    bool write_suppression(const Suppression& e);
    void write_step(const StepRecord& s);
    void write_run(const Run& r);
    std::vector<std::string> lost_leases_locked(
        const std::vector<std::pair<std::string, std::string>>&
            leases);  // full state, lease released
    static std::string context_text(const Run& r);
    // The cached statement for `sql` (m_ held). SQL texts are constants; the cache is bounded
    // all the same.
    CachedStatement cached(const std::string& sql);

    std::string path_;
    // The worker lock: an flock on the database file, taken on demand. Declared before db_ so
    // it is closed after SQLite closes the database (closing another descriptor of the file
    // while SQLite holds its POSIX locks would drop them).
    LockFile lock_fd_;
    std::uint64_t claims_ = 0;  // claims made by this process: the lease token suffix
    std::mutex m_;
    SQLite::Database db_;
    // This process's turn to write the file (process_writers_of): every write transaction
    // takes it (WriteTransaction tx(db_, *writers_)).
    std::shared_ptr<std::mutex> writers_;
    std::unique_ptr<SQLite::Statement> insert_step_, update_step_, update_run_, checkpoint_run_,
        insert_send_, delete_send_, first_use_, claim_, pending_of_claim_, lease_of_, renew_lease_,
        insert_run_, insert_run_contact_;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;  // after db_
};

}  // namespace relance::store
