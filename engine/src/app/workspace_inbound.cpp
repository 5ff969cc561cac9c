// Provider callbacks: the request goes to the plugin's inbound role, which says whether it is
// genuine and what happened to whom; each event is then recorded as `relance event add` records
// one. Nothing is recorded from a request the plugin refused.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/inbound.hpp>
#include <relance/app/workspace.hpp>
#include <relance/host/plugin_host.hpp>

namespace relance::app {

namespace {

// One account per plugin until sender accounts carry secrets of their own: the account segment
// is there so that provider URLs need not change then.
constexpr const char* kDefaultAccount = "default";
constexpr std::size_t kMaxNotes = 20;

void note(InboundResult& result, std::string text) {
    if (result.notes.size() < kMaxNotes) result.notes.push_back(std::move(text));
}

}  // namespace

InboundResult Workspace::receive_inbound(const InboundRequest& request) {
    host::PluginHost& host = active_plugins();
    host::LoadedPlugin* plugin = host.find(request.plugin);
    if (!plugin) {
        // Loaded but not started: the provider should come back once it is fixed.
        if (auto problem = host.plugin_problem(request.plugin))
            throw Error(ErrorKind::busy, "plugin " + request.plugin + " " + *problem, "plugin");
        throw Error(ErrorKind::not_found, "no plugin named '" + request.plugin + "' is loaded",
                    "plugin");
    }
    if (!plugin->has_inbound())
        throw Error(ErrorKind::not_found, "plugin " + request.plugin + " takes no callbacks",
                    "plugin");
    if (request.account != kDefaultAccount)
        throw Error(ErrorKind::not_found,
                    "plugin " + request.plugin + " has no account '" + request.account +
                        "' (one account per plugin for now: 'default')",
                    "account");

    host::InboundCall call;
    call.account = request.account;
    call.path = request.path;
    call.headers = request.headers;
    call.body = request.body;
    host::InboundOutcome answer = plugin->receive(call);
    using S = host::InboundOutcome::Status;
    switch (answer.status) {
        case S::ok:
            break;
        case S::unauthorized:
            throw Error(ErrorKind::unauthorized, answer.error);
        case S::invalid:
            throw Error(ErrorKind::invalid, answer.error, answer.field);
        case S::unavailable:
            throw Error(ErrorKind::busy, answer.error);
        case S::no_role:
            throw Error(ErrorKind::not_found, answer.error, "plugin");
        case S::failed:
            throw Error(ErrorKind::failure, answer.error);
    }

    InboundResult result;
    result.plugin = request.plugin;
    result.account = request.account;
    result.received = answer.events.size();
    result.ignored = answer.ignored;
    for (auto& n : answer.notes) note(result, std::move(n));
    for (std::size_t i = 0; i < answer.events.size(); ++i) {
        host::InboundEvent& e = answer.events[i];
        EventInput event;
        event.contact = e.contact;
        event.type = e.type;
        // Provider event ids are unique per provider only: the plugin's name keeps two providers
        // from sharing one id space (DESIGN invariant 4 dedupes on it).
        event.id = request.plugin + ":" + e.id;
        event.at = e.at_ms;
        event.message = e.message_id;
        // The engine message id is <run>.<step>.<seq>: the run it names is the one concerned,
        // whoever wrote (a colleague answering for the contact stops the contact's sequence).
        if (!e.message_id.empty()) {
            std::string run_id = e.message_id.substr(0, e.message_id.find('.'));
            if (auto run = store().get_run(run_id); run && !run->contact_key.empty()) {
                event.contact = run->contact_key;
                // Providers tell time in whole seconds: news about one of the run's messages is
                // never older than the run, which would make its stop rules skip it.
                if (event.at > 0 && event.at < run->created_at) event.at = run->created_at;
            }
        }
        std::string why;
        if (!runtime::contact_key_of(event.contact, &why)) {
            ++result.unmatched;
            note(result, "events[" + std::to_string(i) + "] (" + e.type + " " + e.id +
                             ") names no contact: " + why);
            continue;
        }
        nlohmann::json data = e.data->is_object() ? *e.data : nlohmann::json::object();
        if (!data.contains("provider")) data["provider"] = request.plugin;
        *event.data = std::move(data);
        // Each event commits with the suppression it causes; a provider that sends the batch
        // again after a failure half way gets the rest recorded and the rest only.
        runtime::EventOutcome outcome = add_event(event);
        (outcome.recorded ? result.recorded : result.duplicates)++;
        result.events.push_back(std::move(outcome));
    }
    return result;
}

}  // namespace relance::app
