// The application layer: one workspace (its store, plugins, config and secret source) and every
// operation relance offers on it. The command line and the HTTP API are front ends over this
// class: they parse what they are given, call one operation, and print or serialise its result.
// Failures are app::Error (relance/app/error.hpp), mapped to exit codes by the command line and
// to problem responses by the API. Nothing here knows either of them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <relance/app/secret_seal.hpp>
#include <relance/app/store_url.hpp>
#include <relance/app/subscriptions.hpp>
#include <relance/app/tracking.hpp>
#include <relance/app/workflows.hpp>
#include <relance/base/clock.hpp>
#include <relance/base/json_value.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/stats.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::host {
class PluginHost;
}
namespace relance::runtime {
class RecordReader;
}
namespace relance::model {
struct Config;
struct Workflow;
}  // namespace relance::model

namespace relance::app {

struct InboundRequest;  // relance/app/inbound.hpp
struct InboundResult;

// A secret a plugin asks for in live mode: (plugin, name) -> value, or none.
using SecretSource =
    std::function<std::optional<std::string>(const std::string& plugin, const std::string& name)>;

// The secret source of a process: RELANCE_SECRET_<PLUGIN>_<NAME> environment variables
// (upper case, every other character '_').
SecretSource environment_secrets();

struct PluginOptions {
    std::vector<std::string> path;  // directories or files; empty = the default plugin path
    bool live = false;              // real providers; else each plugin's sandbox emulator
    std::map<std::string, JsonValue> plugin_config;   // merged into each plugin's config
    std::map<std::string, JsonValue> sandbox_config;  // each emulator's config
    SecretSource secrets;                             // none = no secrets
};

// Loads the plugins (phase 1: loaded and checked, not activated) with the workspace config's
// `plugins:` settings. When `recorder` is given, what the sandbox emulators accept is recorded
// in it and handed back to them at their next start.
std::unique_ptr<host::PluginHost> load_plugins(const PluginOptions& options, const Clock& clock,
                                               store::Store* recorder, const model::Config* config);

// Loads a workspace config file. Throws app::Error (invalid, field "config", one detail per
// diagnostic naming file:line:col) when it does not load or validate.
std::shared_ptr<const model::Config> load_config(const std::string& file);

struct WorkspaceOptions {
    std::string store = "sqlite:relance.db";  // a store URL (relance/app/store_url.hpp)
    store::SqliteOptions sqlite;
    std::string config_file;  // "" = no workspace config
    PluginOptions plugins;
    // The master key that seals stored secrets (relance/app/secret_seal.hpp): a file; "" = the
    // environment's RELANCE_MASTER_KEY, else `<database>.key` beside the SQLite file.
    std::string master_key_file;
};

// A stored secret as listed: never its value.
struct SecretEntry {
    std::string scope;  // a plugin's name, or "hook" for webhook triggers
    std::string name;
    std::int64_t updated_at = 0;
};

// A run and the id of the step it is at ("-" when finished or its version no longer loads).
struct RunSummary {
    store::Run run;
    std::string step;
};

// A run, where it is, its context with every step's output, and its timeline.
struct RunDetail {
    store::Run run;
    std::string step;
    std::vector<store::StepRecord> timeline;
};

struct RunQuery {
    std::string status;    // "" = any; else ready, waiting, paused, completed, exited, failed
    std::string workflow;  // "" = any
    int limit = 100;
    // The next page: only runs after this (created_at, row) of the previous page's last run.
    std::optional<std::pair<std::int64_t, std::int64_t>> after;
};

// What cancel or retry did.
struct RunChange {
    std::string run_id;
    std::string status;     // the run's status after the change
    bool was_held = false;  // cancel: a worker held the run (a call already out is not recorded)
};

struct EventInput {
    std::string contact;  // an email, a phone, a LinkedIn URL or a contact key
    std::string type;     // delivered, opened, clicked, replied, bounced, unsubscribed, or custom
    std::string id;       // the provider's event id; derived from the content when empty
    std::int64_t at = 0;  // when it happened (unix ms); 0 = now
    JsonValue data;       // kept with the event ({"soft": true} for a soft bounce)
    std::string message;  // the engine message id it is about, when known
};

// An API key as listed: never its token (only a hash of it is stored).
struct ApiKey {
    std::string id;      // "k_" + 12 hex characters
    std::string name;    // "zapier"
    std::string prefix;  // the token's first characters, to recognise it: "rl_3f9a1c2b"
    std::vector<std::string> scopes;
    int rate_per_minute = 600;  // requests per minute before 429
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
};

// The scopes a key may hold; "admin" holds them all.
const std::vector<std::string>& api_scopes();

struct NewApiKey {
    ApiKey key;
    std::string token;  // shown once: "rl_<prefix>_<secret>"
};

class Workspace {
  public:
    Workspace(WorkspaceOptions options, const Clock& clock);
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    const WorkspaceOptions& options() const { return options_; }
    const Clock& clock() const { return clock_; }

