// The store interface: everything durable goes through it. The runtime is written against this
// interface only, so the SQLite single binary and the PostgreSQL workers share one code path
// (DESIGN invariant 7).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <relance/base/clock.hpp>
#include <relance/base/json_value.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relance::store {

using json = nlohmann::json;

enum class RunStatus {
    ready,      // due now (or at due_at)
    waiting,    // waiting for a timer (due_at)
    paused,     // needs a human: an in-doubt step, or paused by an operator
    completed,  // reached the end
    exited,     // an exit step ended it
    failed,     // a step failed and on_error said fail
};
const char* to_string(RunStatus s);
std::optional<RunStatus> run_status_from(const std::string& s);
inline bool is_terminal(RunStatus s) {
    return s == RunStatus::completed || s == RunStatus::exited || s == RunStatus::failed;
}

struct WorkflowVersion {
    std::int64_t id = 0;
    std::string name;
    std::string version;
    std::string sha256;  // of source: the same text is stored once
    std::string file;
    std::string source;
    std::int64_t created_at = 0;
};

// A step's place in a run's timeline: what came of it. Each status is named once here; the
// executor and every reader use these values, never free strings.
enum class StepStatus {
    started,       // an action committed right before its call: the effect may be under way
    succeeded,     // the action's call succeeded
    failed,        // the step failed for good (on_error decides what follows)
    retry,         // the call failed temporarily; the step runs again later
    rate_limited,  // the provider asked to slow down; retried later, not counted as an attempt
    skipped,       // `when:` was false
    done,          // a built-in step (set, if, lua, exit, wait_for's end) did its work
    waiting,       // a wait or wait_for began
    deferred,      // a gate held the action back (window, sender cap, circuit, plugin, account)
    cancelled,     // a gate stopped the action before it left (reply, suppression, ...)
    in_doubt,      // the call may or may not have happened: the run pauses for a human
    reconciling,   // asked the provider whether an in-doubt call happened; asking again later
    reconciled,    // the provider confirmed the in-doubt call happened
    resolved,      // an operator settled an in-doubt call (`runs resolve`)
    abandoned,     // an in-doubt call that did not happen (or is safe to repeat): runs again
    stopped,       // a contact event ended the run (its workflow's stop_on)
};
const char* to_string(StepStatus s);
std::optional<StepStatus> step_status_from(std::string_view s);
std::ostream& operator<<(std::ostream& out, StepStatus s);  // its name
// The outcomes an effect committed as started may end with (the allowed transitions from
// `started`; anything else is a bug in the executor).
bool ends_effect(StepStatus s);
// Whether an effect that ended so may have reached the person: its send keeps counting against
// the sender's limits (store::Send), every other end frees the slot.
bool may_have_reached(StepStatus s);

// An effect committed as started whose outcome is not recorded yet (its step row is `started`).
// Found on a claim, it means the worker that started it died, or an earlier reconciliation
// asked to look again later: the call may or may not have happened (invariant 2).
struct PendingEffect {
    std::int64_t seq = 0;  // the step row: the effect's id within its run
    std::string step_id;
    std::string kind;
    std::string message_id;
    int attempt = 1;
    std::int64_t started_at = 0;
};

struct Run {
    std::string id;
    std::int64_t workflow_version_id = 0;
    std::string workflow_name;
    std::string idempotency_key;
    RunStatus status = RunStatus::ready;
    int node = 0;       // position in the program (model::Program::nodes)
    int attempt = 1;    // attempt number of the current node's step
    JsonValue context;  // {"inputs":{},"steps":{},"vars":{}}
    // When set, written instead of context.dump(): the executor serialises the context once.
    std::string context_text;
    std::optional<std::int64_t> due_at;  // unix ms; set while ready or waiting
    std::string reason;                  // why it is paused, failed or exited
    std::int64_t next_seq = 1;           // next step row number
    std::string message_id;              // the engine message id of the current node's action
    std::string contact_key;             // "email:a@b.test" (or phone:, linkedin:), "" when unknown
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    // Set by for_each_run: the run's row number, which with created_at places it in a list (the
    // cursor of the next page). 0 elsewhere.
    std::int64_t row = 0;
    // Set by claim_due: the lease token of this claim. Every commit for the run checks it, so a
    // worker that lost its lease (expired, taken over) changes nothing.
    std::string lease;
    // Set by claim_due: effects started and not finished (usually none; at most one for YAML).
    std::vector<PendingEffect> pending;
};

