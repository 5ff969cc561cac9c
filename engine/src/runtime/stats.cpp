#include <algorithm>
#include <relance/runtime/stats.hpp>

namespace relance::runtime {

namespace {

std::string variant_of(const std::string& detail) {
    static const std::string prefix = "variant ";
    if (detail.rfind(prefix, 0) != 0) return {};
    // "variant a" or "variant a, from sam@acme.test": the name ends at a comma or a space.
    return detail.substr(prefix.size(), detail.find_first_of(", ", prefix.size()) - prefix.size());
}

}  // namespace

std::vector<StepStats> workflow_stats(store::Store& store, const std::string& workflow) {
    std::vector<StepStats> rows;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    auto row = [&](const store::StepRecord& s, const std::string& variant) -> StepStats& {
        auto key = std::make_pair(s.step_id, variant);
        auto it = index.find(key);
        if (it != index.end()) return rows[it->second];
        index[key] = rows.size();
        rows.push_back({s.step_id, s.kind, variant, 0, 0, {}});
        return rows.back();
    };

    store::RunFilter filter;
    filter.workflow = workflow;
    filter.limit = 1 << 30;
    for (const auto& run : store.list_runs(filter)) {
        struct Sent {
            std::int64_t at;
            std::string message_id;
            std::size_t row;
        };
        std::vector<Sent> sent;
        for (const auto& s : store.list_steps(run.id)) {
            if (s.kind.find('.') == std::string::npos) continue;  // actions only
            std::string variant = variant_of(s.detail);
            if (s.status == store::StepStatus::succeeded || s.status == store::StepStatus::reconciled) {
                StepStats& r = row(s, variant);
                ++r.sent;
                sent.push_back({s.finished_at.value_or(s.started_at), s.message_id,
                                index[{s.step_id, variant}]});
            } else if (s.status == store::StepStatus::failed) {
                ++row(s, variant).failed;
            }
        }
        if (run.contact_key.empty() || sent.empty()) continue;
        for (const auto& e : store.events_for({run.contact_key}, run.created_at)) {
            const Sent* to = nullptr;
            for (const auto& m : sent)
                if (!e.message_id.empty() && m.message_id == e.message_id) to = &m;
            if (!to && e.message_id.empty())
                for (const auto& m : sent)
                    if (m.at <= e.occurred_at) to = &m;  // the latest before the event
            if (to) ++rows[to->row].events[e.type];
        }
    }
    return rows;
}

}  // namespace relance::runtime