    // Each part is opened on first use, so that a command opens only what it needs. Throws
    // app::Error when it cannot be opened. Thread-safe: the server's request threads share one
    // workspace (the store serialises its own statements).
    store::Store& store();
    // Another connection to the workspace's store, with these options: for work that must not
    // wait behind the shared one (the worker's commits; an import's one pass, with a small
    // cache). nullptr for a private database (sqlite::memory:), whose only connection is
    // store(). Throws as store() does.
    std::unique_ptr<store::Store> open_connection(const store::SqliteOptions& options);
    host::PluginHost& plugins();  // loaded (phase 1), sandbox recorded in the store
    // The same, activated on first use (instances created; in sandbox mode the emulators
    // serve): what calls into plugins need, such as provider callbacks.
    host::PluginHost& active_plugins();
    std::shared_ptr<const model::Config> config();  // nullptr when the workspace has none

    // --- workflows (relance/app/workflows.hpp) -------------------------------------------------
    // Loads and validates a workflow's text (against the plugins and the config). Never throws
    // for what the text holds: the problems come back with their file:line:col.
    WorkflowCheck validate_workflow(const std::string& text, const std::string& file);
    // The same, read from a file (a file that cannot be read, or is too large, is a problem of
    // the check, naming the file).
    WorkflowCheck validate_workflow_file(const std::string& file);
    // Validates, stores and deploys: new runs of the workflow take this version, and its
    // triggers answer. invalid (field "workflow", each diagnostic a detail) when it does not
    // validate; conflict (field "triggers") when a hook name belongs to another deployed
    // workflow.
    DeployedWorkflow deploy_workflow(const std::string& text, const std::string& file);
    std::vector<DeployedWorkflow> workflows();               // deployed, by name
    DeployedWorkflow get_workflow(const std::string& name);  // not_found
    // Starts one run of the deployed workflow with this record. The same idempotency key
    // ("" = the record's "id", else a hash of it) gives the same run. The run is committed to
    // the disk before this returns. not_found (field "workflow"); invalid naming the input
    // ("inputs.email").
    StartedRun start_run(const std::string& workflow, const JsonValue& record,
                         const std::string& idempotency_key);
    // `relance run`: starts one run per record on the workflow file `file`, loaded and
    // validated as validate_workflow_file does (nothing starts when it has an error: the check
    // says why). Idempotent per record (its idempotency key); the observer hears of each record.
    // Through a connection of its own with a small page cache: one pass over a large input.
    struct BulkStart {
        WorkflowCheck check;
        runtime::StartCounts counts;
    };
    BulkStart start_runs_from_file(const std::string& file, runtime::RecordReader& records,
                                   runtime::StartObserver& observer);
    // A webhook trigger: verifies the request with the hook's scheme, maps it to the workflow's
    // inputs, and starts the run as start_run does. not_found (field "name"): no deployed
    // workflow has this hook; unauthorized: the signature does not verify (the reason names
    // the header); invalid naming the field; unsupported_media: a body neither JSON nor form.
    StartedRun receive_hook(const HookRequest& request);
    // Fires the cron triggers of the deployed workflows whose slot has come (the worker calls it
    // about once a second). Each slot fires once, across restarts and processes: its run is keyed
    // by the slot, and the slot handled is stored. A trigger seen for the first time fires from
    // the next slot on. Slots missed while nothing ran are skipped (`missed: skip`, the default)
    // or fired once, as the latest of them (`missed: run_once`); a slot is "missed" when it is
    // more than kCronGrace old.
    CronPass fire_crons();

