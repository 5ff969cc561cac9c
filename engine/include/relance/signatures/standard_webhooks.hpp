// Standard Webhooks (standardwebhooks.com) on the sending side: how relance signs the webhooks
// it delivers, so that receivers can use any Standard Webhooks (or Svix) library to check them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relance/signatures/http_headers.hpp"

namespace relance::signatures {

inline constexpr std::string_view kStandardWebhookSecretPrefix = "whsec_";

// The key bytes of a Standard Webhooks secret: base64 after an optional "whsec_" (the
// libraries accept both spellings). Nothing when the rest is not base64 or decodes to nothing.
std::optional<std::string> decode_standard_webhook_secret(std::string_view secret);

// A new secret: "whsec_" + base64 of `random_bytes` bytes from OpenSSL's RAND_bytes. The
// specification asks for 24 to 64 bytes; 32 is the libraries' choice. Throws
// std::invalid_argument outside 24..64 and std::runtime_error if the generator fails.
std::string generate_standard_webhook_secret(std::size_t random_bytes = 32);

// The values of the three headers of one delivery.
struct StandardWebhookHeaders {
    std::string id;         // webhook-id: the message id, the same for every retry
    std::string timestamp;  // webhook-timestamp: unix seconds of this attempt
    std::string signature;  // webhook-signature: "v1,<base64>"

    // {{"webhook-id", id}, {"webhook-timestamp", timestamp}, {"webhook-signature", signature}}
    HeaderList as_headers() const;
};

// Signs one delivery attempt: HMAC-SHA256 of "<msg_id>.<timestamp>.<body>" keyed with the
// decoded secret. Keep msg_id across retries (receivers deduplicate on it) and sign each
// attempt with its own timestamp (receivers refuse stale ones). Throws std::invalid_argument
// for a secret that does not decode, an empty msg_id or one with control characters or spaces,
// or a negative timestamp; the message never quotes the secret.
StandardWebhookHeaders sign_standard_webhook(std::string_view secret, std::string_view msg_id,
                                             std::int64_t timestamp, std::string_view body);

}  // namespace relance::signatures
