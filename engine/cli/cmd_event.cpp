// relance event add: record something that happened to a contact (a reply, a bounce...).
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct EventArgs {
    std::string contact;
    std::string type;
    std::string id;
    std::string at;
    std::string data = "{}";
    std::string message;
};

int add_event(const EventArgs& args) {
    // --data and --at were checked by their validators while the command line was parsed.
    app::EventInput event;
    event.contact = args.contact;
    event.type = args.type;
    event.id = args.id;
    event.at = args.at.empty() ? 0 : runtime::parse_iso(args.at);
    *event.data = nlohmann::json::parse(args.data);
    event.message = args.message;
    runtime::EventOutcome out = workspace().add_event(event);
    if (global_options().json) {
        std::cout << app::event_outcome_view(out).dump(2) << "\n";
        return kOk;
    }
    if (!out.recorded) {
        std::cout << "event " << out.event_id << " was already recorded: nothing changed\n";
        return kOk;
    }
    std::cout << "recorded " << args.type << " for " << out.contact_key << " (event "
              << out.event_id << "); " << out.stopped.size() << " run(s) stopped";
    if (!out.in_flight.empty())
        std::cout << ", " << out.in_flight.size()
                  << " held by a worker right now (stopped before their next call)";
    std::cout << "\n";
    if (out.suppressed)
        std::cout << "suppressed " << out.suppressed->kind << " " << out.suppressed->value
                  << (out.suppressed->locked ? " (the person's own: operators cannot lift it)" : "")
                  << "\n";
    return kOk;
}

}  // namespace

void register_event(CLI::App& app) {
    auto* event = app.add_subcommand("event", "record contact events (replied, bounced...)");
    event->require_subcommand(1);
    static EventArgs args;
    auto* add = event->add_subcommand(
        "add",
        "record an event once (by id): runs whose workflow stops on it end, unsubscribes "
        "and hard bounces are suppressed");
    add->add_option("--contact", args.contact, "email, phone (+33...), LinkedIn URL or key")
        ->required();
    add->add_option("--type", args.type,
                    "delivered, opened, clicked, replied, bounced, unsubscribed, or your own")
        ->required();
    add->add_option("--id", args.id, "the provider's event id (dedupe); derived when absent");
    add->add_option("--at", args.at, "when it happened, e.g. 2026-11-21T09:30:00Z (default: now)")
        ->check(iso_time_value());
    add->add_option("--message", args.message,
                    "the engine message id it is about (custom_args.engine_msg_id): attributes "
                    "it to that step in `relance stats`");
    add->add_option("--data", args.data,
                    "JSON object kept with the event ({\"soft\":true} for "
                    "a soft bounce)")
        ->check(json_object_value());
    add->callback([] { set_exit(guarded([] { return add_event(args); })); });
}

}  // namespace relance::cli
