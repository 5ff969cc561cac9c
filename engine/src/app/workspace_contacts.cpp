// The contact operations of a workspace: events, the suppression list, and the reports.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>

namespace relance::app {

runtime::EventOutcome Workspace::add_event(const EventInput& event) {
    std::string why;
    if (!runtime::contact_key_of(event.contact, &why))
        throw Error(ErrorKind::invalid, why, "contact");
    if (event.type.empty()) throw Error(ErrorKind::invalid, "an event needs a type", "type");
    const nlohmann::json& data = *event.data;
    if (!data.is_null() && !data.is_object())
        throw Error(ErrorKind::invalid, "the event's data must be a JSON object", "data");
    return runtime::record_contact_event(store(), event.contact, event.type, event.id, event.at,
                                         data.is_object() ? data : nlohmann::json::object(), clock_,
                                         event.message);
}

store::Suppression Workspace::suppress(const std::string& entry, const std::string& source,
                                       const std::string& reason) {
    std::string why;
    auto s = runtime::suppress(store(), entry, source, reason, clock_, &why);
    if (!s) throw Error(ErrorKind::invalid, "'" + entry + "': " + why, "entry");
    return *s;
}

void Workspace::unsuppress(const std::string& entry) {
    std::string why;
    switch (runtime::unsuppress(store(), entry, &why)) {
        case runtime::Unsuppress::removed:
            return;
        case runtime::Unsuppress::not_an_entry:
            throw Error(ErrorKind::invalid, "'" + entry + "': " + why, "entry");
        case runtime::Unsuppress::not_listed:
            throw Error(ErrorKind::not_found, why, "entry");
        case runtime::Unsuppress::locked:
            throw Error(ErrorKind::conflict, why, "entry");
    }
}

std::vector<store::Suppression> Workspace::suppressions() {
    return store().list_suppressions();
}

std::vector<runtime::StepStats> Workspace::stats(const std::string& workflow) {
    return runtime::workflow_stats(store(), workflow);
}

}  // namespace relance::app
