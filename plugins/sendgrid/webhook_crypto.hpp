// The cryptography of SendGrid's callbacks, over OpenSSL 3 (EVP): the Event Webhook's ECDSA
// P-256 / SHA-256 signature of `timestamp + body`, checked by the plugin and made by the
// emulator, and the helpers around it. Kept apart so that tests and the fuzz target reach it
// without a host.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace relance::plugins::sendgrid {

// A P-256 public key, read once from its base64 DER SubjectPublicKeyInfo (what SendGrid shows
// as the verification key). Immutable: one may serve many threads.
class VerificationKey {
  public:
    // std::nullopt, with the reason in `why`, when the text is not base64 DER SPKI of a key on
    // P-256 (prime256v1).
    static std::optional<VerificationKey> parse(std::string_view base64_spki, std::string* why);
    // Whether `signature_der` is an ECDSA signature by this key of SHA-256(message).
    bool verifies(std::string_view message, std::string_view signature_der) const;

  private:
    struct Key;
    explicit VerificationKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
    std::shared_ptr<const Key> key_;
};

// A P-256 private key: the emulator signs what it delivers with it.
class SigningKey {
  public:
    // From PEM ("-----BEGIN PRIVATE KEY-----" PKCS#8 or "-----BEGIN EC PRIVATE KEY-----");
    // std::nullopt with the reason when it is not a P-256 private key.
    static std::optional<SigningKey> from_pem(std::string_view pem, std::string* why);
    // The DER ECDSA signature of SHA-256(message). Throws std::runtime_error on an OpenSSL
    // failure.
    std::string sign(std::string_view message) const;
    // Its public half as base64 DER SubjectPublicKeyInfo.
    std::string public_key_base64() const;

  private:
    struct Key;
    explicit SigningKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
    std::shared_ptr<const Key> key_;
};

// Lower-case hex of SHA-256(data).
std::string sha256_hex(std::string_view data);

// Equal contents, in a time that depends on their lengths only (for secrets).
bool same_secret(std::string_view a, std::string_view b);

}  // namespace relance::plugins::sendgrid