// One line of a run's timeline: a step attempt and what came of it.
struct StepRecord {
    std::string run_id;
    std::int64_t seq = 0;
    std::string step_id;
    std::string kind;  // action name ("sendgrid.send") or built-in kind ("wait", "if", ...)
    StepStatus status = StepStatus::done;
    int attempt = 1;
    std::int64_t started_at = 0;
    std::optional<std::int64_t> finished_at;
    std::string message_id;
    std::string detail;  // the reason, in words: "condition false: skipped", "429: retry at ..."
    JsonValue output;    // null when none
};

// A run's id: derived from its workflow and idempotency key, so the same input gets the same id
// in every database (a simulation, whose scenario draws are seeded by message ids that contain
// run ids, gives the same result every time), and the id being unique is what makes a key
// start one run per workflow (the store keeps no second index for it).
std::string run_id_for(const std::string& workflow_name, const std::string& idempotency_key);

// The engine message id of an action: the run id, the step id and the seq of the step row that
// first started it, joined by dots; every attempt carries it to the provider. The SQLite store
// does not keep it when a row has exactly this one (kStepMessageId rebuilds it).
std::string engine_message_id(const std::string& run_id, const std::string& step_id,
                              std::int64_t seq);

struct NewRun {
    std::string contact_key;                 // the main identity ("" when none)
    std::vector<std::string> identity_keys;  // every identity of the contact, main one first
    std::string id;  // run_id_for(workflow_name, idempotency_key); tests may use their own
    std::int64_t workflow_version_id = 0;
    std::string workflow_name;
    std::string idempotency_key;
    JsonValue context;
    std::int64_t due_at = 0;
};

// One message sent from a sender account: what the account's limits count. Written with the
// "started" record of the send (so a send in flight counts), removed when the provider did not
// take it (failed, retry, rate limited, cancelled). Kept after 24 h: the first sender of a
// contact is the one its later messages come from.
struct Send {
    std::string run_id;
    std::int64_t seq = 0;  // the step record of the send
    std::string sender;
    std::string channel;
    std::string contact_key;
    std::string recipient_domain;  // lower case; "" when the channel has none
    std::int64_t at = 0;
};

// Everything one step of the hot path writes, committed in one transaction.
struct Batch {
    // (run id, lease token) of every claimed run this batch writes for: a run whose lease is no
    // longer that token has none of its rows written (steps, sends, run state), and commit()
    // reports it. Rows of runs not listed here are written unconditionally (operator tools).
    std::vector<std::pair<std::string, std::string>> leases;
    std::vector<StepRecord> insert_steps;
    std::vector<StepRecord> update_steps;  // matched by (run_id, seq)
    std::vector<Run> update_runs;          // full state; releases the lease
    // Progress of a run the worker keeps (lease kept, status and due_at untouched): node,
    // attempt, context, next_seq, message_id.
    std::vector<Run> checkpoint_runs;
    std::vector<Send> insert_sends;
    std::vector<std::pair<std::string, std::int64_t>> delete_sends;  // (run_id, seq)
    bool empty() const {
        return leases.empty() && insert_steps.empty() && update_steps.empty() &&
               update_runs.empty() && checkpoint_runs.empty() && insert_sends.empty() &&
               delete_sends.empty();
    }
};

// Whether a commit waits for the disk before it returns.
enum class Durability { synced, deferred };

struct RunFilter {
    std::optional<RunStatus> status;
    std::string workflow;
    int limit = 100;
    // Only the runs after this (created_at, row) in the list's order: the next page of a list
    // whose last run was this one (Run::row).
    std::optional<std::pair<std::int64_t, std::int64_t>> after;
};

struct SandboxEntry {
    std::int64_t id = 0;
    std::string plugin;
    std::string box;
    std::int64_t recorded_at = 0;
    JsonValue entry;
};

// One field of a sandbox entry (Store::sandbox_field_since), without the rest of the entry.
struct SandboxField {
    std::int64_t id = 0;
    std::int64_t recorded_at = 0;
    std::string value;  // the field's text; "" when the entry has no such string field
};

// Something that happened to a contact (delivered, opened, replied, bounced, unsubscribed, or a
// custom name). Recorded once per event_id: providers retry their webhooks.
struct Event {
    std::int64_t seq = 0;
    std::string event_id;
    std::string contact_key;
    std::string type;
    std::string run_id;      // optional: the run it is about
    std::string message_id;  // optional: the message it is about
    std::int64_t occurred_at = 0;
    std::int64_t recorded_at = 0;
    JsonValue data = JsonValue::object();
};

