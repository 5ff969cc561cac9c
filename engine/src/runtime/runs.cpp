#include <relance/calendar/holidays.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/time_text.hpp>

#include <relance/base/digest.hpp>

#include <set>
#include <stdexcept>

namespace relance::runtime {

namespace {

// A run's id is derived from its workflow and idempotency key, which are unique together: the
// same input gets the same id in every database, so a simulation (whose scenario draws are
// seeded by message ids, which contain run ids) gives the same result every time.
std::string run_id_for(const std::string& workflow, const std::string& key) {
    return "r_" + sha256_hex(workflow + "\n" + key, 16);
}

// Why the workflow's enrollment policy refuses this contact now; empty when it may start.
// Contacts without any identifier cannot be matched and are always enrolled.
std::string enrollment_refusal(store::Store& store, const model::Workflow& wf,
                               const std::string& contact, std::int64_t now,
                               const std::set<std::string>& enrolled_now) {
    using Skip = model::Enrollment::Skip;
    const auto& policy = wf.enrollment;
    if (contact.empty()) return {};
    if (policy.skip_if != Skip::never) {
        if (enrolled_now.count(contact)) return "appears twice in this input";
        for (const auto& run : store.active_runs_for(contact)) {
            if (policy.skip_if == Skip::active_here && run.workflow_name != wf.name) continue;
            return std::string("already active ") +
                   (run.workflow_name == wf.name ? "in this workflow"
                                                 : "in workflow " + run.workflow_name) +
                   " (run " + run.id + ")";
        }
    }
    if (policy.cooldown.count() > 0) {
        if (auto last = store.last_enrolled(contact); last && now - *last < policy.cooldown.count())
            return "enrolled less than the cooldown ago (last on " + format_short(*last) + "Z)";
    }
    return {};
}

// The contact's time zone and country feed the send window and the holidays. A value relance
// cannot use is passed over (the workflow's setting applies): say so when the run starts, not
// silently at the first send.
void check_zone_and_country(const model::Workflow& wf, const json& inputs,
                            const std::string& place, std::vector<RecordWarning>& out) {
    auto text = [&](const std::string& name) -> std::string {
        if (name.empty()) return {};
        auto it = inputs.find(name);
        return it != inputs.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    const auto& sc = wf.schedule;
    if (std::string zone = text(sc.timezone_input); !zone.empty()) {
        try {
            calendar::find_zone(zone);
        } catch (const std::exception&) {
            std::string instead = !sc.timezone.empty() ? "the workflow's zone " + sc.timezone
                                                       : "the workflow's or sender's zone (else UTC)";
            out.push_back({place, sc.timezone_input,
                           "'" + zone + "' is not an IANA time zone (e.g. Europe/Paris); " +
                               instead + " is used for this contact"});
        }
    }
    if (std::string country = text(sc.country_input); !country.empty()) {
        try {
            calendar::normalize_country(country);
        } catch (const std::exception&) {
            std::string shipped;
            for (const auto& c : calendar::supported_countries())
                shipped += (shipped.empty() ? "" : ", ") + c;
            out.push_back({place, sc.country_input,
                           "no holiday calendar for '" + country + "' (relance has " + shipped +
                               "); only the workflow's calendars apply to this contact"});
        }
    }
}

}  // namespace

std::string idempotency_key(const json& record) {
    if (record.is_object() && record.contains("id")) {
        const json& id = record["id"];
        if (id.is_string() && !id.get<std::string>().empty()) return "id:" + id.get<std::string>();
        if (id.is_number()) return "id:" + id.dump();
    }
    // nlohmann::json objects are ordered maps: dump() is canonical for equal records.
    return "sha256:" + sha256_hex(record.dump(), 32);
}

StartResult start_runs(store::Store& store, const model::Workflow& wf,
                       const std::vector<json>& records, const std::vector<std::string>& where,
                       const Clock& clock) {
    StartResult result;
    std::int64_t now = to_unix_ms(clock.now());
    std::int64_t version_id = store.put_workflow_version(wf.name, wf.version, wf.file, wf.source,
                                                         now);
    std::vector<store::NewRun> fresh;
    fresh.reserve(records.size());
    std::set<std::string> enrolled_now;  // contacts started by this call (two rows, one person)
    for (std::size_t i = 0; i < records.size(); ++i) {
        std::vector<model::InputProblem> problems;
        json inputs = model::coerce_inputs(wf, records[i], problems);
        if (!problems.empty()) {
            result.rejected.push_back(
                {i + 1, i < where.size() ? where[i] : "record " + std::to_string(i + 1),
                 std::move(problems)});
            continue;
        }
        std::string key = idempotency_key(records[i]);
        // A record started before is a duplicate (a retried webhook), whatever the policy says.
        if (store.has_run(wf.name, key)) {
            result.duplicates.push_back(key);
            continue;
        }
        std::string place = i < where.size() && !where[i].empty() ? where[i]
                                                                  : "record " + std::to_string(i + 1);
        // An address that cannot be one (a@, +33 12) is refused now, naming the column, rather
        // than failing at the first send.
        std::vector<std::string> identity_problems;
        std::string contact = contact_key_from_inputs(inputs, &identity_problems);
        if (!identity_problems.empty()) {
            std::vector<model::InputProblem> problems;
            for (const auto& p : identity_problems)
                problems.push_back({p.substr(0, p.find(':')), p.substr(p.find(':') + 2)});
            result.rejected.push_back({i + 1, place, std::move(problems)});
            continue;
        }
        if (auto why = enrollment_refusal(store, wf, contact, now, enrolled_now); !why.empty()) {
            result.skipped.push_back({place, contact, why});
            continue;
        }
        if (!contact.empty()) enrolled_now.insert(contact);
        check_zone_and_country(wf, inputs, place, result.warnings);
        store::NewRun r;
        r.id = run_id_for(wf.name, key);
        r.workflow_version_id = version_id;
        r.workflow_name = wf.name;
        r.idempotency_key = key;
        r.contact_key = contact;
        r.identity_keys = identity_keys_from_inputs(inputs);
        r.context = {{"inputs", std::move(inputs)}, {"steps", json::object()},
                     {"vars", json::object()}};
        r.due_at = now;
        fresh.push_back(std::move(r));
    }
    auto created = store.create_runs(fresh, now);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        if (created[i])
            result.started.push_back(fresh[i].id);
        else
            result.duplicates.push_back(fresh[i].idempotency_key);
    }
    return result;
}

void resolve_in_doubt(store::Store& store, const std::string& run_id, Resolution how,
                      const Clock& clock) {
    auto run = store.get_run(run_id);
    if (!run) throw std::runtime_error("no run " + run_id);
    // Only a run paused *because* of an in-doubt step: an old in-doubt row must not be settled
    // for a run paused for another reason.
    if (run->status != store::RunStatus::paused || run->reason.rfind("in doubt:", 0) != 0)
        throw std::runtime_error("run " + run_id + " is " + store::to_string(run->status) +
                                 (run->reason.empty() ? "" : " (" + run->reason + ")") +
                                 ", not paused on an in-doubt step");
    auto steps = store.list_steps(run_id);
    const store::StepRecord* doubt = nullptr;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
        if (it->status == store::StepStatus::in_doubt) {
            doubt = &*it;
            break;
        }
    if (!doubt) throw std::runtime_error("run " + run_id + " has no in-doubt step to resolve");
    std::int64_t now = to_unix_ms(clock.now());

    store::Batch batch;
    store::StepRecord note;
    note.run_id = run_id;
    note.seq = run->next_seq++;
    note.step_id = doubt->step_id;
    note.kind = doubt->kind;
    note.status = store::StepStatus::resolved;
    note.attempt = doubt->attempt;
    note.started_at = now;
    note.finished_at = now;
    note.message_id = doubt->message_id;
    note.detail = how == Resolution::sent
                      ? "resolved by an operator as sent: the step is done, the run goes on"
                      : "resolved by an operator as not sent: the step runs again";
    batch.insert_steps.push_back(note);

    if (how == Resolution::sent) {
        // Move past the step, exactly as a success would, on the run's pinned version.
        auto version = store.get_workflow_version(run->workflow_version_id);
        if (!version) throw std::runtime_error("run " + run_id + ": workflow version missing");
        model::Workflow wf = model::load_workflow_text(version->source, version->file);
        model::Program program = model::compile(wf);
        run->context["steps"][doubt->step_id] = {{"status", "succeeded"},
                                                 {"output", json::object()},
                                                 {"resolved", "sent"}};
        run->node = program.nodes.at(static_cast<std::size_t>(run->node)).next;
        run->attempt = 1;
        run->message_id.clear();
    } else {
        // Not sent: it no longer counts against its sender account's limits.
        batch.delete_sends.emplace_back(run_id, doubt->seq);
    }
    run->status = store::RunStatus::ready;
    run->due_at = now;
    run->reason.clear();
    run->updated_at = now;
    batch.update_runs.push_back(*run);
    store.commit(batch);
}

}  // namespace relance::runtime
