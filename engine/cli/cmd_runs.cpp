// relance runs list | show ID | resolve ID --as sent|retry | cancel ID | retry ID
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

using runtime::format_short;

namespace {

struct ListArgs {
    std::string status;
    std::string workflow;
    int limit = 100;
};

int list_runs(const ListArgs& args) {
    app::RunQuery query;
    query.status = args.status;
    query.workflow = args.workflow;
    query.limit = args.limit;
    // Each run is printed as it is read: memory does not grow with --limit.
    std::size_t count = 0;
    if (global_options().json) {
        // The array nlohmann's dump(2) would print, one element at a time: "[", the elements
        // indented by two more spaces and separated by ",", "]" ("[]" when empty).
        std::string text;
        workspace().list_runs(query, [&](const app::RunSummary& r) {
            text = count++ ? ",\n  " : "[\n  ";
            // A JSON string holds no raw newline: each one in the dump starts a line.
            for (char c : app::run_view(r.run, r.step).dump(2)) {
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
    workspace().list_runs(query, [&](const app::RunSummary& s) {
        ++count;
        const store::Run& r = s.run;
        std::cout << std::left << std::setw(20) << r.id << std::setw(18) << r.workflow_name
                  << std::setw(11) << store::to_string(r.status) << std::setw(18)
                  << (store::is_terminal(r.status) ? "-" : s.step) << std::setw(22)
                  << (r.due_at ? format_short(*r.due_at) : "-") << r.reason << "\n";
        return true;
    });
    if (count == 0) std::cout << "(no runs)\n";
    return kOk;
}

int show_run(const std::string& id) {
    app::RunDetail detail = workspace().get_run(id);
    const store::Run* run = &detail.run;
    const auto& steps = detail.timeline;
    const std::string& at = detail.step;
    if (global_options().json) {
        std::cout << app::run_detail_view(detail).dump(2) << "\n";
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
    workspace().resolve_run(id,
                            as == "sent" ? runtime::Resolution::sent : runtime::Resolution::retry);
    std::cout << "run " << id << " resolved as " << as << "; it is ready for the worker\n";
    return kOk;
}

int print_change(const app::RunChange& change, const std::string& what) {
    if (global_options().json) {
        std::cout << app::run_change_view(change).dump(2) << "\n";
        return kOk;
    }
    std::cout << "run " << change.run_id << " " << what << "; it is " << change.status;
    if (change.was_held)
        std::cout << " (a worker held it: it sends nothing more for it; a call already out when "
                     "you cancelled is not in its timeline)";
    std::cout << "\n";
    return kOk;
}

}  // namespace

void register_runs(CLI::App& app) {
    auto* runs = app.add_subcommand("runs", "inspect and settle runs");
    runs->require_subcommand(1);

    static ListArgs list_args;
    auto* list = runs->add_subcommand("list", "list runs with their state");
    list->add_option("--status", list_args.status,
                     "ready, waiting, paused, completed, exited or failed")
        ->check(CLI::IsMember({"ready", "waiting", "paused", "completed", "exited", "failed"}));
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

    static std::string cancel_id, cancel_reason;
    auto* cancel = runs->add_subcommand(
        "cancel",
        "end a run that is not finished (ready, waiting or paused), even one a worker holds "
        "right now: it becomes exited and sends nothing more");
    cancel->add_option("id", cancel_id, "run id")->required();
    cancel->add_option("--reason", cancel_reason, "why, kept as the run's reason");
    cancel->callback([] {
        set_exit(guarded([] {
            return print_change(workspace().cancel_run(cancel_id, cancel_reason), "cancelled");
        }));
    });

    static std::string retry_id;
    auto* retry = runs->add_subcommand(
        "retry", "run a failed run again from the step it failed on (attempt 1, due now)");
    retry->add_option("id", retry_id, "run id")->required();
    retry->callback([] {
        set_exit(guarded([] { return print_change(workspace().retry_run(retry_id), "retried"); }));
    });
}

}  // namespace relance::cli