    // --- runs ---------------------------------------------------------------------------------
    // Calls `each` for the runs the query selects, oldest first (in creation order), as they are
    // read (memory does not grow with the limit); `each` returns false to stop. invalid: an unknown
    // status.
    void list_runs(const RunQuery& query, const std::function<bool(const RunSummary&)>& each);
    RunDetail get_run(const std::string& id);  // not_found
    // Settles a run paused on an in-doubt step. not_found; conflict when it is not paused in
    // doubt.
    void resolve_run(const std::string& id, runtime::Resolution how);
    // Ends a run that is not finished (ready, waiting or paused), held by a worker or not: it
    // becomes exited with `reason`, and the holding worker sends nothing more for it.
    // not_found; conflict when it is finished already.
    RunChange cancel_run(const std::string& id, const std::string& reason);
    // Runs a failed run again from the step it failed on. not_found; conflict when it is not
    // failed.
    RunChange retry_run(const std::string& id);

    // --- contacts -----------------------------------------------------------------------------
    // Records an event once (by id): stop rules, wait_for, and the suppression an unsubscribe or
    // a hard bounce causes, in one transaction with the event. invalid (field "contact" or
    // "type").
    runtime::EventOutcome add_event(const EventInput& event);

    // --- provider callbacks (relance/app/inbound.hpp) ------------------------------------------
    // A provider's callback (POST /v1/inbound/{plugin}/{account}) given to the plugin's inbound
    // role; the events it returns are recorded as add_event does.
    InboundResult receive_inbound(const InboundRequest& request);

    // --- suppression --------------------------------------------------------------------------
    // Adds an entry (an email, "@domain" or a domain, a phone, a LinkedIn URL). invalid (field
    // "entry") when it is none of these.
    store::Suppression suppress(const std::string& entry, const std::string& source,
                                const std::string& reason);
    // Removes an entry as an operator. invalid: not an entry; not_found: not listed; conflict:
    // the person's own (an unsubscribe), which no operator may lift.
    void unsuppress(const std::string& entry);
    std::vector<store::Suppression> suppressions();

    // --- API keys -----------------------------------------------------------------------------
    // invalid (field "name" or "scopes": an unknown scope) .
    NewApiKey create_key(const std::string& name, const std::vector<std::string>& scopes,
                         int rate_per_minute = 600);
    std::vector<ApiKey> list_keys();
    // By id or by the token's prefix. not_found; conflict when revoked already.
    ApiKey revoke_key(const std::string& id_or_prefix);
    // The key a bearer token belongs to, if it may do `scope` now. unauthorized: missing,
    // unknown or revoked token; forbidden: the key lacks the scope; rate_limited: over the
    // key's requests per minute (Error::retry_after). Thread-safe; compares in constant time.
    ApiKey authenticate(const std::string& token, const std::string& scope);

    // --- reports ------------------------------------------------------------------------------
    // Per step and variant: sent, failed, and the events that followed.
    std::vector<runtime::StepStats> stats(const std::string& workflow);

    // --- metrics ------------------------------------------------------------------------------
    // What the store says now, for /metrics: runs by workflow and status (one pass over the
    // runs: the caller bounds how often), and the queue (due, oldest unclaimed, in doubt).
    struct StoreFigures {
        std::vector<store::Store::RunTally> runs;
        store::Store::QueueFigures queue;
        store::Store::OutboxFigures outbox;  // undelivered webhook deliveries
        std::int64_t now = 0;  // when they were read, unix ms on the workspace's clock
    };
    StoreFigures store_figures();

