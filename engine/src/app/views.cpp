#include <nlohmann/json.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::app {

using nlohmann::json;
using runtime::format_iso;

json run_view(const store::Run& r, const std::string& step) {
    json j = {{"id", r.id},
              {"workflow", r.workflow_name},
              {"workflow_version_id", r.workflow_version_id},
              {"idempotency_key", r.idempotency_key},
              {"status", store::to_string(r.status)},
              {"step", step},
              {"attempt", r.attempt},
              {"reason", r.reason},
              {"created_at", format_iso(r.created_at)},
              {"updated_at", format_iso(r.updated_at)},
              {"inputs", r.context->value("inputs", json::object())}};
    j["due_at"] = r.due_at ? json(format_iso(*r.due_at)) : json(nullptr);
    return j;
}

json step_view(const store::StepRecord& s) {
    json t = {{"seq", s.seq},         {"step", s.step_id},
              {"kind", s.kind},       {"status", store::to_string(s.status)},
              {"attempt", s.attempt}, {"at", format_iso(s.started_at)},
              {"detail", s.detail},   {"message_id", s.message_id},
              {"output", *s.output}};
    t["finished_at"] = s.finished_at ? json(format_iso(*s.finished_at)) : json();
    return t;
}

json run_detail_view(const RunDetail& d) {
    json j = run_view(d.run, d.step);
    j["context"] = *d.run.context;
    json timeline = json::array();
    for (const auto& s : d.timeline) timeline.push_back(step_view(s));
    j["timeline"] = std::move(timeline);
    return j;
}

json run_change_view(const RunChange& change) {
    return json{{"id", change.run_id}, {"status", change.status}, {"was_held", change.was_held}};
}

json event_outcome_view(const runtime::EventOutcome& out) {
    json j = {{"event_id", out.event_id},
              {"contact", out.contact_key},
              {"recorded", out.recorded},
              {"stopped", out.stopped},
              {"in_flight", out.in_flight}};
    if (out.suppressed)
        j["suppressed"] = {{"kind", out.suppressed->kind},
                           {"value", out.suppressed->value},
                           {"locked", out.suppressed->locked}};
    return j;
}

json suppression_view(const store::Suppression& s) {
    return json{{"kind", s.kind},     {"value", s.value},
                {"source", s.source}, {"locked", s.locked},
                {"reason", s.reason}, {"created_at", format_iso(s.created_at)}};
}

json stats_view(const std::vector<runtime::StepStats>& rows) {
    json out = json::array();
    for (const auto& r : rows)
        out.push_back({{"step", r.step_id},
                       {"kind", r.kind},
                       {"variant", r.variant},
                       {"sent", r.sent},
                       {"failed", r.failed},
                       {"events", r.events}});
    return out;
}

json workflow_view(const DeployedWorkflow& w) {
    json hooks = json::array();
    for (const auto& h : w.hooks)
        hooks.push_back({{"name", h.name}, {"path", "/v1/hooks/" + h.name}, {"scheme", h.scheme}});
    return json{{"name", w.name},
                {"version", w.version},
                {"version_id", w.version_id},
                {"file", w.file},
                {"sha256", w.sha256},
                {"deployed_at", format_iso(w.deployed_at)},
                {"hooks", std::move(hooks)},
                {"crons", w.crons}};
}

json workflow_check_view(const WorkflowCheck& check) {
    json problems = json::array();
    for (const auto& p : check.problems)
        problems.push_back({{"severity", p.severity},
                            {"file", p.pos.file},
                            {"line", p.pos.line},
                            {"column", p.pos.column},
                            {"message", p.message}});
    json out{{"valid", check.valid}, {"problems", std::move(problems)}};
    if (!check.name.empty()) out["name"] = check.name;
    if (!check.version.empty()) out["version"] = check.version;
    return out;
}

json started_run_view(const StartedRun& r) {
    json out{{"outcome", to_string(r.outcome)}, {"workflow", r.workflow}, {"version", r.version}};
    out["run_id"] = r.run_id.empty() ? json(nullptr) : json(r.run_id);
    if (!r.reason.empty()) out["reason"] = r.reason;
    if (!r.warnings.empty()) out["warnings"] = r.warnings;
    return out;
}

}  // namespace relance::app
