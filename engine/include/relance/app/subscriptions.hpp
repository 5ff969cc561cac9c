// Outbound webhooks (Zapier REST Hooks and any other receiver): what the events feed holds, the
// subscriptions that hear of it, and what one delivery pass did. The Workspace operations are in
// workspace.hpp ("outbound webhooks"); the JSON views, shared by the API and the command line,
// are here.
//
// An event is written by the store in the transaction of the change that causes it (the
// schema's triggers), so the feed misses nothing and shows nothing that was rolled back.
// Deliveries go out from a durable outbox: at least once per subscription and event, signed the
// Standard Webhooks way, the same webhook-id on every retry (receivers dedupe on it).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace relance::app {

// Every event type, in the order docs/api.md lists them. task.created is defined (it may be
// subscribed to) but nothing emits it yet: the engine has no task steps.
const std::vector<std::string>& webhook_event_types();

// A subscription as listed: never its secret.
struct SubscriptionInfo {
    std::string id;  // "sub_" + 16 hex characters
    std::string target_url;
    std::vector<std::string> events;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> disabled_at;  // set when the target answered 410 Gone
    std::string disabled_reason;
};

struct NewSubscription {
    SubscriptionInfo subscription;
    std::string secret;  // "whsec_...": shown once, kept only sealed
};

struct SubscriptionPage {
    std::vector<SubscriptionInfo> subscriptions;
    bool more = false;  // another page follows: continue after the last one's key
};
// The paging key of a subscription ("<created_at>/<id>"), opaque to clients.
std::string subscription_key(const SubscriptionInfo& s);

// One event of the feed.
struct FeedItem {
    std::int64_t seq = 0;
    std::string type;
    std::int64_t occurred_at = 0;
    std::string data;  // a JSON object
};

struct FeedRequest {
    std::int64_t after = 0;  // seq: events after it (before it, newest first)
    bool newest_first = false;
    std::vector<std::string> types;  // empty = all
    int limit = 100;
};

struct FeedPage {
    std::vector<FeedItem> events;
    bool more = false;  // a full page: more may follow
};

// What one delivery pass did (the worker calls Workspace::deliver_webhooks about once a second).
struct DeliveryPass {
    std::int64_t fanned_out = 0;  // new deliveries made from the feed
    int delivered = 0;
    int retrying = 0;                 // failed this time, due again later
    int failed = 0;                   // given up (attempts or age exhausted)
    int gone = 0;                     // 410: the subscription is disabled
    std::vector<std::string> errors;  // for the worker's log (never a secret)
};

// The event as the feed lists it and as a webhook body carries it:
// {"id":"evt_12","seq":12,"type":"run.completed","timestamp":"2026-...Z","data":{...}}.
nlohmann::json feed_event_view(const FeedItem& event);
// A subscription as listed: id, target_url, events, created_at, disabled_at, disabled_reason.
nlohmann::json subscription_view(const SubscriptionInfo& s);
// As created: the listed view plus "secret" (the only time it is shown).
nlohmann::json new_subscription_view(const NewSubscription& s);
nlohmann::json delivery_pass_view(const DeliveryPass& pass);

// The event id of a feed seq ("evt_12"), and back (also taking the plain number); nullopt when
// it is neither.
std::string feed_event_id(std::int64_t seq);
std::optional<std::int64_t> feed_seq_of(const std::string& id_or_seq);

// Checks a subscription's target URL: an absolute http or https URL with a host, no user
// information, no whitespace or control characters, at most 2,048 bytes. The reason when it is
// not one, else "".
std::string target_url_problem(const std::string& url);

}  // namespace relance::app
