#include "webhook_crypto.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <relance/plugin.hpp>
#include <stdexcept>

namespace relance::plugins::sendgrid {

namespace {

// A DER ECDSA signature on P-256 is at most 72 bytes; a verification key's SPKI is 91.
constexpr std::size_t kMaxSignatureBytes = 128;
constexpr std::size_t kMaxKeyText = 1024;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// OpenSSL leaves its reasons in a per-thread queue: dropped after each use, so that one
// refused request never shows up in the next one's error.
struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
};

bool is_p256(EVP_PKEY* key) {
    if (!EVP_PKEY_is_a(key, "EC")) return false;
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1)
        return false;
    return std::string_view(group, length) == "prime256v1";
}

}  // namespace

struct VerificationKey::Key {
    Pkey pkey;
};
struct SigningKey::Key {
    Pkey pkey;
};

std::optional<VerificationKey> VerificationKey::parse(std::string_view text, std::string* why) {
    ClearErrors clear;
    auto refuse = [&](const char* reason) -> std::optional<VerificationKey> {
        if (why) *why = reason;
        return std::nullopt;
    };
    // The PEM armour is accepted too: operators paste what they copied.
    std::string body(text.substr(0, kMaxKeyText + 1));
    if (body.size() > kMaxKeyText) return refuse("the verification key is too long");
    std::string compact;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '-') {  // a "-----BEGIN/END PUBLIC KEY-----" line
            auto end = body.find('\n', i);
            if (end == std::string::npos) break;
            i = end;
            continue;
        }
        if (body[i] != '\n' && body[i] != '\r' && body[i] != ' ') compact += body[i];
    }
    auto der = sdk::base64_decode(compact);
    if (!der || der->empty()) return refuse("the verification key is not base64");
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
    if (!key || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size())
        return refuse("the verification key is not a DER SubjectPublicKeyInfo");
    if (!is_p256(key.get()))
        return refuse("the verification key is not an ECDSA key on P-256 (prime256v1)");
    auto k = std::make_shared<Key>();
    k->pkey = std::move(key);
    return VerificationKey(std::move(k));
}

bool VerificationKey::verifies(std::string_view message, std::string_view signature) const {
    ClearErrors clear;
    if (signature.empty() || signature.size() > kMaxSignatureBytes) return false;
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

std::optional<SigningKey> SigningKey::from_pem(std::string_view pem, std::string* why) {
    ClearErrors clear;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key || !is_p256(key.get())) {
        if (why) *why = "not a PEM private key on P-256 (prime256v1)";
        return std::nullopt;
    }
    auto k = std::make_shared<Key>();
    k->pkey = std::move(key);
    return SigningKey(std::move(k));
}

std::string SigningKey::sign(std::string_view message) const {
    ClearErrors clear;
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, data, message.size()) != 1)
        throw std::runtime_error("ECDSA signing failed");
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                       message.size()) != 1)
        throw std::runtime_error("ECDSA signing failed");
    signature.resize(size);
    return signature;
}

std::string SigningKey::public_key_base64() const {
    unsigned char* der = nullptr;
    int size = i2d_PUBKEY(key_->pkey.get(), &der);
    if (size <= 0) throw std::runtime_error("cannot encode the public key");
    std::string out = sdk::base64_encode(
        std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(size)));
    OPENSSL_free(der);
    return out;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

bool same_secret(std::string_view a, std::string_view b) {
    // Digests first: CRYPTO_memcmp needs equal lengths, and comparing digests tells nothing of
    // where the texts differ.
    std::string da = sha256_hex(a), db = sha256_hex(b);
    return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0 && a.size() == b.size();
}

}  // namespace relance::plugins::sendgrid
