// SendGrid's Event Webhook: checking a request's signature (ECDSA P-256 over timestamp + raw
// body, providers.md 1.6) and reading a verified batch into relance's contact events.
#pragma once

#include <cstdint>
#include <relance/plugin.hpp>
#include <string_view>

#include "webhook_crypto.hpp"

namespace relance::plugins::sendgrid {

inline constexpr std::string_view kSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
inline constexpr std::string_view kTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

// At most this many events in one batch (SendGrid sends far fewer).
inline constexpr std::size_t kMaxBatchEvents = 10'000;

// Throws sdk::unauthorized unless the request carries exactly one signature and one timestamp
// header, the timestamp is within `tolerance_s` seconds of `now_ms` (either way), and the
// signature is `key`'s over the timestamp's text followed by the body's bytes as received.
void verify_event_webhook(const sdk::InboundRequest& request, const VerificationKey& key,
                          std::int64_t now_ms, std::int64_t tolerance_s);

// A verified batch (a JSON array of events; one object is read as a batch of one) as contact
// events: delivered, open -> opened, click -> clicked, bounce -> bounced (soft when "blocked"),
// dropped -> bounced / unsubscribed / complained by its reason, spamreport -> complained,
// unsubscribe and group_unsubscribe -> unsubscribed. Other events (processed, deferred...) are
// counted as ignored; an event without its email or sg_event_id is set aside with a note.
// Throws sdk::malformed("body", ...) when the body is not such JSON.
sdk::InboundAnswer read_event_batch(std::string_view body);

}  // namespace relance::plugins::sendgrid
