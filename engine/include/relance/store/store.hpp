// The store interface: everything durable goes through it. The runtime is written against this
// interface only, so the SQLite single binary and the PostgreSQL workers share one code path
// (DESIGN invariant 7).
#pragma once

#include <relance/base/clock.hpp>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
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

struct Run {
    std::string id;
    std::int64_t workflow_version_id = 0;
    std::string workflow_name;
    std::string idempotency_key;
    RunStatus status = RunStatus::ready;
    int node = 0;        // position in the program (model::Program::nodes)
    int attempt = 1;     // attempt number of the current node's step
    json context;        // {"inputs":{},"steps":{},"vars":{}}
    // When set, written instead of context.dump(): the executor serialises the context once.
    std::string context_text;
    std::optional<std::int64_t> due_at;  // unix ms; set while ready or waiting
    std::string reason;                  // why it is paused, failed or exited
    // The step row of an action committed as started whose outcome is not recorded yet: found
    // set after a crash, it means the call may or may not have happened (invariant 2).
    std::optional<std::int64_t> inflight_seq;
    std::int64_t next_seq = 1;  // next step row number
    std::string message_id;     // the engine message id of the current node's action
    std::string contact_key;    // "email:a@b.test" (or phone:, linkedin:), "" when unknown
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

// One line of a run's timeline: a step attempt and what came of it.
struct StepRecord {
    std::string run_id;
    std::int64_t seq = 0;
    std::string step_id;
    std::string kind;    // action name ("sendgrid.send") or built-in kind ("wait", "if", ...)
    std::string status;  // started, succeeded, failed, retry, rate_limited, skipped, done,
                         // in_doubt, reconciled, resolved, abandoned
    int attempt = 1;
    std::int64_t started_at = 0;
    std::optional<std::int64_t> finished_at;
    std::string message_id;
    std::string detail;  // the reason, in words: "condition false: skipped", "429: retry at ..."
    json output;         // null when none
};

struct NewRun {
    std::string contact_key;
    std::string id;
    std::int64_t workflow_version_id = 0;
    std::string workflow_name;
    std::string idempotency_key;
    json context;
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
    std::vector<StepRecord> insert_steps;
    std::vector<StepRecord> update_steps;  // matched by (run_id, seq)
    std::vector<Run> update_runs;          // full state; releases the lease
    // Progress of a run the worker keeps (lease kept, status and due_at untouched): node,
    // attempt, context, inflight_seq, next_seq, message_id.
    std::vector<Run> checkpoint_runs;
    std::vector<Send> insert_sends;
    std::vector<std::pair<std::string, std::int64_t>> delete_sends;  // (run_id, seq)
    bool empty() const {
        return insert_steps.empty() && update_steps.empty() && update_runs.empty() &&
               checkpoint_runs.empty() && insert_sends.empty() && delete_sends.empty();
    }
};

struct RunFilter {
    std::optional<RunStatus> status;
    std::string workflow;
    int limit = 100;
};

struct SandboxEntry {
    std::int64_t id = 0;
    std::string plugin;
    std::string box;
    std::int64_t recorded_at = 0;
    json entry;
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
    json data = json::object();
};

struct Suppression {
    std::string kind;   // email, domain, phone, linkedin
    std::string value;  // normalised
    std::string source; // unsubscribe, bounce, operator, import
    bool locked = false;  // came from the person: an operator cannot remove it
    std::string reason;
    std::int64_t created_at = 0;
};

struct RunCounts {
    std::int64_t total = 0;
    std::int64_t by_status[6] = {};  // indexed by RunStatus
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
    // already is not created: the result holds false at its position.
    virtual std::vector<bool> create_runs(const std::vector<NewRun>& runs, std::int64_t now) = 0;

    // Claims up to `limit` runs due at `now` (ready or waiting, due_at <= now, not leased) for
    // `owner` until `lease_until`, oldest due first.
    virtual std::vector<Run> claim_due(const std::string& owner, std::int64_t now, int limit,
                                       std::int64_t lease_until) = 0;
    // Earliest due_at among ready/waiting runs, or nullopt when nothing is scheduled.
    virtual std::optional<std::int64_t> next_due() = 0;
    // Frees every lease (a worker that knows it is the only one alive calls this at start).
    virtual void release_all_leases() = 0;

    // Commits one batch atomically.
    virtual void commit(const Batch& batch) = 0;

    virtual std::optional<Run> get_run(const std::string& id) = 0;
    virtual std::vector<Run> list_runs(const RunFilter& filter) = 0;
    virtual std::vector<StepRecord> list_steps(const std::string& run_id) = 0;
    virtual RunCounts count_runs() = 0;

    // --- contacts: events and suppressions ---

    // Records an event; false (and nothing written) when its event_id was recorded before.
    virtual bool record_event(const Event& event) = 0;
    // Events of the given contacts that occurred at or after `since`, oldest first.
    virtual std::vector<Event> events_for(const std::vector<std::string>& contact_keys,
                                          std::int64_t since) = 0;
    // Runs of a contact that are not finished (ready, waiting, paused).
    virtual std::vector<Run> active_runs_for(const std::string& contact_key) = 0;
    // Whether a run with this idempotency key exists in this workflow.
    virtual bool has_run(const std::string& workflow_name, const std::string& idempotency_key) = 0;
    // When the contact's latest run (any workflow, any status) was created; nullopt if none.
    virtual std::optional<std::int64_t> last_enrolled(const std::string& contact_key) = 0;
    // Ends a run that no worker holds (no live lease at `now`) with status exited, appending a
    // timeline line; false when the run is leased or already finished (the worker's own check
    // before each call then stops it).
    virtual bool exit_idle_run(const std::string& run_id, const std::string& reason,
                               const StepRecord& note, std::int64_t now) = 0;

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

    // Sends of `sender` at or after `since`, oldest first.
    virtual std::vector<Send> sends_of(const std::string& sender, std::int64_t since) = 0;
    // The sender of the contact's first message on `channel`, if any.
    virtual std::optional<std::string> first_sender(const std::string& contact_key,
                                                    const std::string& channel) = 0;
    // When the account first sent (its ramp-up day 0), if it ever did.
    virtual std::optional<std::int64_t> sender_first_use(const std::string& sender) = 0;

    virtual void record_sandbox(const std::string& plugin, const std::string& box,
                                const json& entry, std::int64_t now) = 0;
    // Entries of `box` recorded after entry id `after_id`, oldest first, at most `limit`.
    virtual std::vector<SandboxEntry> sandbox_since(const std::string& box, std::int64_t after_id,
                                                    int limit) = 0;
    // The newest `limit` entries, oldest first; empty plugin or box means any.
    virtual std::vector<SandboxEntry> list_sandbox(const std::string& plugin,
                                                   const std::string& box, int limit) = 0;
};

// Opens (and creates or migrates) a SQLite store. path ":memory:" for a private in-memory one.
std::unique_ptr<Store> open_sqlite(const std::string& path);

}  // namespace relance::store
