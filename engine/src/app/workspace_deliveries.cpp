// Outbound webhooks: the outbox's delivery pass. The feed is fanned out into deliveries, then
// the deliveries due go out as POSTs signed the Standard Webhooks way, each outcome recorded:
//
//   2xx             delivered
//   410 Gone        the receiver unsubscribed: the subscription is disabled (Zapier REST Hooks)
//   anything else   retried after an exponential backoff with jitter (a Retry-After of up to an
//                   hour is honoured), until kMaxAttempts attempts or kMaxAge, then failed
//
// An attempt is recorded after it was made, so a crash in between repeats it (at least once;
// the webhook-id is the same on every attempt, for receivers to dedupe on). Targets get bounded
// time (kTimeout), and a subscription whose attempt failed gets no other attempt in the same
// pass, so one dead receiver delays the others by one timeout at most.
#include <chrono>
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/policy/jitter.hpp>
#include <relance/policy/retry.hpp>
#include <relance/signatures/standard_webhooks.hpp>
#include <set>

#include "../host/http_client.hpp"

namespace relance::app {

namespace {

constexpr int kFanOutEvents = 1000;  // events per subscription per pass
constexpr int kBatch = 64;           // deliveries read at a time
constexpr auto kPassBudget = std::chrono::seconds(2);
constexpr auto kTimeout = std::chrono::seconds(5);
constexpr auto kConnectTimeout = std::chrono::seconds(3);
constexpr int kMaxAttempts = 16;
constexpr std::int64_t kMaxAgeMs = 3LL * 24 * 3600 * 1000;  // 3 days
constexpr Millis kRetryBase{1000};                          // 1 s, 4 s, 16 s, ... 6 h
constexpr double kRetryFactor = 4.0;
constexpr Millis kRetryMax{6LL * 3600 * 1000};
constexpr Millis kRetryAfterCap{3600LL * 1000};

// The webhook-id of one event to one subscription: the same on every attempt.
std::string message_id(const store::Store::Delivery& d) {
    return feed_event_id(d.event_seq) + "_" + d.subscription_id;
}

std::uint64_t seed_of(const store::Store::Delivery& d) {
    std::uint64_t h = static_cast<std::uint64_t>(d.event_seq);
    for (unsigned char c : d.subscription_id) h = policy::splitmix64(h ^ c);
    return h;
}

// A Retry-After of whole seconds (the HTTP-date form is not worth its parser here).
Millis retry_after_of(const nlohmann::json& response) {
    auto headers = response.find("headers");
    if (headers == response.end() || !headers->is_object()) return Millis{0};
    auto it = headers->find("retry-after");
    if (it == headers->end() || !it->is_string()) return Millis{0};
    const std::string& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return Millis{0};
    return std::min(Millis{std::stoll(text) * 1000}, kRetryAfterCap);
}

}  // namespace

class Workspace::WebhookSender {
  public:
    WebhookSender() : client_(redactor_, options()) {}
    nlohmann::json post(const std::string& url, const std::string& body,
                        const signatures::StandardWebhookHeaders& h) {
        nlohmann::json request{{"method", "POST"},
                               {"url", url},
                               {"headers",
                                {{"content-type", "application/json"},
                                 {"user-agent", "relance-webhooks/1"},
                                 {"webhook-id", h.id},
                                 {"webhook-timestamp", h.timestamp},
                                 {"webhook-signature", h.signature}}},
                               {"body", body},
                               {"timeout_ms", std::chrono::milliseconds(kTimeout).count()}};
        return client_.perform(request);
    }

  private:
    static host::detail::HttpClient::Options options() {
        host::detail::HttpClient::Options o;
        o.default_timeout = kTimeout;
        o.max_connect_timeout = kConnectTimeout;
        return o;
    }
    host::detail::Redactor redactor_;
    host::detail::HttpClient client_;
};

DeliveryPass Workspace::deliver_webhooks() {
    std::lock_guard pass_lock(webhook_m_);
    if (!webhook_sender_) webhook_sender_ = std::make_shared<WebhookSender>();
    store::Store& s = store();
    DeliveryPass pass;
    pass.fanned_out = s.fan_out_deliveries(to_unix_ms(clock_.now()), kFanOutEvents);

    const auto started = std::chrono::steady_clock::now();
    std::set<std::string> failing;  // subscriptions whose attempt failed in this pass
    for (;;) {
        const std::int64_t now = to_unix_ms(clock_.now());
        auto due = s.due_deliveries(now, kBatch);
        std::vector<store::Store::DeliveryOutcome> outcomes;
        std::size_t skipped = 0;
        for (const auto& d : due) {
            if (failing.count(d.subscription_id)) {
                ++skipped;
                continue;
            }
            store::Store::DeliveryOutcome o;
            o.subscription_id = d.subscription_id;
            o.event_seq = d.event_seq;
            Millis floor{0};
            try {
                std::string secret = secret_seal().open(d.sealed_secret);
                FeedItem item{d.event.seq, d.event.type, d.event.occurred_at, d.event.data};
                std::string body = feed_event_view(item).dump();
                auto headers = signatures::sign_standard_webhook(
                    secret, message_id(d), to_unix_ms(clock_.now()) / 1000, body);
                nlohmann::json response = webhook_sender_->post(d.target_url, body, headers);
                if (auto err = response.find("error"); err != response.end()) {
                    o.error = err->value("kind", "other") + " error (no HTTP answer)";
                } else {
                    o.status_code = response.value("status", 0);
                    if (o.status_code >= 200 && o.status_code < 300)
                        o.result = store::Store::DeliveryOutcome::Result::delivered;
                    else if (o.status_code == 410)
                        o.result = store::Store::DeliveryOutcome::Result::gone;
                    else
                        o.error = "HTTP " + std::to_string(o.status_code);
                    floor = retry_after_of(response);
                }
            } catch (const std::exception& e) {
                // The secret does not open (another master key), or signing refused it.
                o.error = e.what();
            }
            using Result = store::Store::DeliveryOutcome::Result;
            if (o.result == Result::retry) {
                failing.insert(d.subscription_id);
                const int attempt = d.attempts + 1;  // the one just made
                const std::int64_t at = to_unix_ms(clock_.now());
                if (attempt >= kMaxAttempts || at - d.created_at >= kMaxAgeMs) {
                    o.result = Result::failed;
                    ++pass.failed;
                } else {
                    o.next_at = at + policy::backoff(attempt, kRetryBase, kRetryFactor, kRetryMax,
                                                     floor, 0.5, seed_of(d))
                                         .count();
                    ++pass.retrying;
                }
                pass.errors.push_back("webhook " + d.subscription_id + " event " +
                                      feed_event_id(d.event_seq) + ": " + o.error);
            } else if (o.result == Result::delivered) {
                ++pass.delivered;
            } else if (o.result == Result::gone) {
                ++pass.gone;
                failing.insert(d.subscription_id);  // disabled: its other deliveries drop
            }
            outcomes.push_back(std::move(o));
        }
        s.record_deliveries(outcomes, to_unix_ms(clock_.now()));
        // A short batch was all that is due (what remains was skipped on purpose).
        if (due.size() < static_cast<std::size_t>(kBatch) || outcomes.empty() ||
            skipped == due.size() || std::chrono::steady_clock::now() - started >= kPassBudget)
            break;
    }
    return pass;
}

}  // namespace relance::app
