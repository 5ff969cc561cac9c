#include <openssl/crypto.h>

#include <stdexcept>
#include <string>

#include "relance/signatures/encoding.hpp"
#include "relance/signatures/random.hpp"
#include "relance/signatures/standard_webhooks.hpp"

namespace relance::signatures {

std::optional<std::string> decode_standard_webhook_secret(std::string_view secret) {
    if (secret.starts_with(kStandardWebhookSecretPrefix))
        secret.remove_prefix(kStandardWebhookSecretPrefix.size());
    auto key = base64_decode(secret);
    if (!key || key->empty()) return std::nullopt;
    return key;
}

std::string generate_standard_webhook_secret(std::size_t random_bytes) {
    if (random_bytes < 24 || random_bytes > 64)
        throw std::invalid_argument("a Standard Webhooks secret has 24 to 64 random bytes, not " +
                                    std::to_string(random_bytes));
    std::string key = signatures::random_bytes(random_bytes);
    std::string secret(kStandardWebhookSecretPrefix);
    secret += base64_encode(key);
    OPENSSL_cleanse(key.data(), key.size());
    return secret;
}

}  // namespace relance::signatures
