// Stripe-Signature: "t=<unix>,v1=<hex>..." keyed with the secret text over "<t>.<body>".
#include <gtest/gtest.h>

#include <relance/signatures/verify.hpp>
#include <string>

#include "test_util.hpp"

namespace relance::signatures {
namespace {

using testing::reference_hex;
using testing::reference_hmac;

const std::string kSecret = "whsec_5tR1pEt3sTs3cReT";
constexpr std::int64_t kT = 1767225600;
const std::string kBody = R"({"id":"evt_1","type":"checkout.session.completed"})";

std::string v1_for(std::string_view secret, std::int64_t t, std::string_view body) {
    return reference_hex(reference_hmac(secret, std::to_string(t) + "." + std::string(body)));
}
const std::string kV1 = v1_for(kSecret, kT, kBody);
const std::string kWrongV1 = v1_for("whsec_other", kT, kBody);

HeaderList request(std::string value) {
    return {{"Stripe-Signature", std::move(value)}};
}

Verdict check(const HeaderList& headers, std::int64_t now = kT, std::string_view secret = kSecret,
              std::string_view body = kBody) {
    return verify(SchemeConfig::stripe(), secret, headers, body, now);
}

TEST(StripeSignatures, AcceptsAReferenceSignature) {
    Verdict verdict = check(request("t=" + std::to_string(kT) + ",v1=" + kV1));
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.timestamp, kT);
    EXPECT_TRUE(verdict.webhook_id.empty());
}

TEST(StripeSignatures, HeaderNameIsCaseInsensitiveAndItemsMayBeSpaced) {
    HeaderList headers = {{"stripe-signature", "t=" + std::to_string(kT) + ", v1=" + kV1 + " "}};
    EXPECT_TRUE(check(headers).ok());
}

TEST(StripeSignatures, UpperCaseHexMatches) {
    std::string upper = kV1;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(check(request("t=" + std::to_string(kT) + ",v1=" + upper)).ok());
}

TEST(StripeSignatures, SecondV1MatchesDuringARotation) {
    std::string t = "t=" + std::to_string(kT);
    EXPECT_TRUE(check(request(t + ",v1=" + kWrongV1 + ",v1=" + kV1)).ok());
    EXPECT_TRUE(check(request(t + ",v1=" + kV1 + ",v1=" + kWrongV1)).ok());
    // The items may come in any order, t last included; v0 and unknown schemes are ignored.
    EXPECT_TRUE(check(request("v0=" + kV1 + ",v1=" + kV1 + ",v9=zz," + t)).ok());
    EXPECT_TRUE(check(request("v1=nothex," + t + ",v1=" + kV1)).ok());
}

TEST(StripeSignatures, V0OnlyIsNoSupportedSignature) {
    // Even a v0 item holding the right digest is not a v1 signature.
    Verdict verdict = check(request("t=" + std::to_string(kT) + ",v0=" + kV1));
    EXPECT_EQ(verdict.code(), "no_supported_signature");
    EXPECT_EQ(verdict.reason,
              "no_supported_signature: Stripe-Signature has no v1 signature (1 item of other "
              "schemes such as v0 ignored)");
}

TEST(StripeSignatures, StaleAndFutureTimestampsAreRefused) {
    HeaderList headers = request("t=" + std::to_string(kT) + ",v1=" + kV1);
    EXPECT_TRUE(check(headers, kT + 300).ok());
    EXPECT_TRUE(check(headers, kT - 300).ok());
    EXPECT_EQ(check(headers, kT + 412).reason,
              "timestamp_out_of_tolerance: the t= timestamp of Stripe-Signature is 412 s in the "
              "past (tolerance 300 s)");
    EXPECT_EQ(check(headers, kT - 301).reason,
              "timestamp_out_of_tolerance: the t= timestamp of Stripe-Signature is 301 s in the "
              "future (tolerance 300 s)");
    EXPECT_TRUE(verify(SchemeConfig::stripe(900), kSecret, headers, kBody, kT + 899).ok());
}

TEST(StripeSignatures, MissingAndDuplicatedHeaders) {
    Verdict missing = check({{"webhook-signature", "v1,abc"}});
    EXPECT_EQ(missing.code(), "missing_header");
    EXPECT_EQ(missing.reason, "missing_header: Stripe-Signature");
    HeaderList twice = request("t=" + std::to_string(kT) + ",v1=" + kV1);
    twice.emplace_back("STRIPE-SIGNATURE", "t=" + std::to_string(kT) + ",v1=" + kWrongV1);
    EXPECT_EQ(check(twice).code(), "duplicate_header");
}

TEST(StripeSignatures, MalformedValuesAreRefused) {
    std::string v1 = ",v1=" + kV1;
    struct Case {
        std::string value;
        std::string reason;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"v1=" + kV1, "malformed_header: Stripe-Signature has no t= timestamp"},
             {"", "malformed_header: Stripe-Signature has no t= timestamp"},
             {"t=abc" + v1,
              "malformed_header: Stripe-Signature has a t= that is not a unix time in seconds"},
             {"t=" + v1,
              "malformed_header: Stripe-Signature has a t= that is not a unix time in seconds"},
             {"t=-5" + v1,
              "malformed_header: Stripe-Signature has a t= that is not a unix time in seconds"},
             {"t=1,t=" + std::to_string(kT) + v1,
              "malformed_header: Stripe-Signature has more than one t= timestamp"},
             {"t=" + std::to_string(kT) + ",garbage" + v1,
              "malformed_header: Stripe-Signature has no key=value in item 2 (expected "
              "t=<unix>,v1=<hex>)"},
             {"t=" + std::to_string(kT) + ",=x" + v1,
              "malformed_header: Stripe-Signature has no key=value in item 2 (expected "
              "t=<unix>,v1=<hex>)"},
         }) {
        Verdict verdict = check(request(c.value));
        EXPECT_EQ(verdict.reason, c.reason) << c.value;
    }
    // A trailing comma is an empty item, skipped as Stripe's libraries do.
    EXPECT_TRUE(check(request("t=" + std::to_string(kT) + v1 + ",")).ok());
}

