#include <map>
#include <relance/runtime/stats.hpp>

namespace relance::runtime {

std::vector<StepStats> workflow_stats(store::Store& store, const std::string& workflow) {
    // Counted by the store over every run of the workflow (store::WorkflowCounts): the rows come
    // in order of first appearance, each event count names one of them.
    store::WorkflowCounts counts = store.workflow_counts(workflow);
    std::vector<StepStats> rows;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    rows.reserve(counts.sends.size());
    for (auto& s : counts.sends) {
        index[{s.step_id, s.variant}] = rows.size();
        rows.push_back(
            {std::move(s.step_id), std::move(s.kind), std::move(s.variant), s.sent, s.failed, {}});
    }
    for (const auto& e : counts.events) {
        auto it = index.find({e.step_id, e.variant});
        if (it != index.end()) rows[it->second].events[e.type] += e.count;
    }
    return rows;
}

}  // namespace relance::runtime
