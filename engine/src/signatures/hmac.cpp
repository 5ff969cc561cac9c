#include "relance/signatures/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace relance::signatures {
namespace {

// Fetched once: a fetch looks the algorithm up in the provider tables, which costs more than
// the MAC of a small body. An EVP_MAC may be shared by threads; each call has its own context.
EVP_MAC* hmac_algorithm() {
    static EVP_MAC* const algorithm = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    return algorithm;
}

struct MacContextFree {
    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

[[noreturn]] void openssl_failed() {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
    EVP_MAC* algorithm = hmac_algorithm();
    if (!algorithm) openssl_failed();
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> context(EVP_MAC_CTX_new(algorithm));
    if (!context) openssl_failed();
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    // A null key pointer means "keep the previous key" to EVP_MAC_init, so an empty key still
    // gets a valid (unused) address.
    static const unsigned char kEmptyKey = 0;
    const auto* key_bytes =
        key.empty() ? &kEmptyKey : reinterpret_cast<const unsigned char*>(key.data());
    if (!EVP_MAC_init(context.get(), key_bytes, key.size(), params)) openssl_failed();
    for (std::string_view part : parts) {
        if (part.empty()) continue;
        if (!EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(part.data()),
                            part.size()))
            openssl_failed();
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    if (!EVP_MAC_final(context.get(), digest, &length, sizeof digest) || length != kHmacSha256Bytes)
        openssl_failed();
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
    return hmac_sha256(key, {message});
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace relance::signatures