struct Suppression {
    std::string kind;     // email, domain, phone, linkedin
    std::string value;    // normalised
    std::string source;   // unsubscribe, bounce, operator, import
    bool locked = false;  // came from the person: an operator cannot remove it
    std::string reason;
    std::int64_t created_at = 0;
};

// A sender account (or a plugin's credentials) the provider refused: its sends wait until it is
// fixed. The executor probes it again at probe_at; an operator can resume it at once.
struct AccountPause {
    std::string key;     // "sendgrid" or "sendgrid/sam@acme.test": plugin, and sender account
    std::string reason;  // the provider's own message
    std::int64_t since = 0;
    std::int64_t probe_at = 0;
};

// An unfinished run of a contact, as the enrollment policy needs it.
struct ContactRun {
    std::string contact_key;
    std::string workflow_name;
    std::string run_id;
};

// The result of asking for the one-worker lock of a store.
struct WorkerLock {
    enum class State { acquired, busy, error } state = State::error;
    std::string message;  // with busy and error: what to tell the operator
};

struct RunCounts {
    std::int64_t total = 0;
    std::int64_t by_status[6] = {};  // indexed by RunStatus
};

// What the sends of one step (and variant) of a workflow came to, over all its runs: the rows of
// `relance stats` (runtime::workflow_stats), counted by the store. An action step (its kind
// names a plugin action: it contains a '.') counts as sent when it succeeded or was reconciled,
// as failed when it failed. The variant is read from the step's detail: "variant a" or
// "variant a, from sam@acme.test" give "a"; any other detail gives "".
struct StepSendCount {
    std::string step_id;
    std::string kind;  // the kind of the step where the row first appears
    std::string variant;
    std::int64_t sent = 0;
    std::int64_t failed = 0;
};

// Events attributed to the sends of a step (and variant). Each event of a run's contact that
// occurred at or after the run's creation goes, within that run, to the last send (by timeline
// position) whose message id it names; an event naming no message goes to the last send that
// went out (finished, else started) at or before the event; an event naming a message that is
// not one of the run's sends counts for nothing. A contact's event counts once per run of the
// workflow it is attributed in.
struct StepEventCount {
    std::string step_id;
    std::string variant;
    std::string type;
    std::int64_t count = 0;
};

struct WorkflowCounts {
    // In order of first appearance: runs by (created_at, id) (as list_runs had them before it
    // kept creation order within a created_at), then each run's timeline by seq.
    std::vector<StepSendCount> sends;
    std::vector<StepEventCount> events;  // each (step, variant) is one of `sends`
};

// A deployed workflow: the version its new runs take (webhook and cron triggers, POST
// /v1/runs). `seq` grows with every deploy in the store, so a server learns of a deploy made by
// another process by reading deployment_seq().
struct Deployment {
    std::string name;
    std::int64_t workflow_version_id = 0;
    std::int64_t seq = 0;
    std::int64_t deployed_at = 0;
};

// An API key as stored: the hex SHA-256 of its token, not the token.
struct ApiKeyRow {
    std::string id;
    std::string name;
    std::string prefix;
    std::string hash;
    std::vector<std::string> scopes;
    int rate_per_minute = 600;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
};

class Store {
  public:
    virtual ~Store() = default;

    // Stores a workflow's source once (by content hash) and returns its version id.
    virtual std::int64_t put_workflow_version(const std::string& name, const std::string& version,
                                              const std::string& file, const std::string& source,
                                              std::int64_t now) = 0;
    virtual std::optional<WorkflowVersion> get_workflow_version(std::int64_t id) = 0;

    // Creates runs in one transaction. A run whose (workflow_name, idempotency_key) exists
    // already is not created: the result holds false at its position. `deferred`: the commit
    // does not wait for the disk (an import's chunks); the next synced commit, or sync(),
    // carries it there. A crash of the process loses nothing either way; a power loss may take
    // back deferred runs, which the same import starts again (their keys were not taken).
    virtual std::vector<bool> create_runs(const std::vector<NewRun>& runs, std::int64_t now,
                                          Durability durability = Durability::synced) = 0;

    // Returns once every commit made so far is on the disk.
    virtual void sync() = 0;

