// relance simulate FILE --input leads.csv --days N
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/model/validate.hpp>
#include <relance/runtime/records.hpp>
#include <relance/runtime/simulate.hpp>
#include <relance/runtime/time_text.hpp>
#include <sstream>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct SimulateArgs {
    std::string file;
    InputArgs input;
    int days = 14;
    std::string start;
    int show = 1000;
    std::string scenario;
};

// "d3 09:00": day offset from the start and time of day (UTC).
std::string when(std::int64_t at, std::int64_t start) {
    std::int64_t day = (at - start) / (24 * 3600 * 1000);
    return "d" + std::to_string(day) + " " + runtime::format_short(at).substr(11, 5);
}

void print_text(const runtime::SimulationReport& r, int show) {
    std::cout << "simulated " << r.workflow << " v" << r.version << " over "
              << (r.end - r.start) / (24 * 3600 * 1000) << " days from "
              << runtime::format_short(r.start) << " UTC (virtual clock, sandbox)\n"
              << r.started.started.size() << " lead(s) started";
    if (!r.started.rejected.empty()) std::cout << ", " << r.started.rejected.size() << " rejected";
    if (!r.started.duplicates.empty())
        std::cout << ", " << r.started.duplicates.size() << " duplicate(s) skipped";
    if (!r.started.skipped.empty())
        std::cout << ", " << r.started.skipped.size() << " skipped by the enrollment policy";
    std::cout << "\n\n";
    for (const auto& k : r.started.skipped)
        std::cout << "skipped " << k.where << ": " << k.contact << ": " << k.reason << "\n";
    for (const auto& w : r.started.warnings)
        std::cout << w.where << ": warning: field " << w.field << ": " << w.message << "\n";
    for (const auto& rej : r.started.rejected)
        for (const auto& p : rej.problems)
            std::cout << "rejected " << rej.where << ": field " << p.field << ": " << p.message
                      << "\n";

    std::size_t width = 8;
    for (const auto& l : r.leads) width = std::max(width, l.lead.size() + 2);
    int shown = 0;
    for (const auto& l : r.leads) {
        if (shown++ >= show) {
            std::cout << "... " << (r.leads.size() - static_cast<std::size_t>(show))
                      << " more lead(s)\n";
            break;
        }
        std::ostringstream line;
        bool first = true;
        for (const auto& a : l.actions) {
            if (a.status != store::StepStatus::succeeded &&
                a.status != store::StepStatus::reconciled && a.status != store::StepStatus::failed)
                continue;
            line << (first ? "" : " · ") << when(a.at, r.start) << " " << a.step_id;
            if (a.status == store::StepStatus::failed) line << " (failed)";
            first = false;
        }
        if (first) line << "(nothing sent)";
        std::cout << std::left << std::setw(static_cast<int>(width)) << l.lead << line.str()
                  << "  -> " << store::to_string(l.status);
        if (l.finished_at) std::cout << " " << when(*l.finished_at, r.start);
        if (l.status == store::RunStatus::paused || l.status == store::RunStatus::failed ||
            l.reason.rfind("stopped", 0) == 0)
            std::cout << ": " << l.reason;
        std::cout << "\n";
    }

    std::cout << "\n"
              << std::left << std::setw(24) << "STEP" << std::setw(16) << "KIND" << std::right
              << std::setw(8) << "DONE" << std::setw(9) << "SKIPPED" << std::setw(8) << "FAILED"
              << std::setw(9) << "RETRIED"
              << "\n";
    for (const auto& s : r.steps)
        std::cout << std::left << std::setw(24) << s.step_id << std::setw(16) << s.kind
                  << std::right << std::setw(8) << s.succeeded << std::setw(9) << s.skipped
                  << std::setw(8) << s.failed << std::setw(9) << s.retried << "\n";
    std::cout << "\nruns: ";
    const char* names[] = {"ready", "waiting", "paused", "completed", "exited", "failed"};
    bool first = true;
    for (int i = 0; i < 6; ++i)
        if (r.counts.by_status[i]) {
            std::cout << (first ? "" : ", ") << r.counts.by_status[i] << " " << names[i];
            first = false;
        }
    std::cout << (first ? "none" : "") << "; " << r.stats.actions << " action call(s)\n";
    bool variants = false;
    for (const auto& v : r.variants) variants |= !v.variant.empty();
    if (variants) {
        std::cout << "\n"
                  << std::left << std::setw(24) << "STEP" << std::setw(12) << "VARIANT"
                  << std::right << std::setw(7) << "SENT"
                  << "  EVENTS\n";
        for (const auto& v : r.variants) {
            if (v.variant.empty()) continue;
            std::cout << std::left << std::setw(24) << v.step_id << std::setw(12) << v.variant
                      << std::right << std::setw(7) << v.sent << " ";
            for (const auto& [type, n] : v.events) std::cout << " " << type << " " << n;
            std::cout << "\n";
        }
    }
    if (!r.deferrals.empty()) {
        std::cout << "\ndeferrals:\n";
        for (const auto& [why, n] : r.deferrals) std::cout << "  " << n << "  " << why << "\n";
    }
    if (!r.events.empty()) {
        std::cout << "\nscenario events:";
        for (const auto& [type, n] : r.events) std::cout << " " << type << " " << n;
        std::cout << "\n";
    }
}

