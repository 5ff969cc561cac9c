#include <openssl/crypto.h>

#include <stdexcept>
#include <string>

#include "relance/signatures/encoding.hpp"
#include "relance/signatures/hmac.hpp"
#include "relance/signatures/standard_webhooks.hpp"

namespace relance::signatures {
namespace {

// A message id goes into a header and into the signed content: printable ASCII without
// spaces, so no receiver trims or splits it differently from what was signed.
bool is_valid_message_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxHeaderValueBytes) return false;
    for (char c : id)
        if (c < '!' || c > '~') return false;
    return true;
}

}  // namespace

HeaderList StandardWebhookHeaders::as_headers() const {
    return {{"webhook-id", id}, {"webhook-timestamp", timestamp}, {"webhook-signature", signature}};
}

StandardWebhookHeaders sign_standard_webhook(std::string_view secret, std::string_view msg_id,
                                             std::int64_t timestamp, std::string_view body) {
    if (!is_valid_message_id(msg_id))
        throw std::invalid_argument(
            "a webhook message id must be 1 to 4096 printable ASCII characters without spaces");
    if (timestamp < 0)
        throw std::invalid_argument("a webhook timestamp must not be negative, got " +
                                    std::to_string(timestamp));
    auto key = decode_standard_webhook_secret(secret);
    if (!key)
        throw std::invalid_argument(
            "the Standard Webhooks signing secret is not whsec_ followed by base64");
    StandardWebhookHeaders headers;
    headers.id = std::string(msg_id);
    headers.timestamp = std::to_string(timestamp);
    std::string mac = hmac_sha256(*key, {headers.id, ".", headers.timestamp, ".", body});
    OPENSSL_cleanse(key->data(), key->size());
    headers.signature = "v1," + base64_encode(mac);
    return headers;
}

}  // namespace relance::signatures
