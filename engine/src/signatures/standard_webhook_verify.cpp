#include <openssl/crypto.h>

#include <string>

#include "refusals.hpp"
#include "relance/signatures/encoding.hpp"
#include "relance/signatures/hmac.hpp"
#include "relance/signatures/signature_headers.hpp"
#include "relance/signatures/standard_webhooks.hpp"
#include "relance/signatures/verify.hpp"

namespace relance::signatures {
namespace {

constexpr std::string_view kIdHeader = "webhook-id";
constexpr std::string_view kTimestampHeader = "webhook-timestamp";
constexpr std::string_view kSignatureHeader = "webhook-signature";

bool has_control_character(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    return false;
}

// The decoded key, wiped when it goes out of scope.
struct KeyBytes {
    std::string bytes;
    ~KeyBytes() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

Verdict verify_standard_webhook(std::string_view secret, const HeaderList& headers,
                                std::string_view body, std::int64_t now, std::int64_t tolerance_s) {
    // The secret first: a trigger configured with an unusable secret refuses everything, and
    // says so whatever the request holds.
    KeyBytes key;
    if (auto decoded = decode_standard_webhook_secret(secret))
        key.bytes = std::move(*decoded);
    else
        return Verdict::refused(
            RefusalCode::misconfigured,
            "the standard_webhooks secret is not whsec_ followed by base64 (or is empty)");

    auto id = find_single_header(headers, kIdHeader);
    if (auto refusal = detail::refuse_unless_found(id, kIdHeader)) return *refusal;
    auto timestamp_header = find_single_header(headers, kTimestampHeader);
    if (auto refusal = detail::refuse_unless_found(timestamp_header, kTimestampHeader))
        return *refusal;
    auto signature = find_single_header(headers, kSignatureHeader);
    if (auto refusal = detail::refuse_unless_found(signature, kSignatureHeader)) return *refusal;

    if (id.value.empty() || has_control_character(id.value))
        return Verdict::refused(RefusalCode::malformed_header,
                                "webhook-id is empty or holds control characters");
    auto timestamp = parse_unix_seconds(timestamp_header.value);
    if (!timestamp)
        return Verdict::refused(RefusalCode::malformed_header,
                                "webhook-timestamp is not a unix time in whole seconds");

    auto signatures = parse_standard_webhook_signatures(signature.value);
    if (signatures.too_many)
        return Verdict::refused(RefusalCode::too_many_signatures,
                                "webhook-signature carries more than " +
                                    std::to_string(kMaxSignatures) + " signatures");
    if (!signatures.error.empty())
        return Verdict::refused(RefusalCode::malformed_header,
                                "webhook-signature " + signatures.error);
    if (signatures.v1.empty())
        return Verdict::refused(
            RefusalCode::no_supported_signature,
            "webhook-signature has no v1 signature (" +
                detail::count_of(signatures.other_versions, "entry", "entries") +
                " of other versions ignored)");

    // Syntax first, then freshness, then the MAC: the cheapest refusals come first, and a
    // stale request is refused without computing anything.
    if (auto refusal = detail::refuse_unless_fresh(*timestamp, now, tolerance_s, kTimestampHeader))
        return *refusal;

    // The timestamp is signed as the number it parsed to, as the Standard Webhooks libraries do
    // (they re-format it), so "0123" and "123" sign alike.
    std::string timestamp_text = std::to_string(*timestamp);
    std::string expected = hmac_sha256(key.bytes, {id.value, ".", timestamp_text, ".", body});
    bool matched = false;
    for (std::string_view candidate : signatures.v1) {
        // Compared as decoded bytes, so padding or its absence does not matter; an entry that
        // is not base64 simply does not match. Every entry is compared (no early exit), so the
        // time does not tell which one matched.
        auto decoded = base64_decode(candidate);
        if (decoded && constant_time_equal(*decoded, expected)) matched = true;
    }
    OPENSSL_cleanse(expected.data(), expected.size());
    if (!matched)
        return Verdict::refused(RefusalCode::signature_mismatch,
                                "no v1 signature in webhook-signature matches");

    Verdict verdict = Verdict::accepted();
    verdict.webhook_id = std::string(id.value);
    verdict.timestamp = *timestamp;
    return verdict;
}

}  // namespace relance::signatures