    // Claims up to `limit` runs due at `now` (ready or waiting, due_at <= now, not leased) for
    // `owner` until `lease_until`, oldest due first. Each run comes back with its lease token
    // (Run::lease, unique to this claim) and its pending effects.
    virtual std::vector<Run> claim_due(const std::string& owner, std::int64_t now, int limit,
                                       std::int64_t lease_until) = 0;
    // The run ids among (run id, token) whose lease is no longer that token: read right before
    // a call leaves, so that a worker that lost a run never calls for it.
    virtual std::vector<std::string> lost_leases(
        const std::vector<std::pair<std::string, std::string>>& leases) = 0;
    // Extends the leases (run id, token) still held to `lease_until`; returns the run ids whose
    // lease was lost (the token no longer matches).
    virtual std::vector<std::string> renew_leases(
        const std::vector<std::pair<std::string, std::string>>& leases,
        std::int64_t lease_until) = 0;
    // The exclusive right to run the worker on this store, held until the store is closed. For
    // SQLite, a lock on the database file itself (its inode), so another path to the same file
    // (a symlink, a relative path, a hard link) finds it taken.
    virtual WorkerLock lock_worker() = 0;
    // Earliest due_at among ready/waiting runs, or nullopt when nothing is scheduled.
    virtual std::optional<std::int64_t> next_due() = 0;
    // Frees every lease (a worker that knows it is the only one alive calls this at start).
    virtual void release_all_leases() = 0;
    // Frees the leases (run id, token) still held, leaving the runs as they are (a stopping
    // worker gives back what it claimed and did not touch).
    virtual void release_leases(const std::vector<std::pair<std::string, std::string>>& leases) = 0;

    // Commits one batch atomically; returns the run ids of batch.leases whose lease was lost
    // (nothing of theirs was written). Throws StoreFull when the disk (or database) is full:
    // nothing of the batch was written, and the same batch may be committed again later.
    virtual std::vector<std::string> commit(const Batch& batch) = 0;
    // The effects of a run started and not finished.
    virtual std::vector<PendingEffect> pending_effects(const std::string& run_id) = 0;

    virtual std::optional<Run> get_run(const std::string& id) = 0;
    // Oldest first (created_at); runs created at the same time (one import) in the order they
    // were created.
    virtual std::vector<Run> list_runs(const RunFilter& filter) = 0;
    virtual std::vector<StepRecord> list_steps(const std::string& run_id) = 0;
    // The outputs of a run's steps that have one, by seq: a run's context refers to them by
    // row ("output_row") instead of holding a second copy (runtime::restore_step_outputs).
    virtual std::map<std::int64_t, json> step_outputs(const std::string& run_id) = 0;
    virtual RunCounts count_runs() = 0;

    // --- contacts: events and suppressions ---

    // Records an event, and the suppression it causes (an unsubscribe, a hard bounce) in the
    // same transaction; false (and nothing written) when its event_id was recorded before.
    virtual bool record_event(const Event& event, const Suppression* suppression = nullptr) = 0;
    // Events of the given contacts that occurred at or after `since`, oldest first.
    virtual std::vector<Event> events_for(const std::vector<std::string>& contact_keys,
                                          std::int64_t since) = 0;
    // Runs of a contact, known by any of its identities, that are not finished (ready,
    // waiting, paused). Their state without the context (read as an empty object).
    virtual std::vector<Run> active_runs_for(const std::string& contact_key) = 0;
    // When the latest run (any workflow, any status) started with this identity of a contact
    // among its identities was created; nullopt if none.
    virtual std::optional<std::int64_t> last_enrolled(const std::string& contact_key) = 0;
    // Ends a run that no worker holds (no live lease at `now`) with status exited, appending a
    // timeline line; false when the run is leased or already finished (the worker's own check
    // before each call then stops it).
    virtual bool exit_idle_run(const std::string& run_id, const std::string& reason,
                               const StepRecord& note, std::int64_t now) = 0;

