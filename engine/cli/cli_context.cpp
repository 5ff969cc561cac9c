#include "cli_context.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/model/validate.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::cli {

namespace {
int g_exit = kOk;

// The form of --plugin-config and --sandbox-config: PLUGIN=JSON object; "" when it has it.
std::string plugin_json_problem(const std::string& item) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return "expected PLUGIN=JSON, got '" + item + "'";
    auto value = nlohmann::json::parse(item.substr(eq + 1), nullptr, false);
    if (value.is_discarded() || !value.is_object())
        return item.substr(0, eq) + ": the value is not a JSON object";
    return "";
}

std::map<std::string, JsonValue> parse_plugin_json(const std::vector<std::string>& items,
                                                   const char* flag) {
    std::map<std::string, JsonValue> out;
    for (const auto& item : items) {
        // The option's validator checked the form while the command line was parsed.
        if (auto problem = plugin_json_problem(item); !problem.empty())
            throw std::runtime_error(std::string(flag) + " " + problem);
        auto eq = item.find('=');
        out[item.substr(0, eq)]->merge_patch(nlohmann::json::parse(item.substr(eq + 1)));
    }
    return out;
}

}  // namespace

GlobalOptions& global_options() {
    static GlobalOptions options;
    return options;
}

void set_exit(int code) {
    g_exit = code;
}
int exit_code() {
    return g_exit;
}

void add_global_options(CLI::App& app) {
    auto& o = global_options();
    if (const char* db = std::getenv("RELANCE_DB")) o.db = db;
    if (const char* store = std::getenv("RELANCE_STORE")) o.store = store;
    if (const char* config = std::getenv("RELANCE_CONFIG")) o.config = config;
    if (const char* key = std::getenv("RELANCE_MASTER_KEY_FILE")) o.master_key_file = key;
    app.add_option("--db", o.db, "SQLite database file (env RELANCE_DB)")->capture_default_str();
    app.add_option("--store", o.store,
                   "store URL, e.g. sqlite:relance.db; wins over --db (env RELANCE_STORE)");
    app.add_option("--config", o.config,
                   "workspace config file: sender accounts, their limits and pools "
                   "(env RELANCE_CONFIG)")
        ->check(CLI::ExistingFile);
    app.add_option("--plugin-path", o.plugin_path,
                   "plugin directory or file; repeatable (env RELANCE_PLUGIN_PATH)");
    app.add_option("--master-key-file", o.master_key_file,
                   "the key that seals stored secrets (env RELANCE_MASTER_KEY_FILE; else "
                   "RELANCE_MASTER_KEY, else <database>.key, created on first use)");
    app.add_flag("--live", o.live,
                 "talk to the real providers; without it every plugin talks to its sandbox "
                 "emulator on 127.0.0.1");
    app.add_flag("--json", o.json, "print machine-readable JSON");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    const CLI::Validator plugin_json([](std::string& v) { return plugin_json_problem(v); },
                                     "PLUGIN=JSON");
    app.add_option("--plugin-config", o.plugin_config,
                   "PLUGIN=JSON merged into a plugin's configuration; repeatable")
        ->check(plugin_json);
    app.add_option("--sandbox-config", o.sandbox_config,
                   "PLUGIN=JSON configuration of a sandbox emulator (failure injection, "
                   "latency); repeatable")
        ->check(plugin_json);
}

namespace {
void set_footer_of_verbs(CLI::App& app, const std::string& footer) {
    for (CLI::App* verb : app.get_subcommands({})) {
        verb->footer(footer);
        set_footer_of_verbs(*verb, footer);
    }
}
}  // namespace

void list_global_options_in_verb_help(CLI::App& app) {
    // CLI11 shows only a subcommand's own options; the global ones are the parent's, so they
    // are listed in each verb's footer, formatted like the options above them.
    std::string text = "Global options (before or after the verb):\n";
    const CLI::Formatter formatter;  // the default one, as every verb uses
    for (const CLI::Option* option : app.get_options()) {
        const std::string& name = option->get_name();
        if (name == "--help" || name == "--version") continue;
        text += formatter.make_option(option, false);
    }
    text +=
        "\nExit codes: 0 ok, 1 failure, 2 invalid input, 3 not found, 4 busy, 5 conflict, 64 usage "
        "(docs/cli.md).";
    set_footer_of_verbs(app, text);
}

