// The workflow operations of a workspace: validate, deploy, list, and start a run.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/model/validate.hpp>
#include <relance/model/yaml_document.hpp>
#include <relance/runtime/records.hpp>
#include <set>

#include "deployed.hpp"
#include "run_intake.hpp"

namespace relance::app {

namespace {

WorkflowProblem problem_of(const model::Diagnostic& d) {
    return {d.severity == model::Diagnostic::Severity::error ? "error" : "warning", d.pos,
            d.message, d.str()};
}

DeployedWorkflow summary_of(const DeployedEntry& e) {
    DeployedWorkflow w;
    w.name = e.workflow->name;
    w.version = e.workflow->version;
    w.file = e.workflow->file;
    w.sha256 = e.sha256;
    w.version_id = e.version_id;
    w.deployed_at = e.deployed_at;
    for (const auto& h : e.workflow->triggers.webhooks) w.hooks.push_back({h.name, h.scheme});
    for (const auto& c : e.workflow->triggers.crons) w.crons.push_back(c.spec);
    return w;
}

// A workflow file's text; nullopt when it cannot be read or is too large, the reason (naming
// the file) added to the check's problems.
std::optional<std::string> read_workflow_file(const std::string& file, WorkflowCheck& check) {
    try {
        return model::read_yaml_file(file, "workflow file");
    } catch (const model::LoadError& e) {
        for (const auto& d : e.diagnostics()) check.problems.push_back(problem_of(d));
        return std::nullopt;
    }
}

}  // namespace

const char* to_string(StartedRun::Outcome outcome) {
    switch (outcome) {
        case StartedRun::Outcome::started:
            return "started";
        case StartedRun::Outcome::duplicate:
            return "duplicate";
        case StartedRun::Outcome::skipped:
            return "skipped";
    }
    return "started";
}

Workspace::Deployed& Workspace::deployed() {
    store::Store& s = store();
    std::lock_guard g(open_m_);
    if (!deployed_) deployed_ = std::make_unique<Deployed>(s);
    return *deployed_;
}

Workspace::RunIntake& Workspace::intake() {
    store::Store& s = store();
    std::lock_guard g(open_m_);
    if (!intake_) intake_ = std::make_unique<RunIntake>(s, clock_);
    return *intake_;
}

std::optional<model::Workflow> Workspace::check_workflow(const std::string& text,
                                                         const std::string& file,
                                                         WorkflowCheck& check) {
    model::Workflow wf;
    try {
        wf = model::load_workflow_text(text, file);
    } catch (const model::LoadError& e) {
        for (const auto& d : e.diagnostics()) check.problems.push_back(problem_of(d));
        return std::nullopt;
    }
    check.name = wf.name;
    check.version = wf.version;
    auto cfg = config();
    bool errors = false;
    for (const auto& d : model::validate(wf, model::compile(wf), plugins(), cfg.get())) {
        errors |= d.severity == model::Diagnostic::Severity::error;
        check.problems.push_back(problem_of(d));
    }
    check.valid = !errors;
    if (errors) return std::nullopt;
    return wf;
}

WorkflowCheck Workspace::validate_workflow(const std::string& text, const std::string& file) {
    WorkflowCheck check;
    check_workflow(text, file, check);
    return check;
}

WorkflowCheck Workspace::validate_workflow_file(const std::string& file) {
    WorkflowCheck check;
    if (auto text = read_workflow_file(file, check)) check_workflow(*text, file, check);
    return check;
}

Workspace::BulkStart Workspace::start_runs_from_file(const std::string& file,
                                                     runtime::RecordReader& records,
                                                     runtime::StartObserver& observer) {
    BulkStart out;
    auto text = read_workflow_file(file, out.check);
    if (!text) return out;
    std::optional<model::Workflow> wf = check_workflow(*text, file, out.check);
    if (!wf) return out;
    auto own = open_connection(store::SqliteOptions::one_pass());
    out.counts = runtime::start_runs(own ? *own : store(), *wf, records, clock_, observer);
    return out;
}

DeployedWorkflow Workspace::deploy_workflow(const std::string& text, const std::string& file) {
    WorkflowCheck check;
    std::optional<model::Workflow> wf = check_workflow(text, file, check);
    if (!wf) {
        std::vector<std::string> details;
        for (const auto& p : check.problems)
            if (p.severity == "error") details.push_back(p.text);
        throw Error(ErrorKind::invalid,
                    (check.name.empty() ? file : "workflow " + check.name) +
                        " does not validate: nothing was deployed",
                    "workflow", std::move(details));
    }
    // A hook answers for one workflow: another deployed workflow holding the name must give it
    // up (be deployed without it) first.
    auto snap = deployed().current(true);
    for (const auto& hook : wf->triggers.webhooks)
        if (auto it = snap->hooks.find(hook.name);
            it != snap->hooks.end() && it->second.workflow->name != wf->name)
            throw Error(ErrorKind::conflict,
                        "hook '" + hook.name + "' belongs to workflow " +
                            it->second.workflow->name + ", which is deployed",
                        "triggers");
    std::int64_t now = to_unix_ms(clock_.now());
    std::int64_t version_id = store().put_workflow_version(wf->name, wf->version, file, text, now);
    // A redeploy of the deployed version keeps its seq: nothing changed.
    store::Deployment d = store().deploy_workflow(wf->name, version_id, now);
    auto fresh = deployed().current(true);
    auto it = fresh->workflows.find(wf->name);
    if (it == fresh->workflows.end())
        throw Error(ErrorKind::failure, "workflow " + wf->name + " was deployed but does not load");
    DeployedWorkflow out = summary_of(it->second);
    out.changed = d.seq > snap->seq;
    return out;
}

std::vector<DeployedWorkflow> Workspace::workflows() {
    std::vector<DeployedWorkflow> out;
    for (const auto& [name, e] : deployed().current(true)->workflows) out.push_back(summary_of(e));
    return out;
}

DeployedWorkflow Workspace::get_workflow(const std::string& name) {
    auto snap = deployed().current(true);
    auto it = snap->workflows.find(name);
    if (it == snap->workflows.end())
        throw Error(ErrorKind::not_found, "no deployed workflow " + name, "workflow");
    return summary_of(it->second);
}

StartedRun Workspace::start_deployed(std::shared_ptr<const model::Workflow> wf,
                                     std::int64_t version_id, JsonValue record, std::string key) {
    runtime::StartOutcome o = intake().start(wf, version_id, {std::move(*record), std::move(key)});
    StartedRun r;
    r.workflow = wf->name;
    r.version = wf->version;
    switch (o.kind) {
        case runtime::StartOutcome::rejected: {
            std::vector<std::string> details;
            for (const auto& p : o.problems)
                details.push_back(p.field.empty() ? p.message : p.field + ": " + p.message);
            const auto& first = o.problems.front();
            throw Error(
                ErrorKind::invalid,
                first.field.empty() ? first.message : "input " + first.field + ": " + first.message,
                first.field.empty() ? std::string("inputs") : "inputs." + first.field,
                std::move(details));
        }
        case runtime::StartOutcome::skipped:
            r.outcome = StartedRun::Outcome::skipped;
            r.reason = o.reason;
            return r;
        case runtime::StartOutcome::duplicate:
            r.outcome = StartedRun::Outcome::duplicate;
            r.run_id = o.run_id;
            return r;
        case runtime::StartOutcome::started:
        case runtime::StartOutcome::pending:
            break;
    }
    r.outcome = StartedRun::Outcome::started;
    r.run_id = o.run_id;
    for (const auto& w : o.warnings) r.warnings.push_back(w.field + ": " + w.message);
    return r;
}

StartedRun Workspace::start_run(const std::string& workflow, const JsonValue& record,
                                const std::string& idempotency_key) {
    auto snap = deployed().current();
    auto it = snap->workflows.find(workflow);
    if (it == snap->workflows.end()) snap = deployed().current(true);  // deployed just now?
    it = snap->workflows.find(workflow);
    if (it == snap->workflows.end())
        throw Error(ErrorKind::not_found,
                    "no deployed workflow " + workflow + " (deploy it: relance deploy FILE)",
                    "workflow");
    if (!record->is_object())
        throw Error(ErrorKind::invalid, "the input record must be a JSON object", "inputs");
    std::string key = idempotency_key.empty() ? std::string() : "key:" + idempotency_key;
    return start_deployed(it->second.workflow, it->second.version_id, *record, std::move(key));
}

}  // namespace relance::app