    // Cancels a run by an operator's word, whether or not a worker holds it: in one
    // transaction it becomes exited with `reason`, its lease is dropped (the holding worker's
    // next lease check fails, so its pending call does not leave and its commit writes nothing
    // for the run) and `note` is appended to its timeline.
    enum class CancelOutcome {
        cancelled,       // it was idle (ready, waiting or paused, no live lease)
        cancelled_held,  // a worker held it: a call already out is not recorded in the timeline
        finished,        // completed, exited or failed already: nothing changed
        missing,         // no such run
    };
    virtual CancelOutcome cancel_run(const std::string& run_id, const std::string& reason,
                                     const StepRecord& note, std::int64_t now) = 0;
    // Makes a failed run ready again at the step it failed on (attempt 1, due at `now`), with
    // `note` on its timeline; false when the run is not failed.
    virtual bool retry_failed_run(const std::string& run_id, const StepRecord& note,
                                  std::int64_t now) = 0;

    // API keys (the server's): stored with the SHA-256 of their token, never the token.
    virtual void put_api_key(const ApiKeyRow& key) = 0;
    virtual std::vector<ApiKeyRow> list_api_keys() = 0;
    virtual std::optional<ApiKeyRow> api_key_by_prefix(const std::string& prefix) = 0;
    // false when there is no such key or it is revoked already.
    virtual bool revoke_api_key(const std::string& id, std::int64_t now) = 0;

    // Deployments: the newest version of each deployed workflow. Deploying the version already
    // deployed changes nothing (its seq stays). Runs keep the version they started on.
    virtual Deployment deploy_workflow(const std::string& name, std::int64_t workflow_version_id,
                                       std::int64_t now) = 0;
    virtual std::vector<Deployment> deployments() = 0;  // by name
    virtual std::int64_t deployment_seq() = 0;          // the latest deploy's seq; 0 = none

    // Cron triggers: the latest slot (unix ms) each trigger has handled, fired or skipped, by
    // its key (workflow, trigger and spec). nullopt: never seen.
    virtual std::optional<std::int64_t> cron_slot(const std::string& key) = 0;
    virtual void set_cron_slot(const std::string& key, std::int64_t slot) = 0;

    // Makes a waiting run that no worker holds due at `now` (an event it waits for arrived);
    // false when it is not waiting or is leased.
    virtual bool wake_idle_run(const std::string& run_id, std::int64_t now) = 0;

    // Adds or updates (a locked entry replaces an unlocked one; an unlocked one never replaces a
    // locked one). Returns false when nothing changed.
    virtual bool put_suppression(const Suppression& entry) = 0;
    virtual std::optional<Suppression> get_suppression(const std::string& kind,
                                                       const std::string& value) = 0;
    virtual bool delete_suppression(const std::string& kind, const std::string& value) = 0;
    virtual std::vector<Suppression> list_suppressions() = 0;
    // Changes whenever the suppression list changes: workers reload their copy when it moves.
    virtual std::int64_t suppression_generation() = 0;

    // --- sender accounts ---

    // Accounts the provider refused (store::AccountPause). put replaces; delete returns false
    // when the key was not paused.
    virtual void put_account_pause(const AccountPause& pause) = 0;
    virtual bool delete_account_pause(const std::string& key) = 0;
    virtual std::vector<AccountPause> list_account_pauses() = 0;
    // Lifts a pause by hand, once the account is fixed (`relance senders resume`): in one
    // transaction, deletes it and makes the idle runs whose send waits for it due at `now`
    // (their reason names the account, as the pause gate writes it). nullopt when the key was not
    // paused; else how many runs woke.
    virtual std::optional<std::size_t> resume_account(const std::string& key, std::int64_t now) = 0;

    // Sends of `sender` at or after `since`, oldest first.
    virtual std::vector<Send> sends_of(const std::string& sender, std::int64_t since) = 0;
    // The sender of the contact's first message on `channel`, if any.
    virtual std::optional<std::string> first_sender(const std::string& contact_key,
                                                    const std::string& channel) = 0;
    // When the account first sent (its ramp-up day 0), if it ever did.
    virtual std::optional<std::int64_t> sender_first_use(const std::string& sender) = 0;

    virtual void record_sandbox(const std::string& plugin, const std::string& box,
                                const json& entry, std::int64_t now) = 0;
    // Top-level string field `field` of the entries of `box` recorded after entry id
    // `after_id`, oldest first, at most `limit`: what the simulation reads back of each message
    // (its engine message id), without parsing the whole entry.
    virtual std::vector<SandboxField> sandbox_field_since(const std::string& box,
                                                          const std::string& field,
                                                          std::int64_t after_id, int limit) = 0;
    // The newest `limit` entries, oldest first; empty plugin or box means any.
    virtual std::vector<SandboxEntry> list_sandbox(const std::string& plugin,
                                                   const std::string& box, int limit) = 0;

