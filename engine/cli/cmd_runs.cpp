// relance runs list | show ID | resolve ID --as sent|retry
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

using runtime::format_iso;
using runtime::format_short;

namespace {

nlohmann::json run_json(const store::Run& r, const std::string& step) {
    nlohmann::json j = {{"id", r.id},
                        {"workflow", r.workflow_name},
                        {"workflow_version_id", r.workflow_version_id},
                        {"idempotency_key", r.idempotency_key},
                        {"status", store::to_string(r.status)},
                        {"step", step},
                        {"attempt", r.attempt},
                        {"reason", r.reason},
                        {"created_at", format_iso(r.created_at)},
                        {"updated_at", format_iso(r.updated_at)},
                        {"inputs", r.context->value("inputs", nlohmann::json::object())}};
    j["due_at"] = r.due_at ? nlohmann::json(format_iso(*r.due_at)) : nlohmann::json(nullptr);
    return j;
}

struct ListArgs {
    std::string status;
    std::string workflow;
    int limit = 100;
};

int list_runs(const ListArgs& args) {
    auto store = open_store();
    store::RunFilter filter;
    if (!args.status.empty()) {
        filter.status = store::run_status_from(args.status);
        if (!filter.status) {
            std::cerr << "error: unknown status '" << args.status
                      << "' (ready, waiting, paused, completed, exited, failed)\n";
            return kUsage;
        }
    }
    filter.workflow = args.workflow;
    filter.limit = args.limit;
    runtime::RunSteps names(*store);
    // Each run is printed as it is read: memory does not grow with --limit.
    std::size_t count = 0;
    if (global_options().json) {
        // The array nlohmann's dump(2) would print, one element at a time: "[", the elements
        // indented by two more spaces and separated by ",", "]" ("[]" when empty).
        std::string text;
        store->for_each_run(filter, [&](const store::Run& r) {
            text = count++ ? ",\n  " : "[\n  ";
            // A JSON string holds no raw newline: each one in the dump starts a line.
            for (char c : run_json(r, names.step_id(r)).dump(2)) {
                text += c;
                if (c == '\n') text += "  ";
            }
            std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
            return true;
        });
        std::cout << (count ? "\n]\n" : "[]\n");
        return kOk;
    }
    std::cout << std::left << std::setw(20) << "RUN" << std::setw(18) << "WORKFLOW" << std::setw(11)
              << "STATUS" << std::setw(18) << "STEP" << std::setw(22) << "DUE"
              << "REASON\n";
    store->for_each_run(filter, [&](const store::Run& r) {
        ++count;
        std::cout << std::left << std::setw(20) << r.id << std::setw(18) << r.workflow_name
                  << std::setw(11) << store::to_string(r.status) << std::setw(18)
                  << (store::is_terminal(r.status) ? "-" : names.step_id(r)) << std::setw(22)
                  << (r.due_at ? format_short(*r.due_at) : "-") << r.reason << "\n";
        return true;
    });
    if (count == 0) std::cout << "(no runs)\n";
    return kOk;
}

int show_run(const std::string& id) {
    auto store = open_store();
    auto run = store->get_run(id);
    if (!run) {
        std::cerr << "error: no run " << id << "\n";
        return kNotFound;
    }
    runtime::RunSteps names(*store);
    auto steps = store->list_steps(id);
    std::string at = names.step_id(*run);
    if (global_options().json) {
        nlohmann::json j = run_json(*run, at);
        runtime::restore_step_outputs(*store, id, *run->context);
        j["context"] = run->context;
        nlohmann::json timeline = nlohmann::json::array();
        for (const auto& s : steps) {
            nlohmann::json t = {{"seq", s.seq},         {"step", s.step_id},
                                {"kind", s.kind},       {"status", store::to_string(s.status)},
                                {"attempt", s.attempt}, {"at", format_iso(s.started_at)},
                                {"detail", s.detail},   {"message_id", s.message_id},
                                {"output", s.output}};
            t["finished_at"] =
                s.finished_at ? nlohmann::json(format_iso(*s.finished_at)) : nlohmann::json();
            timeline.push_back(std::move(t));
        }
        j["timeline"] = timeline;
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    std::cout << "run       " << run->id << "\n"
              << "workflow  " << run->workflow_name << " (version id " << run->workflow_version_id
              << ")\n"
              << "status    " << store::to_string(run->status);
    if (!store::is_terminal(run->status)) std::cout << " at step " << at;
    std::cout << "\n";
    if (run->due_at) std::cout << "due       " << format_short(*run->due_at) << "\n";
    if (!run->reason.empty()) std::cout << "reason    " << run->reason << "\n";
    std::cout << "inputs    " << run->context->value("inputs", nlohmann::json::object()).dump()
              << "\n\ntimeline\n";
    std::size_t id_width = 14, kind_width = 14;
    for (const auto& s : steps) {
        id_width = std::max(id_width, s.step_id.size());
        kind_width = std::max(kind_width, s.kind.size());
    }
    for (const auto& s : steps) {
        std::cout << "  " << format_short(s.started_at) << "  " << std::left
                  << std::setw(static_cast<int>(id_width + 2)) << s.step_id
                  << std::setw(static_cast<int>(kind_width + 2)) << s.kind << std::setw(13)
                  << store::to_string(s.status);
        if (s.attempt > 1) std::cout << "attempt " << s.attempt << "  ";
        std::cout << s.detail;
        if ((s.status == store::StepStatus::succeeded || s.status == store::StepStatus::done ||
             s.status == store::StepStatus::reconciled) &&
            s.output->is_object() && !s.output->empty())
            std::cout << (s.detail.empty() ? "" : "  ") << "-> " << s.output->dump();
        std::cout << "\n";
    }
    if (steps.empty()) std::cout << "  (nothing yet: run `relance worker`)\n";
    return kOk;
}

int resolve_run(const std::string& id, const std::string& as) {
    auto store = open_store();
    SystemClock clock;
    if (!store->get_run(id)) {
        std::cerr << "error: no run " << id << "\n";
        return kNotFound;
    }
    runtime::resolve_in_doubt(
        *store, id, as == "sent" ? runtime::Resolution::sent : runtime::Resolution::retry, clock);
    std::cout << "run " << id << " resolved as " << as << "; it is ready for the worker\n";
    return kOk;
}

}  // namespace

void register_runs(CLI::App& app) {
    auto* runs = app.add_subcommand("runs", "inspect and settle runs");
    runs->require_subcommand(1);

    static ListArgs list_args;
    auto* list = runs->add_subcommand("list", "list runs with their state");
    list->add_option("--status", list_args.status,
                     "ready, waiting, paused, completed, exited or failed");
    list->add_option("--workflow", list_args.workflow, "only this workflow");
    list->add_option("--limit", list_args.limit, "at most this many")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000'000));
    list->callback([] { set_exit(guarded([] { return list_runs(list_args); })); });

    static std::string show_id;
    auto* show = runs->add_subcommand("show", "a run's state and step timeline, with reasons");
    show->add_option("id", show_id, "run id")->required();
    show->callback([] { set_exit(guarded([] { return show_run(show_id); })); });

    static std::string resolve_id, resolve_as;
    auto* resolve = runs->add_subcommand(
        "resolve",
        "settle a run paused on an in-doubt step: --as sent (it went out, move on) "
        "or --as retry (it did not, run it again)");
    resolve->add_option("id", resolve_id, "run id")->required();
    resolve->add_option("--as", resolve_as, "sent or retry")
        ->required()
        ->check(CLI::IsMember({"sent", "retry"}));
    resolve->callback(
        [] { set_exit(guarded([] { return resolve_run(resolve_id, resolve_as); })); });
}

}  // namespace relance::cli
