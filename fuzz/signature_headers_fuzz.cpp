// Webhook signature headers are the first thing relance reads from a stranger's request, before
// it knows whether the request is genuine. Whatever the bytes: no crash, no exception, a
// refusal with a bounded reason that never contains the secret, and no acceptance of a forgery.
// Input: a header value, then an optional '\n' and the body.
#include <cstdint>
#include <cstdlib>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/signature_headers.hpp>
#include <relance/signatures/verify.hpp>
#include <string>
#include <string_view>

namespace {

using namespace relance::signatures;

constexpr std::string_view kStandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kTextSecret = "fuzz-secret-text";
constexpr std::int64_t kNow = 1767225600;

void check(const Verdict& verdict, std::string_view secret) {
    // A forgery would need the HMAC of the secret: the fuzzer cannot find one by chance.
    if (verdict.ok()) std::abort();
    if (verdict.reason.size() > 512) std::abort();
    if (!verdict.reason.starts_with(verdict.code())) std::abort();
    if (verdict.reason.find(secret) != std::string::npos) std::abort();
    if (verdict.reason.find(secret.substr(6)) != std::string::npos) std::abort();
}

void check_encodings(std::string_view text) {
    if (auto bytes = base64_decode(text)) {
        auto again = base64_decode(base64_encode(*bytes));
        if (!again || *again != *bytes) std::abort();
    }
    if (auto bytes = hex_decode(text)) {
        if (hex_encode(*bytes).size() != text.size()) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t newline = input.find('\n');
    std::string value(input.substr(0, newline));
    std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);

    // The parsers alone: errors and lists are consistent.
    auto standard = parse_standard_webhook_signatures(value);
    if (standard.v1.size() > kMaxSignatures) std::abort();
    if ((standard.too_many || !standard.error.empty()) && !standard.v1.empty()) std::abort();
    auto stripe = parse_stripe_signature(value);
    if (stripe.v1.size() > kMaxSignatures) std::abort();
    if (stripe.error.empty() && !stripe.too_many && stripe.timestamp < 0) std::abort();
    if (auto seconds = parse_unix_seconds(value); seconds && *seconds < 0) std::abort();
    check_encodings(value);

    // The value in each place a verifier reads it.
    std::string now_text = std::to_string(kNow);
    check(verify_standard_webhook(kStandardSecret,
                                  {{"webhook-id", "msg_1"},
                                   {"webhook-timestamp", now_text},
                                   {"webhook-signature", value}},
                                  body, kNow),
          kStandardSecret);
    check(
        verify_standard_webhook(
            kStandardSecret,
            {{"webhook-id", value}, {"webhook-timestamp", value}, {"webhook-signature", "v1,AAAA"}},
            body, kNow),
        kStandardSecret);
    check(verify_stripe(kTextSecret, {{"Stripe-Signature", value}}, body, kNow), kTextSecret);
    check(verify_hmac_sha256(SchemeConfig::github(), kTextSecret, {{"X-Hub-Signature-256", value}},
                             body),
          kTextSecret);
    check(verify_hmac_sha256(SchemeConfig::shopify(), kTextSecret,
                             {{"X-Shopify-Hmac-Sha256", value}}, body),
          kTextSecret);
    // As a secret: misconfigured, never a crash or a leak.
    check(verify_standard_webhook(value, {}, body, kNow), "whsec_-none-");
    return 0;
}