    // --- starting runs in chunks (runtime::start_runs): one look-up per chunk of records ---

    // The keys among `keys` that already have a run of workflow `workflow_name` (a run whose id
    // is run_id_for(workflow_name, key)).
    virtual std::vector<std::string> existing_run_keys(const std::string& workflow_name,
                                                       const std::vector<std::string>& keys) = 0;
    // The unfinished runs (ready, waiting, paused) of the contacts among `contact_keys`, known
    // by any identity, oldest first (as active_runs_for, without the runs' state).
    virtual std::vector<ContactRun> active_runs_of(
        const std::vector<std::string>& contact_keys) = 0;

    // --- reports: whatever the number of runs, in bounded memory ---

    // The runs list_runs returns, in the same order, handed to `fn` one at a time until it
    // returns false or filter.limit runs were given. They are read a page at a time, so memory
    // does not grow with the limit, no read lasts while `fn` runs, and `fn` may call the store.
    // Each run is given at most once; a run created meanwhile may be given too.
    virtual void for_each_run(const RunFilter& filter,
                              const std::function<bool(const Run&)>& fn) = 0;
    // Sends, failures and the events that followed, per step and variant of a workflow (all its
    // versions), counted in one pass by the store: see StepSendCount and StepEventCount. Memory
    // holds the events since the workflow's first run and, for SQLite, a few dozen bytes per run
    // of the workflow.
    virtual WorkflowCounts workflow_counts(const std::string& workflow) = 0;

    // --- metrics: what the server's /metrics reads at a scrape (read only) ---

    // How many runs one workflow (all its versions) has in one status.
    struct RunTally {
        std::string workflow;
        RunStatus status = RunStatus::ready;
        std::int64_t count = 0;
    };
    // Every (workflow, status) that has runs, by workflow then status. One pass over the runs
    // (no index holds both columns): the caller bounds how often it asks.
    virtual std::vector<RunTally> run_tallies() = 0;
    // The state of the queue at `now`, read through the due-time index.
    struct QueueFigures {
        std::int64_t due = 0;  // ready or waiting with due_at <= now, claimed or not
        // The earliest due_at among those no live lease holds: how late the oldest unclaimed
        // due work is. nullopt when none waits.
        std::optional<std::int64_t> oldest_unclaimed_due;
        std::int64_t in_doubt = 0;  // paused on an in-doubt step (waiting for `runs resolve`)
    };
    virtual QueueFigures queue_figures(std::int64_t now) = 0;

    // --- outbound webhooks: subscriptions, the outbox, the events feed ---
    // The feed (feed_events) is written by the store itself, in the transaction of each change
    // that causes an event (run started, completed, failed, exited; action step sent; contact
    // replied, bounced, unsubscribed): no caller records them.
    struct FeedEvent {
        std::int64_t seq = 0;  // grows with every event: the feed's cursor
        std::string type;      // "run.started"...
        std::int64_t occurred_at = 0;
        std::string data;  // a JSON object, built from the row the event is about when read
    };
    struct FeedQuery {
        std::int64_t after = 0;          // events with seq > after (ascending), or < (descending)
        bool descending = false;         // newest first; `after` 0 = from the newest
        std::vector<std::string> types;  // empty = every type
        int limit = 100;
    };
    virtual std::vector<FeedEvent> feed(const FeedQuery& query) = 0;
    virtual std::int64_t feed_head() = 0;  // the newest seq; 0 when the feed is empty

    struct Subscription {
        std::string id;
        std::string target_url;
        std::vector<std::string> events;  // the types it wants
        std::string sealed_secret;        // app::SecretSeal's; never the plain secret
        std::int64_t cursor = 0;          // the last feed seq fanned out to its deliveries
        std::int64_t created_at = 0;
        std::optional<std::int64_t> disabled_at;
        std::string disabled_reason;
    };
    // Stores a new subscription; its cursor is set to the feed's head in the same transaction
    // (it hears of events from its creation on). Returns it as stored.
    virtual Subscription put_subscription(const Subscription& sub) = 0;
    // By (created_at, id), after the key (after_created_at, after_id) of the last one shown
    // (after_id "" = from the first), at most `limit`.
    virtual std::vector<Subscription> list_subscriptions(std::int64_t after_created_at,
                                                         const std::string& after_id,
                                                         int limit) = 0;
    virtual std::optional<Subscription> get_subscription(const std::string& id) = 0;
    // Deletes it and its deliveries; false when there was none.
    virtual bool delete_subscription(const std::string& id) = 0;

