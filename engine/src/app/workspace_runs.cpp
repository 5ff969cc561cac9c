// The run operations of a workspace: list, show, resolve, cancel, retry.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::app {

namespace {

Error no_run(const std::string& id) {
    return Error(ErrorKind::not_found, "no run " + id, "id");
}

// A timeline line written by an operator's command, not by a step.
store::StepRecord operator_line(const std::string& kind, store::StepStatus status,
                                std::string detail) {
    store::StepRecord note;
    note.step_id = "operator";
    note.kind = kind;
    note.status = status;
    note.detail = std::move(detail);
    return note;
}

}  // namespace

void Workspace::list_runs(const RunQuery& query,
                          const std::function<bool(const RunSummary&)>& each) {
    store::RunFilter filter;
    if (!query.status.empty()) {
        filter.status = store::run_status_from(query.status);
        if (!filter.status)
            throw Error(ErrorKind::invalid,
                        "unknown status '" + query.status +
                            "' (ready, waiting, paused, completed, exited, failed)",
                        "status");
    }
    if (query.limit < 1) throw Error(ErrorKind::invalid, "the limit must be at least 1", "limit");
    filter.workflow = query.workflow;
    filter.limit = query.limit;
    filter.after = query.after;
    runtime::RunSteps steps(store());
    store().for_each_run(filter, [&](const store::Run& r) {
        return each(RunSummary{r, steps.step_id(r)});
    });
}

RunDetail Workspace::get_run(const std::string& id) {
    auto run = store().get_run(id);
    if (!run) throw no_run(id);
    RunDetail d;
    d.step = runtime::RunSteps(store()).step_id(*run);
    d.timeline = store().list_steps(id);
    runtime::restore_step_outputs(store(), id, *run->context);
    d.run = std::move(*run);
    return d;
}

void Workspace::resolve_run(const std::string& id, runtime::Resolution how) {
    if (!store().get_run(id)) throw no_run(id);
    try {
        runtime::resolve_in_doubt(store(), id, how, clock_);
    } catch (const std::runtime_error& e) {  // it exists: its state does not allow it
        throw Error(ErrorKind::conflict, e.what(), "id");
    }
}

RunChange Workspace::cancel_run(const std::string& id, const std::string& reason) {
    std::string why = reason.empty() ? std::string("cancelled by an operator")
                                     : "cancelled by an operator: " + reason;
    auto outcome =
        store().cancel_run(id, why, operator_line("cancel", store::StepStatus::stopped, why),
                           to_unix_ms(clock_.now()));
    switch (outcome) {
        case store::Store::CancelOutcome::missing:
            throw no_run(id);
        case store::Store::CancelOutcome::finished: {
            auto run = store().get_run(id);
            throw Error(ErrorKind::conflict,
                        "run " + id + " is " +
                            (run ? std::string(store::to_string(run->status)) : "gone") +
                            " already: there is nothing to cancel",
                        "id");
        }
        case store::Store::CancelOutcome::cancelled:
        case store::Store::CancelOutcome::cancelled_held:
            break;
    }
    return RunChange{id, "exited", outcome == store::Store::CancelOutcome::cancelled_held};
}

RunChange Workspace::retry_run(const std::string& id) {
    auto run = store().get_run(id);
    if (!run) throw no_run(id);
    std::string failed_because = run->reason;
    bool retried = store().retry_failed_run(
        id,
        operator_line("retry", store::StepStatus::resolved,
                      "retried by an operator from the step it failed on" +
                          (failed_because.empty() ? "" : " (" + failed_because + ")")),
        to_unix_ms(clock_.now()));
    if (!retried) {
        run = store().get_run(id);
        throw Error(ErrorKind::conflict,
                    "run " + id + " is " +
                        (run ? std::string(store::to_string(run->status)) : "gone") +
                        ", not failed: only a failed run can be retried",
                    "id");
    }
    return RunChange{id, "ready", false};
}

}  // namespace relance::app
