// relance subscriptions create | list | delete: outbound webhooks (what POST/GET/DELETE
// /v1/subscriptions do), and relance events tail: the events feed (GET /v1/events).
#include <chrono>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/subscriptions.hpp>
#include <relance/runtime/time_text.hpp>
#include <thread>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

struct CreateArgs {
    std::string url;
    std::string events;
};

int create(const CreateArgs& args) {
    app::NewSubscription made =
        workspace().create_subscription(args.url, split_commas(args.events));
    if (global_options().json) {
        std::cout << app::new_subscription_view(made).dump(2) << "\n";
        return kOk;
    }
    // The secret alone on stdout (a script takes it with `| tail -1`); the advice on stderr.
    std::cerr << "subscription " << made.subscription.id << " to "
              << joined(made.subscription.events)
              << ": keep this signing secret now, it is not shown again\n";
    std::cout << made.secret << "\n";
    return kOk;
}

int list() {
    std::vector<app::SubscriptionInfo> all;
    std::string after;
    for (;;) {
        auto page = workspace().list_subscriptions(after, 1000);
        all.insert(all.end(), page.subscriptions.begin(), page.subscriptions.end());
        if (!page.more || page.subscriptions.empty()) break;
        after = app::subscription_key(page.subscriptions.back());
    }
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : all) out.push_back(app::subscription_view(s));
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(22) << "ID" << std::setw(10) << "STATE" << std::setw(40)
              << "EVENTS"
              << "TARGET\n";
    for (const auto& s : all)
        std::cout << std::left << std::setw(22) << s.id << std::setw(10)
                  << (s.disabled_at ? "disabled" : "active") << std::setw(40) << joined(s.events)
                  << s.target_url << "\n";
    if (all.empty()) std::cout << "(no subscriptions)\n";
    return kOk;
}

int remove(const std::string& id) {
    workspace().delete_subscription(id);
    if (global_options().json) {
        std::cout << nlohmann::json{{"id", id}, {"deleted", true}}.dump(2) << "\n";
        return kOk;
    }
    std::cout << "subscription " << id << " deleted: nothing more is sent to it\n";
    return kOk;
}

struct TailArgs {
    std::string after;
    std::string types;
    int limit = 100;
    bool follow = false;
};

int tail(const TailArgs& args) {
    app::FeedRequest request;
    if (!args.after.empty()) {
        auto seq = app::feed_seq_of(args.after);
        if (!seq)
            throw app::Error(app::ErrorKind::invalid,
                             "--after must be an event id (evt_12) or its seq (12)", "after");
        request.after = *seq;
    }
    request.types = split_commas(args.types);
    request.limit = args.limit;
    const bool json = global_options().json;
    auto print = [&](const app::FeedItem& e) {
        if (json) {
            std::cout << app::feed_event_view(e).dump() << "\n";
        } else {
            std::cout << app::feed_event_id(e.seq) << "  " << runtime::format_iso(e.occurred_at)
                      << "  " << std::left << std::setw(22) << e.type << e.data << "\n";
        }
    };
    // Without --follow, one page; --json then prints it as one object, as the API answers it.
    if (!args.follow) {
        auto page = workspace().events_feed(request);
        if (json) {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& e : page.events) items.push_back(app::feed_event_view(e));
            nlohmann::json out{{"events", std::move(items)}};
            out["last"] = page.events.empty()
                              ? nlohmann::json(nullptr)
                              : nlohmann::json(app::feed_event_id(page.events.back().seq));
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& e : page.events) print(e);
        }
        return kOk;
    }
    // --follow: every event as it comes, one JSON object a line with --json, until interrupted.
    for (;;) {
        auto page = workspace().events_feed(request);
        for (const auto& e : page.events) print(e);
        std::cout.flush();
        if (!page.events.empty()) request.after = page.events.back().seq;
        if (!page.more) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

}  // namespace

void register_subscriptions(CLI::App& app) {
    std::string types_help = "comma-separated event types:";
    for (const auto& t : app::webhook_event_types()) types_help += " " + t;

    auto* subs = app.add_subcommand(
        "subscriptions",
        "outbound webhooks: create (the signing secret is shown once), list, delete");
    subs->require_subcommand(1);
    static CreateArgs create_args;
    auto* c = subs->add_subcommand("create", "subscribe an http(s) URL to event types");
    c->add_option("--url", create_args.url, "the http(s) URL events are POSTed to")->required();
    c->add_option("--events", create_args.events, types_help)->required();
    c->callback([] { set_exit(guarded([] { return create(create_args); })); });
    auto* l = subs->add_subcommand("list", "every subscription (never its secret)");
    l->callback([] { set_exit(guarded(list)); });
    static std::string delete_id;
    auto* d = subs->add_subcommand("delete", "delete a subscription and its pending deliveries");
    d->add_option("id", delete_id, "the subscription's id (sub_...)")->required();
    d->callback([] { set_exit(guarded([] { return remove(delete_id); })); });

    auto* events = app.add_subcommand("events", "the events feed (what webhooks deliver)");
    events->require_subcommand(1);
    static TailArgs tail_args;
    auto* t = events->add_subcommand("tail", "the events after an event, oldest first");
    t->add_option("--after", tail_args.after, "an event id (evt_12) or seq; default: the first");
    t->add_option("--type", tail_args.types, types_help);
    t->add_option("--limit", tail_args.limit, "events per page")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    t->add_flag("--follow,-f", tail_args.follow,
                "keep printing new events as they come (one JSON object a line with --json)");
    t->callback([] { set_exit(guarded([] { return tail(tail_args); })); });
}

}  // namespace relance::cli
