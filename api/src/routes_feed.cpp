// GET /v1/events: the events feed, for polling (Zapier's polling triggers, and the sample and
// "perform list" of its REST Hook triggers). Oldest first after `after` (an event id or seq) or
// `cursor` (a page's next_cursor); newest first with order=desc. POST /v1/events, recording a
// contact's event, is routes_events.cpp's.
#include <relance/app/error.hpp>
#include <relance/app/subscriptions.hpp>

#include "pagination.hpp"
#include "routes.hpp"

namespace relance::api::detail {

namespace {

constexpr std::size_t kMaxTypeText = 512;

std::vector<std::string> split_types(const std::string& text) {
    if (text.size() > kMaxTypeText)
        throw app::Error(app::ErrorKind::invalid, "type is too long", "type");
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string t = text.substr(start, end - start);
        if (t.empty())
            throw app::Error(app::ErrorKind::invalid,
                             "type is a comma-separated list of event types", "type");
        out.push_back(std::move(t));
        start = end + 1;
    }
    return out;
}

Reply list(Call& call) {
    PageRequest page = page_request(call);
    app::FeedRequest request;
    request.limit = page.limit;
    std::string order = call.query("order");
    if (!order.empty() && order != "asc" && order != "desc")
        throw app::Error(app::ErrorKind::invalid, "order must be \"asc\" or \"desc\"", "order");
    request.newest_first = order == "desc";
    std::string after = call.query("after");
    if (!after.empty() && page.after)
        throw app::Error(app::ErrorKind::invalid,
                         "give after or cursor, not both (cursor continues a page, after starts "
                         "after an event)",
                         "after");
    if (!after.empty() || page.after) {
        auto seq = app::feed_seq_of(after.empty() ? *page.after : after);
        if (!seq)
            throw app::Error(app::ErrorKind::invalid,
                             after.empty() ? "cursor is not one this server gave"
                                           : "after must be an event id (evt_12) or its seq (12)",
                             after.empty() ? "cursor" : "after");
        request.after = *seq;
    }
    request.types = split_types(call.query("type"));
    auto found = call.workspace.events_feed(request);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : found.events) items.push_back(app::feed_event_view(e));
    nlohmann::json body{{"events", std::move(items)}};
    finish_page(body, found.more,
                found.events.empty() ? std::string() : std::to_string(found.events.back().seq));
    return {200, std::move(body)};
}

}  // namespace

void add_feed_routes(Router& router) {
    router.add({"GET",
                "/v1/events",
                "events:read",
                BodyKind::none,
                {"after", "cursor", "limit", "type", "order"},
                false,
                false,
                list});
}

}  // namespace relance::api::detail
