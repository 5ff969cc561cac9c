// Outbound webhooks: subscriptions (created with their signing secret, shown once and stored
// sealed), and the events feed that Zapier's polling triggers and `relance events tail` read.
#include <algorithm>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/random.hpp>
#include <relance/signatures/standard_webhooks.hpp>

namespace relance::app {

namespace {

constexpr int kMaxEventTypes = 32;

SubscriptionInfo listed(const store::Store::Subscription& s) {
    SubscriptionInfo info;
    info.id = s.id;
    info.target_url = s.target_url;
    info.events = s.events;
    info.created_at = s.created_at;
    info.disabled_at = s.disabled_at;
    info.disabled_reason = s.disabled_reason;
    return info;
}

bool known_type(const std::string& type) {
    const auto& types = webhook_event_types();
    return std::find(types.begin(), types.end(), type) != types.end();
}

std::string known_types_text() {
    std::string out;
    for (const auto& t : webhook_event_types()) out += (out.empty() ? "" : ", ") + t;
    return out;
}

// The types asked for, each known, without repeats, in the order given.
std::vector<std::string> checked_types(const std::vector<std::string>& types,
                                       const std::string& field) {
    if (types.size() > static_cast<std::size_t>(kMaxEventTypes))
        throw Error(ErrorKind::invalid, "too many event types", field);
    std::vector<std::string> out;
    for (const auto& t : types) {
        if (!known_type(t))
            throw Error(
                ErrorKind::invalid,
                "unknown event type '" + t.substr(0, 64) + "' (known: " + known_types_text() + ")",
                field);
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
    return out;
}

}  // namespace

NewSubscription Workspace::create_subscription(const std::string& target_url,
                                               const std::vector<std::string>& events) {
    if (std::string why = target_url_problem(target_url); !why.empty())
        throw Error(ErrorKind::invalid, why, "target_url");
    if (events.empty())
        throw Error(
            ErrorKind::invalid,
            "a subscription needs at least one event type (known: " + known_types_text() + ")",
            "events");
    std::vector<std::string> types = checked_types(events, "events");

    NewSubscription made;
    made.secret = signatures::generate_standard_webhook_secret(32);
    store::Store::Subscription row;
    std::string raw = signatures::random_bytes(8);
    row.id = "sub_" + signatures::hex_encode(raw);
    row.target_url = target_url;
    row.events = std::move(types);
    row.sealed_secret = secret_seal().seal(made.secret);
    row.created_at = to_unix_ms(clock_.now());
    made.subscription = listed(store().put_subscription(row));
    return made;
}

SubscriptionPage Workspace::list_subscriptions(const std::string& after, int limit) {
    std::int64_t after_at = 0;
    std::string after_id;
    if (!after.empty()) {
        auto slash = after.find('/');
        bool ok = slash != std::string::npos && slash > 0 && slash < 20 &&
                  slash + 1 < after.size() &&
                  std::all_of(after.begin(), after.begin() + static_cast<long>(slash),
                              [](char c) { return c >= '0' && c <= '9'; });
        if (!ok) throw Error(ErrorKind::invalid, "not a subscription cursor", "cursor");
        after_at = std::stoll(after.substr(0, slash));
        after_id = after.substr(slash + 1);
    }
    limit = std::clamp(limit, 1, 1000);
    auto rows = store().list_subscriptions(after_at, after_id, limit + 1);
    SubscriptionPage page;
    page.more = rows.size() > static_cast<std::size_t>(limit);
    if (page.more) rows.resize(static_cast<std::size_t>(limit));
    for (const auto& r : rows) page.subscriptions.push_back(listed(r));
    return page;
}

SubscriptionInfo Workspace::get_subscription(const std::string& id) {
    auto row = store().get_subscription(id);
    if (!row) throw Error(ErrorKind::not_found, "no subscription " + id.substr(0, 64), "id");
    return listed(*row);
}

void Workspace::delete_subscription(const std::string& id) {
    if (!store().delete_subscription(id))
        throw Error(ErrorKind::not_found, "no subscription " + id.substr(0, 64), "id");
}

FeedPage Workspace::events_feed(const FeedRequest& request) {
    store::Store::FeedQuery q;
    q.after = std::max<std::int64_t>(0, request.after);
    q.descending = request.newest_first;
    q.types = checked_types(request.types, "type");
    q.limit = std::clamp(request.limit, 1, 1000);
    FeedPage page;
    for (auto& e : store().feed(q))
        page.events.push_back({e.seq, std::move(e.type), e.occurred_at, std::move(e.data)});
    page.more = page.events.size() == static_cast<std::size_t>(q.limit);
    return page;
}

}  // namespace relance::app