CLI::Validator json_object_value() {
    return CLI::Validator(
        [](std::string& v) {
            auto value = nlohmann::json::parse(v, nullptr, false);
            return value.is_discarded() || !value.is_object()
                       ? std::string("expected a JSON object, e.g. {\"soft\":true}")
                       : std::string();
        },
        "JSON");
}

CLI::Validator iso_time_value() {
    return CLI::Validator(
        [](std::string& v) {
            try {
                runtime::parse_iso(v);
                return std::string();
            } catch (const std::exception& e) {
                return std::string(e.what());
            }
        },
        "TIME");
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string part = text.substr(start, end - start);
        while (!part.empty() && part.front() == ' ') part.erase(part.begin());
        while (!part.empty() && part.back() == ' ') part.pop_back();
        if (!part.empty()) out.push_back(part);
        start = end + 1;
    }
    return out;
}

void apply_logging() {
    // stdout is data (--json must parse): logs go to stderr. spdlog's default logger writes to
    // stdout, so it is replaced before anything logs.
    spdlog::set_default_logger(spdlog::stderr_color_mt("relance"));
    spdlog::set_level(spdlog::level::from_str(global_options().log_level));
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
}

app::WorkspaceOptions workspace_options() {
    const auto& o = global_options();
    app::WorkspaceOptions w;
    w.store = o.store.empty() ? o.db : o.store;
    w.config_file = o.config;
    w.plugins.path = o.plugin_path;
    w.plugins.live = o.live;
    w.plugins.plugin_config = parse_plugin_json(o.plugin_config, "--plugin-config");
    w.plugins.sandbox_config = parse_plugin_json(o.sandbox_config, "--sandbox-config");
    w.plugins.secrets = app::environment_secrets();
    w.master_key_file = o.master_key_file;
    return w;
}

app::Workspace& workspace() {
    static SystemClock clock;
    static std::unique_ptr<app::Workspace> opened;
    if (!opened) opened = std::make_unique<app::Workspace>(workspace_options(), clock);
    return *opened;
}

int exit_code_for(app::ErrorKind kind) {
    switch (kind) {
        case app::ErrorKind::invalid:
        case app::ErrorKind::unsupported_media:
            return kInvalid;
        case app::ErrorKind::not_found:
            return kNotFound;
        case app::ErrorKind::conflict:
            return kConflict;
        case app::ErrorKind::busy:
            return kBusy;
        // The API's own kinds: a command that meets them could not do its job.
        case app::ErrorKind::unauthorized:
        case app::ErrorKind::forbidden:
        case app::ErrorKind::rate_limited:
        case app::ErrorKind::unsupported:
        case app::ErrorKind::failure:
            return kFailure;
    }
    return kFailure;
}

std::unique_ptr<store::Store> open_store() {
    return app::open_store(app::parse_store_url(workspace_options().store));
}
std::unique_ptr<store::Store> open_store(const std::string& path,
                                         const store::SqliteOptions& options) {
    return app::open_store(app::parse_store_url(path), options);
}

std::unique_ptr<host::PluginHost> load_host(const Clock& clock, store::Store* recorder,
                                            bool quiet_failures) {
    auto config = workspace_config();
    auto host = app::load_plugins(workspace_options().plugins, clock, recorder, config.get());
    if (!quiet_failures)
        for (const auto& f : host->failures())
            std::cerr << "warning: plugin refused: " << f.str() << "\n";
    return host;
}

std::shared_ptr<const model::Config> workspace_config() {
    return workspace().config();
}