    // --- outbound webhooks (relance/app/subscriptions.hpp) --------------------------------------
    // A subscription: the events of these types (webhook_event_types()) are POSTed to
    // target_url, signed with the secret returned here once. invalid: field "target_url" (not
    // an http(s) URL), "events" (empty, or an unknown type).
    NewSubscription create_subscription(const std::string& target_url,
                                        const std::vector<std::string>& events);
    // By creation, after the subscription keyed `after` (subscription_key; "" = from the
    // first). invalid (field "cursor"): a key this workspace did not give.
    SubscriptionPage list_subscriptions(const std::string& after, int limit);
    SubscriptionInfo get_subscription(const std::string& id);  // not_found (field "id")
    // Deletes it and its pending deliveries. not_found (field "id").
    void delete_subscription(const std::string& id);
    // The events feed, oldest first after a seq (or newest first). invalid (field "type").
    FeedPage events_feed(const FeedRequest& request);
    // One pass of the outbox: the new events fanned out to the subscriptions that want them,
    // then the deliveries due sent (bounded timeouts; one failing attempt per subscription per
    // pass), each outcome recorded: 2xx delivered, 410 disables the subscription, anything else
    // retried with exponential backoff and jitter until attempts or age run out. The worker
    // calls it about once a second.
    DeliveryPass deliver_webhooks();

    // --- tracking and one-click unsubscribe (relance/app/tracking.hpp) --------------------------
    // The open pixel was fetched: records `opened` for the message's contact, once per message
    // (`opened_bot`, once per message, when tracking/bots.hpp judges it a machine's). not_found
    // (field "token"): the token does not verify or is not an open token.
    TrackOutcome track_open(const TrackingHit& hit);
    // A tracked link was followed: its signed destination, and `clicked` (or `clicked_bot`)
    // recorded once per link of the message. not_found (field "token") as track_open.
    TrackOutcome track_click(const TrackingHit& hit);
    // The confirmation page of an unsubscribe link (GET): checks the token, records nothing
    // (link scanners follow GETs). not_found (field "token").
    UnsubscribePage unsubscribe_page(const std::string& token);
    // RFC 8058 one-click unsubscribe: records `unsubscribed` for the message's contact, which
    // suppresses it (locked) in the same transaction; a second time changes nothing. not_found
    // (field "token"): a token that does not verify, or a message whose run is gone.
    runtime::EventOutcome unsubscribe_by_token(const std::string& token);

    // --- contacts: upsert, history, export, erase; senders -------------------------------------
    // The types are defined in relance/app/contacts.hpp.
    struct ContactInput;
    struct ContactUpsert;
    struct ContactHistory;
    struct ContactErasure;
    struct SuppressionPage;
    struct SuppressionImport;
    struct SenderReport;
    // Creates or updates a contact record (identities and attributes, merged as a JSON merge
    // patch). invalid (field "email", "phone", "linkedin" or "attributes"); conflict (the field
    // of an identity that belongs to another contact).
    ContactUpsert upsert_contact(const ContactInput& input);
    // A person by any identity (an email, a phone, a LinkedIn URL or a contact key): record,
    // suppression state, and history (the latest `limit` events, runs and sends; 0 = all, with
    // each run's timeline: the GDPR export). invalid (field "contact"); not_found (field
    // "contact") when relance holds nothing about them.
    ContactHistory contact(const std::string& contact, int limit);
    // Erases a person (GDPR): see store::Store::erase_contact; their identities stay on the
    // suppression list as hashes (contacts/hashed.hpp). invalid; not_found as contact() does.
    ContactErasure erase_contact(const std::string& contact);
    // The suppression list by (kind, value), after `after` ("kind:value", "" = from the start).
    // invalid (field "cursor") for an `after` that is no entry key.
    SuppressionPage suppressions_page(const std::string& after, int limit);
    // Adds each line (an entry, or a CSV line whose first column is one; a header line naming
    // the column and blank or # lines are skipped) with this source; reports the lines refused.
    SuppressionImport import_suppressions(const std::vector<std::string>& lines,
                                          const std::string& source, const std::string& reason);
    // Each sender account of the workspace config (none without one) and the paused accounts.
    SenderReport senders();
    // Lifts an account's pause (the provider refused it: 401/403) once it is fixed: its waiting
    // sends are due now. The number of runs woken. not_found (field "account"): not paused.
    std::size_t resume_account(const std::string& account);

