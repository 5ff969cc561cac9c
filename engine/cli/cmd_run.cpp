// relance run FILE --input leads.csv|leads.json|-
#include <relance/model/validate.hpp>
#include <relance/runtime/records.hpp>
#include <relance/runtime/runs.hpp>

#include <iostream>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct RunArgs {
    std::string file;
    std::string input;
};

int run_workflow(const RunArgs& args) {
    SystemClock clock;
    auto store = open_store();
    auto host = load_host(clock, nullptr);
    auto wf = load_valid_workflow(args.file, *host);
    if (!wf) return kInvalid;
    auto records = read_records_or_report(args.input);
    if (!records) return kInvalid;
    auto result = runtime::start_runs(*store, *wf, records->records, records->where, clock);
    if (global_options().json) {
        nlohmann::json skipped = nlohmann::json::array();
        for (const auto& k : result.skipped)
            skipped.push_back({{"where", k.where}, {"contact", k.contact}, {"reason", k.reason}});
        nlohmann::json rejected = nlohmann::json::array();
        for (const auto& r : result.rejected) {
            nlohmann::json problems = nlohmann::json::array();
            for (const auto& p : r.problems)
                problems.push_back({{"field", p.field}, {"message", p.message}});
            rejected.push_back({{"where", r.where}, {"problems", problems}});
        }
        nlohmann::json warnings = nlohmann::json::array();
        for (const auto& w : result.warnings)
            warnings.push_back({{"where", w.where}, {"field", w.field}, {"message", w.message}});
        std::cout << nlohmann::json{{"workflow", wf->name},
                                    {"version", wf->version},
                                    {"started", result.started},
                                    {"duplicates", result.duplicates.size()},
                                    {"skipped", skipped},
                                    {"rejected", rejected},
                                    {"warnings", warnings}}
                         .dump(2)
                  << "\n";
    } else {
        for (const auto& r : result.rejected)
            for (const auto& p : r.problems)
                std::cerr << r.where << ": field " << p.field << ": " << p.message << "\n";
        for (const auto& k : result.skipped)
            std::cerr << k.where << ": skipped " << k.contact << ": " << k.reason << "\n";
        for (const auto& w : result.warnings)
            std::cerr << w.where << ": warning: field " << w.field << ": " << w.message << "\n";
        std::cout << "workflow " << wf->name << " v" << wf->version << ": "
                  << result.started.size() << " run(s) started, " << result.duplicates.size()
                  << " already started (same idempotency key), " << result.skipped.size()
                  << " skipped by the enrollment policy, " << result.rejected.size()
                  << " record(s) rejected\n";
        if (!result.started.empty()) std::cout << "run `relance worker` to execute them\n";
    }
    return result.rejected.empty() ? kOk : kInvalid;
}

}  // namespace

void register_run(CLI::App& app) {
    static RunArgs args;
    auto* cmd = app.add_subcommand(
        "run", "start one run per input record (idempotent: a record already started is "
               "skipped); `relance worker` executes them");
    cmd->add_option("file", args.file, "workflow file")->required()->check(CLI::ExistingFile);
    cmd->add_option("-i,--input", args.input, "records: .csv, .json, .jsonl, or - for stdin")
        ->required();
    cmd->callback([] { set_exit(guarded([] { return run_workflow(args); })); });
}

}  // namespace relance::cli