nlohmann::json to_json(const runtime::SimulationReport& r) {
    nlohmann::json leads = nlohmann::json::array();
    for (const auto& l : r.leads) {
        nlohmann::json actions = nlohmann::json::array();
        for (const auto& a : l.actions)
            actions.push_back({{"at", runtime::format_iso(a.at)},
                               {"step", a.step_id},
                               {"kind", a.kind},
                               {"status", store::to_string(a.status)},
                               {"detail", a.detail}});
        leads.push_back({{"lead", l.lead},
                         {"run", l.run_id},
                         {"status", store::to_string(l.status)},
                         {"reason", l.reason},
                         {"actions", actions}});
    }
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.steps)
        steps.push_back({{"step", s.step_id},
                         {"kind", s.kind},
                         {"done", s.succeeded},
                         {"skipped", s.skipped},
                         {"failed", s.failed},
                         {"retried", s.retried},
                         {"in_doubt", s.in_doubt}});
    return {{"workflow", r.workflow},
            {"version", r.version},
            {"start", runtime::format_iso(r.start)},
            {"end", runtime::format_iso(r.end)},
            {"started", r.started.started.size()},
            {"rejected", r.started.rejected.size()},
            {"leads", leads},
            {"steps", steps},
            {"actions", r.stats.actions},
            {"deferrals", r.deferrals},
            {"events", r.events}};
}

int simulate(const SimulateArgs& args) {
    std::int64_t start;
    if (args.start.empty()) {
        // Today at 09:00 UTC: a readable, business-hours start.
        std::int64_t now = to_unix_ms(SystemClock().now());
        start = now - now % (24 * 3600 * 1000) + 9 * 3600 * 1000;
    } else {
        start = runtime::parse_iso(args.start);
    }
    VirtualClock clock(from_unix_ms(start));
    auto store = open_store(":memory:");
    if (global_options().live) {
        std::cerr << "error: simulate always runs against the sandbox; drop --live\n";
        return kUsage;
    }
    auto host = load_host(clock, store.get());
    auto wf = load_valid_workflow(args.file, *host);
    if (!wf) return kInvalid;
    activate_host(*host);
    auto reader = read_records_or_report(args.input);
    if (!reader) return kFailure;  // cannot be opened
    // A simulation holds its runs in memory anyway: read every record first. Records that
    // cannot be read are reported like rejected ones, and make the exit code 2.
    runtime::Records records;
    std::size_t unreadable = 0;
    try {
        runtime::InputRecord r;
        while (reader->next(r)) {
            if (!r.problem.empty()) {
                std::cerr << "rejected " << r.where << ": " << r.problem << "\n";
                ++unreadable;
                continue;
            }
            records.records.push_back(std::move(*r.value));
            records.where.push_back(std::move(r.where));
        }
    } catch (const runtime::InputError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kInvalid;  // a malformed input file is invalid input (docs/cli.md, exit codes)
    }
    runtime::SimulationOptions options;
    options.days = args.days;
    options.executor.config = workspace_config();
    if (!args.scenario.empty()) {
        try {
            options.scenario = runtime::Scenario::load(args.scenario);
        } catch (const std::invalid_argument& e) {
            std::cerr << "error: scenario " << e.what() << "\n";
            return kInvalid;
        }
        auto unknown = options.scenario->unknown_types(wf->custom_events);
        for (const auto& m : unknown)
            std::cerr << "error: scenario " << args.scenario << ": " << m << "\n";
        if (!unknown.empty()) return kInvalid;
    }
    auto report =
        runtime::simulate(*store, *host, clock, *wf, records.records, records.where, options);
    if (global_options().json)
        std::cout << to_json(report).dump(2) << "\n";
    else
        print_text(report, args.show);
    return report.started.rejected.empty() && unreadable == 0 ? kOk : kInvalid;
}

}  // namespace

void register_simulate(CLI::App& app) {
    static SimulateArgs args;
    auto* cmd =
        app.add_subcommand("simulate",
                           "run a workflow over records on a virtual clock against the sandbox "
                           "emulators and print what would be sent when");
    cmd->add_option("file", args.file, "workflow file")->required()->check(CLI::ExistingFile);
    add_input_options(cmd, args.input);
    cmd->add_option("--days", args.days, "how long to simulate")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    cmd->add_option("--start", args.start,
                    "virtual start time, e.g. 2026-01-05T09:00:00Z "
                    "(default: today 09:00 UTC)")
        ->check(iso_time_value());
    cmd->add_option("--show", args.show, "print at most this many leads")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--scenario", args.scenario,
                    "how contacts react (YAML): probabilities and delays of delivered, opened, "
                    "replied, bounced... per step, with a seed")
        ->check(CLI::ExistingFile);
    cmd->callback([] { set_exit(guarded([] { return simulate(args); })); });
}

}  // namespace relance::cli
