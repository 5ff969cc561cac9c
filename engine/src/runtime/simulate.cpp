#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/simulate.hpp>

namespace relance::runtime {

SimulationReport simulate(store::Store& store, host::PluginHost& host, VirtualClock& clock,
                          const model::Workflow& wf, const std::vector<nlohmann::json>& records,
                          const std::vector<std::string>& where, const SimulationOptions& options) {
    SimulationReport report;
    report.workflow = wf.name;
    report.version = wf.version;
    report.start = to_unix_ms(clock.now());
    report.end = report.start + static_cast<std::int64_t>(options.days) * 24 * 3600 * 1000;
    report.started = start_runs(store, wf, records, where, clock);

    // Lockstep: the same scenario gives the same simulation, whatever order calls complete in.
    ExecutorOptions executor_options = options.executor;
    executor_options.lockstep = true;
    Executor executor(store, host, clock, executor_options);
    // Scenario events waiting for their time, and how far the outbox has been read.
    std::multimap<std::int64_t, std::pair<std::string, std::string>> pending;  // at -> (type, msg)
    std::map<std::string, std::string> contact_of_run;
    std::int64_t outbox_seen = 0;
    for (;;) {
        executor.run_due();
        if (options.scenario) {
            for (const auto& sent :
                 store.sandbox_field_since("outbox", "engine_msg_id", outbox_seen, 1 << 30)) {
                outbox_seen = sent.id;
                const std::string& msg = sent.value;
                auto first = msg.find('.'), last = msg.rfind('.');
                if (msg.empty() || first == last) continue;
                std::string step = msg.substr(first + 1, last - first - 1);
                for (const auto& [type, after] : options.scenario->draw(step, msg))
                    pending.emplace(sent.recorded_at + after.count(), std::make_pair(type, msg));
            }
        }
        // Deliver scenario events in time order until a run comes due; only then run the
        // executor again (a claim per event would cost more than the event itself).
        bool run_now = false;
        for (;;) {
            auto next_run = store.next_due();
            bool event_first =
                !pending.empty() && (!next_run || pending.begin()->first <= *next_run);
            if (!event_first) {
                if (!next_run || *next_run > report.end) break;
                clock.set(from_unix_ms(*next_run));
                run_now = true;
                break;
            }
            auto [at, what] = *pending.begin();
            if (at > report.end) break;
            pending.erase(pending.begin());
            clock.set(from_unix_ms(at));
            const std::string& msg = what.second;
            std::string run = msg.substr(0, msg.find('.'));
            auto& contact = contact_of_run[run];
            if (contact.empty())
                if (auto r = store.get_run(run)) contact = r->contact_key;
            if (contact.empty()) continue;
            auto out =
                record_contact_event(store, contact, what.first, "sim:" + what.first + ":" + msg,
                                     at, nlohmann::json::object(), clock, msg);
            ++report.events[what.first];
            if (!out.woken.empty()) {
                run_now = true;
                break;
            }
        }
        if (!run_now) break;
    }
    report.stats = executor.stats();
    report.counts = store.count_runs();

    // Totals per step, in program order.
    model::Program program = model::compile(wf);
    std::map<std::string, std::size_t> index;
    for (const auto& node : program.nodes) {
        index[node.step->id] = report.steps.size();
        StepTotals t;
        t.step_id = node.step->id;
        t.kind = node.step->kind == model::StepKind::action
                     ? node.step->plugin + "." + node.step->action
                     : model::to_string(node.step->kind);
        report.steps.push_back(t);
    }

    store::RunFilter all;
    all.workflow = wf.name;
    all.limit = 1 << 30;
    for (const auto& run : store.list_runs(all)) {
        SimulatedLead lead;
        lead.run_id = run.id;
        const auto& inputs = run.context->value("inputs", nlohmann::json::object());
        if (inputs.contains("email") && inputs["email"].is_string())
            lead.lead = inputs["email"].get<std::string>();
        else if (inputs.contains("id"))
            lead.lead =
                inputs["id"].is_string() ? inputs["id"].get<std::string>() : inputs["id"].dump();
        else
            lead.lead = run.id;
        lead.status = run.status;
        lead.reason = run.reason;
        if (store::is_terminal(run.status)) lead.finished_at = run.updated_at;
        for (const auto& s : store.list_steps(run.id)) {
            if (s.status == store::StepStatus::deferred) {
                // The reason, without the times and figures: "outside the send window",
                // "mailbox daily cap of alice@acme.test", "ramp-up day 0 of ...".
                std::string why = s.detail.substr(0, s.detail.find_first_of(";'"));
                for (auto open = why.find(" ("); open != std::string::npos; open = why.find(" (")) {
                    auto close = why.find(')', open);
                    if (close == std::string::npos) break;
                    why.erase(open, close - open + 1);
                }
                if (auto colon = why.find(": "); colon != std::string::npos) {
                    auto of = why.find(" of ", colon);
                    why.erase(colon, of == std::string::npos ? std::string::npos : of - colon);
                }
                if (auto comma = why.find(", then behind"); comma != std::string::npos)
                    why.erase(comma);
                while (!why.empty() && why.back() == ' ') why.pop_back();
                ++report.deferrals[why];
            }
            auto it = index.find(s.step_id);
            if (it != index.end()) {
                auto& t = report.steps[it->second];
                if (s.status == store::StepStatus::succeeded ||
                    s.status == store::StepStatus::done ||
                    s.status == store::StepStatus::reconciled ||
                    s.status == store::StepStatus::waiting)
                    ++t.succeeded;
                else if (s.status == store::StepStatus::failed)
                    ++t.failed;
                else if (s.status == store::StepStatus::skipped)
                    ++t.skipped;
                else if (s.status == store::StepStatus::retry ||
                         s.status == store::StepStatus::rate_limited)
                    ++t.retried;
                else if (s.status == store::StepStatus::in_doubt)
                    ++t.in_doubt;
            }
            if (s.kind.find('.') != std::string::npos)
                lead.actions.push_back({s.started_at, s.step_id, s.kind, s.status, s.detail});
        }
        report.leads.push_back(std::move(lead));
    }
    report.variants = workflow_stats(store, wf.name);
    // Leads in input order (run ids are random).
    std::map<std::string, std::size_t> order;
    for (std::size_t i = 0; i < report.started.started.size(); ++i)
        order[report.started.started[i]] = i;
    std::stable_sort(report.leads.begin(), report.leads.end(), [&](const auto& a, const auto& b) {
        auto ia = order.find(a.run_id), ib = order.find(b.run_id);
        std::size_t x = ia == order.end() ? order.size() : ia->second;
        std::size_t y = ib == order.end() ? order.size() : ib->second;
        return x < y;
    });
    return report;
}

}  // namespace relance::runtime
