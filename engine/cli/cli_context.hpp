// What every `relance` verb shares: global options, opening the store and the plugin host,
// exit codes and output helpers.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>
#include <optional>
#include <relance/app/error.hpp>
#include <relance/app/worker.hpp>
#include <relance/app/workspace.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/model/config.hpp>
#include <relance/model/workflow.hpp>
#include <relance/runtime/records.hpp>
#include <relance/store/store.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace relance::cli {

// Stable exit codes: the one table, documented in docs/cli.md ("Exit codes").
enum Exit : int {
    kOk = 0,
    kFailure = 1,   // the command could not do its job: a file it cannot open, the store, plugins
    kInvalid = 2,   // what the user gave is wrong: a file, a record, a contact that does not parse
                    // or validate (workflow, config, scenario, records, suppression list)
    kNotFound = 3,  // no such run, plugin...
    kBusy = 4,      // another worker holds the database
    kConflict = 5,  // it exists, but its state does not allow this: cancel a finished run, retry
                    // one that did not fail, lift a suppression the person asked for
    kUsage = 64,    // the command line itself: unknown verb or option, a missing or malformed
                    // option value (CLI11 parse errors and the validators below)
};

struct GlobalOptions {
    std::string db = "relance.db";
    std::string store;   // a store URL (sqlite:PATH); "" = the SQLite file --db names
    std::string config;  // workspace config file (sender accounts); "" = none
    std::vector<std::string> plugin_path;
    bool live = false;
    bool json = false;
    std::string log_level = "warn";
    std::vector<std::string> plugin_config;   // plugin=JSON
    std::vector<std::string> sandbox_config;  // plugin=JSON
    std::string master_key_file;              // "" = RELANCE_MASTER_KEY, else <db>.key
};

GlobalOptions& global_options();
void add_global_options(CLI::App& app);
// Lists the global options at the foot of every verb's --help (they go before or after the
// verb). Call once every verb is registered.
void list_global_options_in_verb_help(CLI::App& app);

// Validators of option values, so that a malformed value is a usage error (64) caught while
// parsing, before the verb opens anything.
CLI::Validator json_object_value();  // a JSON object
CLI::Validator iso_time_value();     // 2026-01-05T09:00:00Z (see runtime::parse_iso)
// "a, b,,c" -> {a, b, c}: a comma-separated option value (scopes, event types).
std::vector<std::string> split_commas(const std::string& text);
void apply_logging();

// The workspace the global options describe (store URL, config, plugins, secrets from the
// environment), on the system clock: every verb's operations go through it (app/workspace.hpp).
app::Workspace& workspace();
// Its options, for a verb that opens its own parts (a simulation on a private store).
app::WorkspaceOptions workspace_options();
// The exit code of an application error: the one mapping, from relance/app/error.hpp's kinds
// to the table above.
int exit_code_for(app::ErrorKind kind);

std::unique_ptr<store::Store> open_store();
std::unique_ptr<store::Store> open_store(const std::string& path,
                                         const store::SqliteOptions& options = {});

// Loads plugins (phase 1). Refusals are printed to stderr as warnings: the command goes on.
std::unique_ptr<host::PluginHost> load_host(const Clock& clock, store::Store* recorder,
                                            bool quiet_failures = false);

// The workspace config named by --config (or RELANCE_CONFIG): nullptr when none is named.
// Loaded once per process. Throws app::Error (invalid, with the diagnostics as details) when the
// file is unreadable or invalid.
std::shared_ptr<const model::Config> workspace_config();

// Loads and validates a workflow file against the loaded plugins and the workspace config,
// printing every diagnostic (file:line:col) to stderr; std::nullopt when it has errors.
std::optional<model::Workflow> load_valid_workflow(const std::string& file,
                                                   const host::PluginHost& host);

// The input options of the verbs that read records (run, simulate): --encoding, --delimiter.
struct InputArgs {
    std::string input;
    std::string encoding;   // "" = detect
    std::string delimiter;  // "" = detect
};
void add_input_options(CLI::App* cmd, InputArgs& args);

// Opens the input records named by --input with the input options; on a bad option or an input
// that cannot be opened prints the error and returns nullptr.
std::unique_ptr<runtime::RecordReader> read_records_or_report(const InputArgs& args);

// Starts sandbox emulators and plugin instances; prints plugins refused at this stage.
void activate_host(host::PluginHost& host);
// Prints the plugins the workspace refused, loading or starting them, as warnings on stderr:
// the command goes on without them.
void report_plugin_failures(app::Workspace& ws);
// The worker's summary line: steps, actions, runs finished, runs waiting and paused; one JSON
// object when `json`.
void print_worker_report(std::ostream& out, const app::WorkerReport& report, bool json);

// Runs `body`, turning exceptions into a message on stderr and kFailure.
int guarded(const std::function<int()>& body);

// Registration of each verb (one file each).
void register_validate(CLI::App& app);
void register_run(CLI::App& app);
void register_worker(CLI::App& app);
void register_runs(CLI::App& app);
void register_plugins(CLI::App& app);
void register_sandbox(CLI::App& app);
void register_simulate(CLI::App& app);
void register_bench(CLI::App& app);
void register_event(CLI::App& app);
void register_suppress(CLI::App& app);
void register_contacts(CLI::App& app);
void register_stats(CLI::App& app);
void register_senders(CLI::App& app);
void register_plugin_host(CLI::App& app);
void register_keys(CLI::App& app);
void register_secrets(CLI::App& app);
void register_workflows(CLI::App& app);
void register_serve(CLI::App& app);
void register_subscriptions(CLI::App& app);  // and `events` (the feed)

// Sets the exit code a verb's callback produced (CLI11 callbacks return void).
void set_exit(int code);
int exit_code();

}  // namespace relance::cli
