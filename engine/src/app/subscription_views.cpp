// Outbound webhooks: the event types, the JSON views of events and subscriptions (the API and
// `relance --json` print the same), event ids, and the check of a target URL.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <relance/app/subscriptions.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::app {

namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxHostBytes = 253 + 8;  // a DNS name, or a bracketed IPv6, and a port

nlohmann::json time_or_null(const std::optional<std::int64_t>& at) {
    return at ? nlohmann::json(runtime::format_iso(*at)) : nlohmann::json(nullptr);
}

}  // namespace

const std::vector<std::string>& webhook_event_types() {
    static const std::vector<std::string> kTypes = {
        "run.started",     "run.completed",   "run.failed",           "run.exited",  "step.sent",
        "contact.replied", "contact.bounced", "contact.unsubscribed", "task.created"};
    return kTypes;
}

std::string subscription_key(const SubscriptionInfo& s) {
    return std::to_string(s.created_at) + "/" + s.id;
}

std::string feed_event_id(std::int64_t seq) {
    return "evt_" + std::to_string(seq);
}

std::optional<std::int64_t> feed_seq_of(const std::string& id_or_seq) {
    std::string_view digits = id_or_seq;
    if (digits.starts_with("evt_")) digits.remove_prefix(4);
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoll(std::string(digits));
}

nlohmann::json feed_event_view(const FeedItem& event) {
    // The data is the store's own JSON object; a damaged one is shown as null, not refused.
    nlohmann::json data = nlohmann::json::parse(event.data, nullptr, false);
    if (data.is_discarded()) data = nullptr;
    return nlohmann::json{{"id", feed_event_id(event.seq)},
                          {"seq", event.seq},
                          {"type", event.type},
                          {"timestamp", runtime::format_iso(event.occurred_at)},
                          {"data", std::move(data)}};
}

nlohmann::json subscription_view(const SubscriptionInfo& s) {
    return nlohmann::json{{"id", s.id},
                          {"target_url", s.target_url},
                          {"events", s.events},
                          {"created_at", runtime::format_iso(s.created_at)},
                          {"disabled_at", time_or_null(s.disabled_at)},
                          {"disabled_reason", s.disabled_reason}};
}

nlohmann::json new_subscription_view(const NewSubscription& s) {
    nlohmann::json j = subscription_view(s.subscription);
    j["secret"] = s.secret;
    return j;
}

nlohmann::json delivery_pass_view(const DeliveryPass& pass) {
    return nlohmann::json{
        {"fanned_out", pass.fanned_out}, {"delivered", pass.delivered}, {"retrying", pass.retrying},
        {"failed", pass.failed},         {"gone", pass.gone},           {"errors", pass.errors}};
}

std::string target_url_problem(const std::string& url) {
    if (url.empty()) return "target_url is empty";
    if (url.size() > kMaxUrlBytes)
        return "target_url is longer than " + std::to_string(kMaxUrlBytes) + " bytes";
    for (unsigned char c : url)
        if (c <= 0x20 || c == 0x7f || c >= 0x80)
            return "target_url holds a space, a control character or a non-ASCII byte "
                   "(percent-encode it)";
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return "target_url must be an absolute http(s) URL";
    std::string scheme = url.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme != "http" && scheme != "https")
        return "target_url must use http or https, not '" + scheme.substr(0, 16) + "'";
    auto host_begin = scheme_end + 3;
    auto host_end = url.find_first_of("/?#", host_begin);
    std::string authority = url.substr(
        host_begin, host_end == std::string::npos ? std::string::npos : host_end - host_begin);
    if (authority.empty()) return "target_url has no host";
    if (authority.find('@') != std::string::npos)
        return "target_url must not hold credentials (user@host)";
    if (authority.size() > kMaxHostBytes) return "target_url's host is too long";
    // host[:port]: a bracketed IPv6 literal, or a name / IPv4 of letters, digits, '-', '.'.
    std::string host = authority;
    std::string port;
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string::npos) return "target_url's IPv6 host has no ']'";
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), [](unsigned char c) {
                return std::isxdigit(c) || c == ':' || c == '.';
            }))
            return "target_url's IPv6 host is malformed";
        if (!port.empty() && port.front() != ':') return "target_url's host is malformed";
        if (!port.empty()) port.erase(0, 1);
    } else {
        if (auto colon = host.find(':'); colon != std::string::npos) {
            port = host.substr(colon + 1);
            host.erase(colon);
        }
        if (host.empty() || !std::all_of(host.begin(), host.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '-' || c == '.' || c == '_';
            }))
            return "target_url's host is malformed";
    }
    if (!port.empty() || authority.back() == ':') {
        bool digits =
            !port.empty() && port.size() <= 5 &&
            std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
            return "target_url's port must be a number from 1 to 65535";
    }
    if (url.find('#') != std::string::npos) return "target_url must not have a fragment (#)";
    return "";
}

}  // namespace relance::app
