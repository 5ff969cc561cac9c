#include <openssl/crypto.h>

#include <string>

#include "refusals.hpp"
#include "relance/signatures/encoding.hpp"
#include "relance/signatures/hmac.hpp"
#include "relance/signatures/signature_headers.hpp"
#include "relance/signatures/verify.hpp"

namespace relance::signatures {
namespace {

constexpr std::string_view kStripeHeader = "Stripe-Signature";

}  // namespace

Verdict verify_stripe(std::string_view secret, const HeaderList& headers, std::string_view body,
                      std::int64_t now, std::int64_t tolerance_s) {
    // Stripe keys the HMAC with the secret's text, "whsec_" included: it is not decoded.
    if (secret.empty())
        return Verdict::refused(RefusalCode::misconfigured, "the stripe secret is empty");

    auto header = find_single_header(headers, kStripeHeader);
    if (auto refusal = detail::refuse_unless_found(header, kStripeHeader)) return *refusal;
    auto parsed = parse_stripe_signature(header.value);
    if (parsed.too_many)
        return Verdict::refused(
            RefusalCode::too_many_signatures,
            "Stripe-Signature carries more than " + std::to_string(kMaxSignatures) + " signatures");
    if (!parsed.error.empty())
        return Verdict::refused(RefusalCode::malformed_header, "Stripe-Signature " + parsed.error);
    if (parsed.v1.empty())
        return Verdict::refused(RefusalCode::no_supported_signature,
                                "Stripe-Signature has no v1 signature (" +
                                    detail::count_of(parsed.other_items, "item", "items") +
                                    " of other schemes such as v0 ignored)");

    // Syntax first, then freshness, then the MAC. Some of Stripe's libraries refuse only old
    // timestamps; a timestamp far in the future is refused here too (as stripe-php does), since
    // a signature dated ahead would otherwise stay replayable for that much longer.
    if (auto refusal = detail::refuse_unless_fresh(parsed.timestamp, now, tolerance_s,
                                                   "the t= timestamp of Stripe-Signature"))
        return *refusal;

    std::string timestamp_text = std::to_string(parsed.timestamp);
    std::string expected = hmac_sha256(secret, {timestamp_text, ".", body});
    bool matched = false;
    for (std::string_view candidate : parsed.v1) {
        // Decoded bytes are compared, so an upper-case hex signature matches too; every item is
        // compared (no early exit). An item that is not hex does not match.
        auto decoded = hex_decode(candidate);
        if (decoded && constant_time_equal(*decoded, expected)) matched = true;
    }
    OPENSSL_cleanse(expected.data(), expected.size());
    if (!matched)
        return Verdict::refused(RefusalCode::signature_mismatch,
                                "no v1 signature in Stripe-Signature matches");

    Verdict verdict = Verdict::accepted();
    verdict.timestamp = parsed.timestamp;
    return verdict;
}

}  // namespace relance::signatures