    // --- secrets sealed at rest -----------------------------------------------------------------
    // The seal of this workspace's master key (opened, or the key file created, on first use).
    // failure / invalid when the key cannot be read.
    const SecretSeal& secret_seal();
    // Stores a secret sealed: a plugin's credential (scope = the plugin) or a webhook trigger's
    // ("hook"). invalid (field "scope", "name" or "value").
    SecretEntry set_secret(const std::string& scope, const std::string& name,
                           const std::string& value);
    std::vector<SecretEntry> list_secrets();
    // not_found when there is none.
    void delete_secret(const std::string& scope, const std::string& name);
    // A secret's value: the environment's RELANCE_SECRET_<SCOPE>_<NAME> first (an operator's
    // override), else the store's, opened. Values read from the store are kept for a second, so
    // a busy webhook route does not read and open the same secret at every request.
    std::optional<std::string> find_secret(const std::string& scope, const std::string& name);

    // The key that signs tracking links (docs/tracking.md): RELANCE_TRACKING_KEY, else the
    // store's, sealed under the master key (made on first use). Loaded once. failure when it
    // cannot be had (a malformed variable, another master key).
    const std::string& tracking_key();

  private:
    std::optional<std::string> tracking_key_;
    std::mutex tracking_m_;
    // outbound webhooks: the deliverer's HTTP client, kept for its pooled connections
    // (shared_ptr: its deleter is bound where it is made, so workspace.cpp need not know it)
    class WebhookSender;  // workspace_deliveries.cpp
    std::shared_ptr<WebhookSender> webhook_sender_;
    std::mutex webhook_m_;  // one delivery pass at a time

    struct SecretCache;  // secrets opened in the last second (workspace_secrets.cpp)
    std::mutex seal_m_;  // not open_m_: plugins ask for secrets while their host is opened
    std::unique_ptr<SecretSeal> seal_;
    std::unique_ptr<SecretCache> secret_cache_;
    std::optional<std::string> find_secret_in(store::Store& store, const std::string& scope,
                                              const std::string& name);

    struct KeyLimits;  // the per-key request counters (workspace_keys.cpp)
    class Deployed;    // the deployed workflows and their hooks (deployed.hpp)
    class RunIntake;   // starts the runs of concurrent requests in shared commits (run_intake.hpp)

    Deployed& deployed();
    RunIntake& intake();
    // Starts a run of a deployed version through the intake; the outcome, or app::Error.
    StartedRun start_deployed(std::shared_ptr<const model::Workflow> workflow,
                              std::int64_t version_id, JsonValue record, std::string key);
    // Loads and validates; the workflow when it has no error (else nullopt), the problems.
    std::optional<model::Workflow> check_workflow(const std::string& text, const std::string& file,
                                                  WorkflowCheck& check);

    WorkspaceOptions options_;
    const Clock& clock_;
    std::mutex open_m_;  // the parts open once, whichever thread asks first
    std::unique_ptr<KeyLimits> limits_;
    std::unique_ptr<Deployed> deployed_;
    std::unique_ptr<RunIntake> intake_;
    StoreUrl url_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<host::PluginHost> plugins_;
    bool plugins_active_ = false;
    std::shared_ptr<const model::Config> config_;
    bool config_loaded_ = false;
};

}  // namespace relance::app
