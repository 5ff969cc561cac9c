// The JSON answer of a provider callback, built from the event views every front end shares.
#include <nlohmann/json.hpp>
#include <relance/app/inbound.hpp>
#include <relance/app/views.hpp>

namespace relance::app {

nlohmann::json inbound_result_view(const InboundResult& r) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : r.events) events.push_back(event_outcome_view(e));
    nlohmann::json out = {{"plugin", r.plugin},         {"account", r.account},
                          {"received", r.received},     {"recorded", r.recorded},
                          {"duplicates", r.duplicates}, {"unmatched", r.unmatched},
                          {"ignored", r.ignored},       {"events", std::move(events)}};
    if (!r.notes.empty()) out["notes"] = r.notes;
    return out;
}

}  // namespace relance::app