    // One delivery of the outbox, with what the sender needs to make the request.
    struct Delivery {
        std::string subscription_id;
        std::int64_t event_seq = 0;
        int attempts = 0;  // attempts made before this one
        std::int64_t created_at = 0;
        std::string target_url;
        std::string sealed_secret;
        FeedEvent event;
    };
    // Fans the feed out into deliveries: for each enabled subscription, a pending delivery
    // (due at `now`) per event after its cursor that it wants, at most `limit` events per
    // subscription, and the cursor moved past them, in one transaction. Returns how many
    // deliveries it made.
    virtual std::int64_t fan_out_deliveries(std::int64_t now, int limit) = 0;
    // The pending deliveries due at `now`, oldest due first, at most `limit`, of enabled
    // subscriptions.
    virtual std::vector<Delivery> due_deliveries(std::int64_t now, int limit) = 0;
    // What came of one attempt.
    struct DeliveryOutcome {
        std::string subscription_id;
        std::int64_t event_seq = 0;
        enum class Result { delivered, retry, failed, gone } result = Result::retry;
        std::int64_t next_at = 0;  // with retry
        int status_code = 0;       // 0: no HTTP answer
        std::string error;         // why it did not go ("" when delivered)
    };
    // Records outcomes in one transaction (attempts + 1 each). `gone` (410) disables the
    // subscription (disabled_at = now, its reason) and drops its pending deliveries.
    virtual void record_deliveries(const std::vector<DeliveryOutcome>& outcomes,
                                   std::int64_t now) = 0;
    // The outbox backlog: pending deliveries, and the oldest one's creation time.
    struct OutboxFigures {
        std::int64_t pending = 0;
        std::optional<std::int64_t> oldest_pending_at;
    };
    virtual OutboxFigures outbox_figures() = 0;
    // The deliveries of one subscription, by event seq (tests, `subscriptions show`).
    struct DeliveryRow {
        std::int64_t event_seq = 0;
        std::string status;
        int attempts = 0;
        std::optional<std::int64_t> next_at;
        std::optional<int> last_status_code;
        std::string last_error;
    };
    virtual std::vector<DeliveryRow> deliveries_of(const std::string& subscription_id) = 0;

    // --- secrets sealed at rest ---
    // A plugin credential or a webhook secret, as app::SecretSeal sealed it: the store never sees
    // the plain value. `scope` is the plugin's name ("sendgrid"), "hook" for webhook triggers.
    struct StoredSecret {
        std::string scope;
        std::string name;
        std::string sealed;
        std::int64_t updated_at = 0;
    };
    virtual void put_secret(const StoredSecret& secret) = 0;  // replaces one of the same name
    virtual std::optional<StoredSecret> get_secret(const std::string& scope,
                                                   const std::string& name) = 0;
    virtual std::vector<StoredSecret> list_secrets() = 0;  // by scope and name
    virtual bool delete_secret(const std::string& scope, const std::string& name) = 0;

    // --- tracking and one-click unsubscribe ---
    // The workspace's key for tracking links (docs/tracking.md): the one stored, or `candidate`
    // (32 random bytes), stored now when none is. Whoever stores first wins, across processes,
    // so every process signs and verifies with the same key.
    // `candidate` is what is kept: the key sealed by the workspace (tracking/key.hpp), or, from
    // a private store and from relance before the key was sealed, the 32 bytes themselves.
    virtual std::string tracking_key(const std::string& candidate, std::int64_t now) = 0;
    // Replaces the stored key `plain` (32 bytes, as relance before sealing kept it) with
    // `sealed`, unless another process did first. Whether this call replaced it.
    virtual bool reseal_tracking_key(const std::string& plain, const std::string& sealed) = 0;

    // --- contacts: upsert, history, export, erase ---