TEST(StripeSignatures, WrongSecretAndAlteredBodyAreMismatches) {
    HeaderList headers = request("t=" + std::to_string(kT) + ",v1=" + kV1);
    Verdict wrong = check(headers, kT, "whsec_other");
    EXPECT_EQ(wrong.reason, "signature_mismatch: no v1 signature in Stripe-Signature matches");
    EXPECT_EQ(wrong.reason.find(kWrongV1), std::string::npos);
    EXPECT_EQ(wrong.reason.find("whsec_other"), std::string::npos);
    EXPECT_EQ(check(headers, kT, kSecret, kBody + "\n").code(), "signature_mismatch");
    // The timestamp is signed: moving it (within tolerance) breaks the signature.
    EXPECT_EQ(check(request("t=" + std::to_string(kT + 1) + ",v1=" + kV1)).code(),
              "signature_mismatch");
}

TEST(StripeSignatures, TheSignedContentIsTimestampDotBodyKeyedWithTheSecretText) {
    std::string t = "t=" + std::to_string(kT) + ",v1=";
    auto signed_over = [&](std::string_view key, const std::string& content) {
        return reference_hex(reference_hmac(key, content));
    };
    std::string ts = std::to_string(kT);
    EXPECT_TRUE(check(request(t + signed_over(kSecret, ts + "." + kBody))).ok());
    EXPECT_FALSE(check(request(t + signed_over(kSecret, kBody))).ok());
    EXPECT_FALSE(check(request(t + signed_over(kSecret, ts + kBody))).ok());
    EXPECT_FALSE(check(request(t + signed_over(kSecret, kBody + "." + ts))).ok());
    // Without the whsec_ prefix, as Standard Webhooks would strip it: wrong for Stripe.
    EXPECT_FALSE(check(request(t + signed_over(kSecret.substr(6), ts + "." + kBody))).ok());
}

TEST(StripeSignatures, EveryAlteredSignatureCharacterIsRefused) {
    for (std::size_t i = 0; i < kV1.size(); ++i) {
        std::string altered = kV1;
        altered[i] = altered[i] == '0' ? '1' : '0';
        EXPECT_EQ(check(request("t=" + std::to_string(kT) + ",v1=" + altered)).code(),
                  "signature_mismatch")
            << "position " << i;
    }
    EXPECT_EQ(check(request("t=" + std::to_string(kT) + ",v1=" + kV1.substr(0, 32))).code(),
              "signature_mismatch");
    EXPECT_EQ(check(request("t=" + std::to_string(kT) + ",v1=" + kV1 + "00")).code(),
              "signature_mismatch");
}

TEST(StripeSignatures, OversizedHeaderAndTooManySignatures) {
    std::string t = "t=" + std::to_string(kT);
    std::string big = t + ",v1=" + kV1 + ",v0=" + std::string(5000, 'a');
    EXPECT_EQ(check(request(big)).code(), "header_too_large");
    std::string fifteen;
    for (int i = 0; i < 15; ++i) fifteen += ",v1=" + kWrongV1;
    EXPECT_TRUE(check(request(t + fifteen + ",v1=" + kV1)).ok());
    Verdict verdict = check(request(t + fifteen + ",v0=" + kWrongV1 + ",v1=" + kV1));
    EXPECT_EQ(verdict.reason,
              "too_many_signatures: Stripe-Signature carries more than 16 signatures");
}

TEST(StripeSignatures, AnEmptySecretIsMisconfigured) {
    Verdict verdict = check(request("t=" + std::to_string(kT) + ",v1=" + kV1), kT, "");
    EXPECT_EQ(verdict.reason, "misconfigured: the stripe secret is empty");
}

}  // namespace
}  // namespace relance::signatures
