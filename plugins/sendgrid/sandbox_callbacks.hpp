// What the SendGrid emulator posts back to relance, as SendGrid would: signed Event Webhook
// batches (processed and delivered for every accepted message, or what a rule says) and
// Inbound Parse posts for replies. With `callback_url` set, deliveries leave from a thread of
// their own after their delay (real time), and are tried again on a 5xx or no answer; the
// control endpoints (/__sandbox/events, /__sandbox/reply) post at once and return the answer.
//
// Config (the emulator's):
//   "callback_url": "http://127.0.0.1:8080/v1/inbound/sendgrid/default"
//   "callback_delay_ms": 0            after acceptance, before the delivered batch
//   "auto_events": [{"to": "*@bounce.test", "event": "bounce"},
//                   {"to": "ana@*", "event": "reply", "delay_ms": 500, "text": "Not now"}]
//       event: bounce | blocked | dropped (instead of delivered), open | click | unsubscribe |
//              spamreport (after delivered), reply (an Inbound Parse post)
//   "duplicate_events": true          every batch posted twice (SendGrid delivers at least once)
//   "webhook_private_key": "-----BEGIN PRIVATE KEY-----..."  (default: sandbox_key.hpp)
#pragma once

#include <map>
#include <memory>
#include <relance/plugin.hpp>
#include <string>

namespace relance::plugins::sendgrid {

struct Delivery {
    std::string kind;  // "event_webhook" or "inbound_parse"
    std::string url;
    std::map<std::string, std::string> headers;
    std::string body;
};

class CallbackDesk {
  public:
    // Throws std::invalid_argument on a bad config (a key that is not P-256, a rule without
    // "to" or with an unknown event).
    CallbackDesk(sdk::Host host, const sdk::json& config);
    ~CallbackDesk();  // stops the delivery thread; what is still queued is dropped
    CallbackDesk(const CallbackDesk&) = delete;
    CallbackDesk& operator=(const CallbackDesk&) = delete;

    // The verification key, base64 DER SPKI (what SendGrid's settings API shows).
    std::string public_key() const;
    const std::string& url() const { return url_; }

    // A message was accepted (its outbox entry): queue its events and replies, when a
    // callback_url is set.
    void accepted(const sdk::json& message);

    // An Event Webhook post of `events` (SendGrid's own shape) to `url`, signed by
    // deliver_now as it leaves.
    Delivery event_batch(const sdk::json& events, const std::string& url) const;
    // An Inbound Parse post of a reply to `message` (an outbox entry) to `url`. Options: "from"
    // (default: the recipient), "text", "subject".
    Delivery reply(const sdk::json& message, const sdk::json& options,
                   const std::string& url) const;
    // Posts now; {"status": N, "body": "..."} or {"error": "..."}. Logged.
    sdk::json deliver_now(const Delivery& delivery);
    // The deliveries made, oldest first (the last 1000).
    sdk::json log() const;

  private:
    struct State;
    sdk::Host host_;
    std::string url_;
    std::unique_ptr<State> state_;
};

}  // namespace relance::plugins::sendgrid
