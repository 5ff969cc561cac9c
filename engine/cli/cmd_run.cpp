// relance run FILE --input leads.csv|leads.json|- [--encoding E] [--delimiter D]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/records.hpp>
#include <relance/runtime/runs.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct RunArgs {
    std::string file;
    InputArgs input;
};

std::string problem_text(const model::InputProblem& p) {
    return p.field.empty() ? p.message : "field " + p.field + ": " + p.message;
}

// Text mode: each finding is printed as it happens; only counts are kept.
class PrintingObserver final : public runtime::StartObserver {
  public:
    void started(const std::string&) override {}
    void duplicate(const std::string&) override {}
    void rejected(const runtime::RejectedRecord& r) override {
        for (const auto& p : r.problems) std::cerr << r.where << ": " << problem_text(p) << "\n";
    }
    void skipped(const runtime::SkippedRecord& k) override {
        std::cerr << k.where << ": skipped " << k.contact << ": " << k.reason << "\n";
    }
    void warning(const runtime::RecordWarning& w) override {
        std::cerr << w.where << ": warning: field " << w.field << ": " << w.message << "\n";
    }
};

// One JSON array written to a temporary file as it grows, so that --json on a million records
// holds none of them in memory; copied into the output at the end.
class SpooledArray {
  public:
    SpooledArray() : file_(std::tmpfile()) {
        if (!file_) throw std::runtime_error("cannot create a temporary file for --json output");
    }
    ~SpooledArray() { std::fclose(file_); }
    SpooledArray(const SpooledArray&) = delete;
    SpooledArray& operator=(const SpooledArray&) = delete;

    void add(const nlohmann::json& item) {
        std::string text = (count_++ ? ",\n    " : "\n    ") + item.dump();
        if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
            throw std::runtime_error("cannot write the --json output's temporary file");
    }
    void write_to(std::ostream& out) {
        std::rewind(file_);
        char buf[1 << 16];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0)
            out.write(buf, static_cast<std::streamsize>(n));
        out << (count_ ? "\n  ]" : "]");
    }

  private:
    std::FILE* file_;
    std::uint64_t count_ = 0;
};

class JsonObserver final : public runtime::StartObserver {
  public:
    void started(const std::string& id) override { started_.add(id); }
    void duplicate(const std::string&) override {}
    void rejected(const runtime::RejectedRecord& r) override {
        nlohmann::json problems = nlohmann::json::array();
        for (const auto& p : r.problems)
            problems.push_back({{"field", p.field}, {"message", p.message}});
        rejected_.add({{"where", r.where}, {"problems", problems}});
    }
    void skipped(const runtime::SkippedRecord& k) override {
        skipped_.add({{"where", k.where}, {"contact", k.contact}, {"reason", k.reason}});
    }
    void warning(const runtime::RecordWarning& w) override {
        warnings_.add({{"where", w.where}, {"field", w.field}, {"message", w.message}});
    }

    void print(const app::WorkflowCheck& wf, const runtime::StartCounts& c,
               const std::string& error) {
        auto& out = std::cout;
        out << "{\n  \"workflow\": " << nlohmann::json(wf.name).dump()
            << ",\n  \"version\": " << nlohmann::json(wf.version).dump() << ",\n  \"started\": [";
        started_.write_to(out);
        out << ",\n  \"duplicates\": " << c.duplicates << ",\n  \"skipped\": [";
        skipped_.write_to(out);
        out << ",\n  \"rejected\": [";
        rejected_.write_to(out);
        out << ",\n  \"warnings\": [";
        warnings_.write_to(out);
        if (!error.empty()) out << ",\n  \"error\": " << nlohmann::json(error).dump();
        out << "\n}\n";
    }

  private:
    SpooledArray started_, skipped_, rejected_, warnings_;
};

int run_workflow(const RunArgs& args) {
    app::Workspace& ws = workspace();
    ws.plugins();
    report_plugin_failures(ws);
    // The workflow is checked before the input is opened: a workflow that does not validate is
    // the answer (2) whatever the input (a small file: checked again as the runs start).
    app::WorkflowCheck check = ws.validate_workflow_file(args.file);
    for (const auto& p : check.problems) std::cerr << p.text << "\n";
    if (!check.valid) {
        std::cerr << "error: " << args.file << " does not validate; nothing was started\n";
        return kInvalid;
    }
    auto records = read_records_or_report(args.input);
    if (!records) return kFailure;  // cannot be opened

    std::unique_ptr<JsonObserver> json_out;
    PrintingObserver printer;
    runtime::StartObserver* observer = &printer;
    if (global_options().json) observer = (json_out = std::make_unique<JsonObserver>()).get();
    app::Workspace::BulkStart started = ws.start_runs_from_file(args.file, *records, *observer);
    if (!started.check.valid) {  // changed since the check above
        for (const auto& p : started.check.problems) std::cerr << p.text << "\n";
        std::cerr << "error: " << args.file << " does not validate; nothing was started\n";
        return kInvalid;
    }
    const runtime::StartCounts& counts = started.counts;
    const std::string& error = counts.input_error;
    if (json_out) {
        json_out->print(started.check, counts, error);
    } else {
        if (!error.empty())
            std::cerr << "error: " << error
                      << "\nthe records before this point were read; fix the input and run it "
                         "again: records already started are skipped\n";
        std::cout << "workflow " << started.check.name << " v" << started.check.version << ": "
                  << counts.started << " run(s) started, " << counts.duplicates
                  << " already started (same idempotency key), " << counts.skipped
                  << " skipped by the enrollment policy, " << counts.rejected
                  << " record(s) rejected\n";
        if (counts.started) std::cout << "run `relance worker` to execute them\n";
    }
    // docs/cli.md: a malformed input file and rejected records are both invalid input (2).
    return error.empty() && counts.rejected == 0 ? kOk : kInvalid;
}

}  // namespace

void register_run(CLI::App& app) {
    static RunArgs args;
    auto* cmd = app.add_subcommand(
        "run",
        "start one run per input record (idempotent: a record already started is "
        "skipped); `relance worker` executes them");
    cmd->add_option("file", args.file, "workflow file")->required()->check(CLI::ExistingFile);
    add_input_options(cmd, args.input);
    cmd->callback([] { set_exit(guarded([] { return run_workflow(args); })); });
}

}  // namespace relance::cli