    // A contact's record: its attributes, known by every identity key it was given. `key` is
    // the first identity it was created with (email, else phone, else LinkedIn) and never
    // changes; `identities` holds it first, then the others in the order they came.
    struct ContactRecord {
        std::string key;
        std::vector<std::string> identities;
        JsonValue attributes = JsonValue::object();
        std::int64_t created_at = 0;
        std::int64_t updated_at = 0;
    };
    // The record an identity key belongs to, if any.
    virtual std::optional<ContactRecord> find_contact(const std::string& identity_key) = 0;
    struct ContactUpsert {
        std::optional<ContactRecord> contact;  // nullopt when `conflict` is set (nothing written)
        bool created = false;
        // The identity key that belongs to another contact than the others given: "" when none.
        std::string conflict;
    };
    // In one transaction: finds the record any of `identity_keys` belongs to (or creates one
    // keyed by the first), adds the keys it lacks, and merges `attributes` into its own as a JSON
    // merge patch (RFC 7396: a member set to null is removed). Refuses (conflict) keys that
    // belong to two records.
    virtual ContactUpsert upsert_contact(const std::vector<std::string>& identity_keys,
                                         const json& attributes, std::int64_t now) = 0;
    // The history of a person known by these identity keys, newest first, at most `limit` of
    // each (limit <= 0: all of them): events recorded under the keys, runs started with any of
    // them (run_contacts: their full state), the sends to them.
    virtual std::vector<Event> contact_events(const std::vector<std::string>& keys, int limit) = 0;
    virtual std::vector<Run> contact_runs(const std::vector<std::string>& keys, int limit) = 0;
    virtual std::vector<Send> contact_sends(const std::vector<std::string>& keys, int limit) = 0;
    // The keys plus every other identity the runs started with them were started with (a run
    // started with an email and a phone links the two).
    virtual std::vector<std::string> linked_identities(const std::vector<std::string>& keys) = 0;
    struct ContactErasure {
        std::vector<std::string> runs;  // the runs deleted (the ones not finished were cancelled)
        std::int64_t events = 0;        // events deleted
        std::int64_t sends = 0;         // sends whose contact was blanked (they still count)
        std::int64_t suppressions = 0;  // entries naming the person, replaced by `hashed`
        bool record = false;            // the contact's record was deleted
    };
    // Erases a person (GDPR) in one transaction: their record, the events under the keys, their
    // runs (steps, identities; a run a worker holds loses its lease, so nothing more is sent or
    // written for it), the entries of the suppression list naming a key; their sends stay (sender
    // limits count them) with the contact blanked. `hashed` entries are added to the suppression
    // list in the same transaction.
    virtual ContactErasure erase_contact(const std::vector<std::string>& keys,
                                         const std::vector<Suppression>& hashed,
                                         std::int64_t now) = 0;
    // The suppression list in (kind, value) order after the entry (kind, value) `after` (none:
    // from the start), at most `limit` entries.
    virtual std::vector<Suppression> suppressions_page(
        const std::optional<std::pair<std::string, std::string>>& after, int limit) = 0;
    // put_suppression for many entries in one transaction (an import): whether each changed.
    virtual std::vector<bool> put_suppressions(const std::vector<Suppression>& entries) = 0;
};

// The disk or the database is full (SQLITE_FULL): nothing of the failed commit was written.
struct StoreFull : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SqliteOptions {
    // A cap on the database size, in pages (PRAGMA max_page_count); 0 = none. Writes past it
    // fail as on a full disk (StoreFull).
    std::int64_t max_pages = 0;
    // Page cache and memory map. The worker keeps the hot pages (runs being worked, the due-time
    // index) in memory; a one-pass command (`relance run` over a large input) reads each page
    // about once, so it takes the small settings and its memory stays bounded (file pages mapped
    // count in its resident size).
    std::int64_t cache_bytes = 64ll << 20;
    std::int64_t mmap_bytes = 256ll << 20;
    // The WAL is copied into the database (checkpointed) when it holds this many pages. A page
    // rewritten by several commits in between is copied once. The worker's hot pages are few,
    // so 64 MiB of WAL catches them; an import writes each new run once but rewrites leaves
    // of the run id index at random, so it gains from a longer interval (a larger WAL on disk
    // meanwhile: 4 KiB a page).
    std::int64_t wal_checkpoint_pages = 16384;
    static SqliteOptions one_pass() {
        SqliteOptions o;
        o.cache_bytes = 8ll << 20;
        o.mmap_bytes = 0;
        o.wal_checkpoint_pages = 65536;  // 256 MiB
        return o;
    }
};

// Opens (and creates or migrates) a SQLite store. path ":memory:" for a private in-memory one.
std::unique_ptr<Store> open_sqlite(const std::string& path, const SqliteOptions& options = {});

}  // namespace relance::store