std::optional<model::Workflow> load_valid_workflow(const std::string& file,
                                                   const host::PluginHost& host) {
    model::Workflow wf;
    try {
        wf = model::load_workflow_file(file);
    } catch (const model::LoadError& e) {
        for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
        return std::nullopt;
    }
    bool errors = false;
    auto config = workspace_config();
    for (const auto& d : model::validate(wf, model::compile(wf), host, config.get())) {
        std::cerr << d.str() << "\n";
        errors |= d.severity == model::Diagnostic::Severity::error;
    }
    if (errors) {
        std::cerr << "error: " << file << " does not validate; nothing was started\n";
        return std::nullopt;
    }
    return wf;
}

namespace {
std::optional<char> parse_delimiter(const std::string& d) {
    if (d == "tab" || d == "\\t" || d == "\t") return '\t';
    if (d == "comma") return ',';
    if (d == "semicolon") return ';';
    if (d.size() == 1 && d[0] != '"' && d[0] != '\n' && d[0] != '\r') return d[0];
    return std::nullopt;
}
}  // namespace

void add_input_options(CLI::App* cmd, InputArgs& args) {
    cmd->add_option("-i,--input", args.input,
                    "records: .csv (, ; or tab), .json, .jsonl, or - for stdin")
        ->required()
        // A file that is not there is a mistake on the command line (64), as for the workflow.
        ->check(CLI::Validator(
            [](std::string& v) { return v == "-" ? std::string() : CLI::ExistingFile(v); },
            "FILE"));
    cmd->add_option("--encoding", args.encoding,
                    "text encoding of the input: utf-8, utf-16 (also utf-16le, utf-16be), cp1252 "
                    "or latin1 (default: a byte-order mark decides, else UTF-8)")
        ->check(CLI::Validator(
            [](std::string& v) {
                return runtime::parse_encoding(v)
                           ? std::string()
                           : "expected utf-8, utf-16, utf-16le, utf-16be, cp1252 or latin1";
            },
            "ENCODING"));
    cmd->add_option("--delimiter", args.delimiter,
                    "CSV field delimiter: one character, or comma, semicolon, tab (default: the "
                    "most frequent of , ; tab in the header line)")
        ->check(CLI::Validator(
            [](std::string& v) {
                return parse_delimiter(v) ? std::string()
                                          : "expected one character (not a quote), or comma, "
                                            "semicolon, tab";
            },
            "CHAR"));
}

std::unique_ptr<runtime::RecordReader> read_records_or_report(const InputArgs& args) {
    runtime::ReadOptions options;
    if (!args.encoding.empty()) options.encoding = *runtime::parse_encoding(args.encoding);
    if (!args.delimiter.empty()) options.delimiter = *parse_delimiter(args.delimiter);
    try {
        return runtime::open_records(args.input, options);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return nullptr;
    }
}

void activate_host(host::PluginHost& host) {
    std::size_t reported = host.failures().size();  // load_host printed these already
    host.activate();
    for (std::size_t i = reported; i < host.failures().size(); ++i)
        std::cerr << "warning: plugin refused: " << host.failures()[i].str() << "\n";
}

void report_plugin_failures(app::Workspace& ws) {
    for (const auto& f : ws.plugins().failures())
        std::cerr << "warning: plugin refused: " << f.str() << "\n";
}

void print_worker_report(std::ostream& out, const app::WorkerReport& r, bool json) {
    if (json) {
        out << nlohmann::json{{"steps", r.steps},
                              {"actions", r.actions},
                              {"runs_finished", r.runs_finished},
                              {"runs_waiting", r.runs_waiting},
                              {"runs_paused", r.runs_paused}}
                   .dump()
            << "\n";
    } else {
        out << "worker: " << r.steps << " step(s), " << r.actions << " action call(s), "
            << r.runs_finished << " run(s) finished; " << r.runs_waiting << " waiting, "
            << r.runs_paused << " paused\n";
    }
}

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const app::Error& e) {
        for (const auto& line : e.details()) std::cerr << line << "\n";
        std::cerr << "error: " << e.what() << "\n";
        return exit_code_for(e.kind());
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kFailure;
    }
}

}  // namespace relance::cli
