// Standard Webhooks verification: what is signed ("<id>.<timestamp>.<body>" with the decoded
// secret), the tolerance both ways, several signatures, and every refusal with its reason.
#include <gtest/gtest.h>

#include <relance/signatures/verify.hpp>
#include <string>

#include "test_util.hpp"

namespace relance::signatures {
namespace {

using testing::reference_base64;
using testing::reference_hmac;

const std::string kKey = "0123456789abcdef01234567";  // 24 bytes, the spec's minimum
const std::string kSecret = "whsec_" + reference_base64(kKey);
const std::string kId = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
constexpr std::int64_t kTimestamp = 1767225600;  // 2026-01-01T00:00:00Z
const std::string kBody = R"({"type":"contact.replied","data":{"run":42}})";

std::string reference_signature(std::string_view key, std::string_view id, std::int64_t ts,
                                std::string_view body) {
    std::string content = std::string(id) + "." + std::to_string(ts) + "." + std::string(body);
    return "v1," + reference_base64(reference_hmac(key, content));
}

HeaderList request(std::string signature, std::string id = kId,
                   std::string timestamp = std::to_string(kTimestamp)) {
    return {{"content-type", "application/json"},
            {"webhook-id", std::move(id)},
            {"webhook-timestamp", std::move(timestamp)},
            {"webhook-signature", std::move(signature)}};
}

const std::string kGood = reference_signature(kKey, kId, kTimestamp, kBody);

Verdict check(const HeaderList& headers, std::int64_t now = kTimestamp,
              std::string_view secret = kSecret, std::string_view body = kBody) {
    return verify(SchemeConfig::standard_webhooks(), secret, headers, body, now);
}

TEST(StandardWebhookSignatures, AcceptsAReferenceSignatureAndReturnsTheWebhookId) {
    Verdict verdict = check(request(kGood));
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_TRUE(static_cast<bool>(verdict));
    EXPECT_EQ(verdict.code(), "");
    EXPECT_EQ(verdict.reason, "");
    EXPECT_EQ(verdict.webhook_id, kId);
    EXPECT_EQ(verdict.timestamp, kTimestamp);
}

TEST(StandardWebhookSignatures, HeaderNamesAreCaseInsensitiveAndValuesTrimmed) {
    HeaderList headers = {{"Webhook-Id", " " + kId},
                          {"WEBHOOK-TIMESTAMP", std::to_string(kTimestamp) + "\t"},
                          {"Webhook-Signature", "  " + kGood + " "}};
    Verdict verdict = check(headers);
    EXPECT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.webhook_id, kId);
}

TEST(StandardWebhookSignatures, SecretMayBeRawBase64OrUnpadded) {
    std::string raw = reference_base64(kKey);
    EXPECT_TRUE(check(request(kGood), kTimestamp, raw).ok());
    std::string odd_key = "0123456789abcdef012345678";  // 25 bytes: base64 ends in "=="
    std::string padded = reference_base64(odd_key);
    ASSERT_TRUE(padded.ends_with("=="));
    std::string unpadded = "whsec_" + padded.substr(0, padded.size() - 2);
    HeaderList headers = request(reference_signature(odd_key, kId, kTimestamp, kBody));
    EXPECT_TRUE(check(headers, kTimestamp, unpadded).ok());
    EXPECT_TRUE(check(headers, kTimestamp, "whsec_" + padded).ok());
}

TEST(StandardWebhookSignatures, ToleranceIsFiveMinutesBothWaysInclusive) {
    EXPECT_TRUE(check(request(kGood), kTimestamp + 300).ok());
    EXPECT_TRUE(check(request(kGood), kTimestamp - 300).ok());

    Verdict stale = check(request(kGood), kTimestamp + 412);
    EXPECT_EQ(stale.code(), "timestamp_out_of_tolerance");
    EXPECT_EQ(stale.reason,
              "timestamp_out_of_tolerance: webhook-timestamp is 412 s in the past (tolerance "
              "300 s)");
    Verdict future = check(request(kGood), kTimestamp - 301);
    EXPECT_EQ(future.code(), "timestamp_out_of_tolerance");
    EXPECT_EQ(future.reason,
              "timestamp_out_of_tolerance: webhook-timestamp is 301 s in the future (tolerance "
              "300 s)");
}

TEST(StandardWebhookSignatures, ToleranceIsConfigurable) {
    auto scheme = SchemeConfig::standard_webhooks(600);
    EXPECT_TRUE(verify(scheme, kSecret, request(kGood), kBody, kTimestamp + 599).ok());
    EXPECT_FALSE(verify(scheme, kSecret, request(kGood), kBody, kTimestamp + 601).ok());
    auto strict = SchemeConfig::standard_webhooks(10);
    EXPECT_EQ(verify(strict, kSecret, request(kGood), kBody, kTimestamp + 11).code(),
              "timestamp_out_of_tolerance");
}

TEST(StandardWebhookSignatures, AnyV1EntryMayMatch) {
    std::string other_key = "another secret of 24 byte";
    std::string wrong = reference_signature(other_key, kId, kTimestamp, kBody);
    EXPECT_TRUE(check(request(wrong + " " + kGood)).ok());
    EXPECT_TRUE(check(request(kGood + " " + wrong)).ok());
    // Other versions and entries that are not base64 are skipped, not fatal.
    EXPECT_TRUE(check(request("v1a,c29tZXRoaW5n v1,@@notbase64@@ " + kGood)).ok());
    EXPECT_TRUE(check(request("v2," + kGood.substr(3) + "  " + kGood)).ok());
    // Padding is not significant: the decoded bytes are compared.
    std::string unpadded = kGood;
    while (unpadded.ends_with("=")) unpadded.pop_back();
    ASSERT_NE(unpadded, kGood);
    EXPECT_TRUE(check(request(unpadded)).ok());
}

TEST(StandardWebhookSignatures, OnlyOtherVersionsIsNoSupportedSignature) {
    // A v1 signature under another version's name must not be taken as v1.
    Verdict verdict = check(request("v1a," + kGood.substr(3) + " v2," + kGood.substr(3)));
    EXPECT_EQ(verdict.code(), "no_supported_signature");
    EXPECT_EQ(verdict.reason,
              "no_supported_signature: webhook-signature has no v1 signature (2 entries of "
              "other versions ignored)");
}

TEST(StandardWebhookSignatures, EachMissingHeaderIsNamed) {
    for (std::string name : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
        HeaderList headers = request(kGood);
        std::erase_if(headers, [&](const auto& h) { return h.first == name; });
        Verdict verdict = check(headers);
        EXPECT_EQ(verdict.code(), "missing_header");
        EXPECT_EQ(verdict.reason, "missing_header: " + name);
    }
}

TEST(StandardWebhookSignatures, DuplicatedHeadersAreRefusedEvenWhenEqual) {
    HeaderList twice = request(kGood);
    twice.emplace_back("Webhook-Signature", kGood);
    Verdict verdict = check(twice);
    EXPECT_EQ(verdict.code(), "duplicate_header");
    EXPECT_EQ(verdict.reason,
              "duplicate_header: webhook-signature appears 2 times (a signature header must "
              "appear once)");

    HeaderList two_ids = request(kGood);
    two_ids.emplace_back("webhook-id", "msg_other");
    EXPECT_EQ(check(two_ids).code(), "duplicate_header");
    HeaderList two_timestamps = request(kGood);
    two_timestamps.emplace_back("webhook-timestamp", std::to_string(kTimestamp + 1000));
    EXPECT_EQ(check(two_timestamps).code(), "duplicate_header");
}

TEST(StandardWebhookSignatures, MalformedValuesAreRefusedWithTheHeaderNamed) {
    for (std::string ts : {"", "abc", "-1767225600", "1767225600.5", "+1767225600", "1 767225600",
                           "0x69558000", "99999999999999999999"}) {
        Verdict verdict = check(request(kGood, kId, ts));
        EXPECT_EQ(verdict.code(), "malformed_header") << ts;
        EXPECT_EQ(verdict.reason,
                  "malformed_header: webhook-timestamp is not a unix time in whole seconds")
            << ts;
    }
    for (std::string sig : {std::string(), std::string("v1"), std::string("v1,"),
                            std::string(",abc"), "v1:" + kGood.substr(3)}) {
        Verdict verdict = check(request(sig));
        EXPECT_EQ(verdict.code(), "malformed_header") << sig;
        EXPECT_TRUE(verdict.reason.starts_with("malformed_header: webhook-signature "))
            << verdict.reason;
    }
    EXPECT_EQ(check(request(kGood, "")).code(), "malformed_header");
    EXPECT_EQ(check(request(kGood,
                            "msg\x01"
                            "1"))
                  .reason,
              "malformed_header: webhook-id is empty or holds control characters");
}

TEST(StandardWebhookSignatures, TrailingSpaceInATimestampIsTrimmedNotRefused) {
    EXPECT_TRUE(check(request(kGood, kId, std::to_string(kTimestamp) + " ")).ok());
}

TEST(StandardWebhookSignatures, LeadingZerosInTheTimestampSignAsTheNumber) {
    // The libraries parse the timestamp and sign it re-formatted; so does relance.
    EXPECT_TRUE(check(request(kGood, kId, "0" + std::to_string(kTimestamp))).ok());
}

TEST(StandardWebhookSignatures, WrongSecretIsAMismatchAndTheReasonLeaksNothing) {
    std::string wrong_secret = "whsec_" + reference_base64("a different 24-byte key!");
    Verdict verdict = check(request(kGood), kTimestamp, wrong_secret);
    EXPECT_EQ(verdict.code(), "signature_mismatch");
    EXPECT_EQ(verdict.reason, "signature_mismatch: no v1 signature in webhook-signature matches");
    // The signature the wrong secret would expect is a valid forgery for this body: never shown.
    std::string expected_for_wrong =
        reference_signature("a different 24-byte key!", kId, kTimestamp, kBody).substr(3);
    EXPECT_EQ(verdict.reason.find(expected_for_wrong), std::string::npos);
    EXPECT_EQ(verdict.reason.find(wrong_secret.substr(6)), std::string::npos);
    EXPECT_TRUE(verdict.webhook_id.empty());
}

TEST(StandardWebhookSignatures, TheSignedContentIsIdDotTimestampDotBody) {
    // Any other arrangement of the same parts must fail.
    auto signed_over = [&](const std::string& content) {
        return "v1," + reference_base64(reference_hmac(kKey, content));
    };
    std::string ts = std::to_string(kTimestamp);
    EXPECT_TRUE(check(request(signed_over(kId + "." + ts + "." + kBody))).ok());
    EXPECT_FALSE(check(request(signed_over(ts + "." + kBody))).ok());
    EXPECT_FALSE(check(request(signed_over(kId + "." + kBody))).ok());
    EXPECT_FALSE(check(request(signed_over(kId + ts + kBody))).ok());
    EXPECT_FALSE(check(request(signed_over(ts + "." + kId + "." + kBody))).ok());
    EXPECT_FALSE(check(request(signed_over(kBody))).ok());
    // Stripe-style key use (the secret text, not its decoded bytes) must fail too.
    std::string text_keyed =
        "v1," + reference_base64(reference_hmac(kSecret, kId + "." + ts + "." + kBody));
    EXPECT_FALSE(check(request(text_keyed)).ok());
    // The id, the timestamp and the body are each covered.
    EXPECT_FALSE(check(request(kGood, "msg_other")).ok());
    EXPECT_FALSE(check(request(kGood, kId, std::to_string(kTimestamp + 1))).ok());
    EXPECT_FALSE(check(request(kGood), kTimestamp, kSecret, kBody + " ").ok());
}

TEST(StandardWebhookSignatures, EveryAlteredSignatureCharacterIsRefused) {
    // A comparison that stopped early, or compared a prefix, would let some of these through.
    std::string b64 = kGood.substr(3);
    while (b64.ends_with("=")) b64.pop_back();
    for (std::size_t i = 0; i < b64.size(); ++i) {
        std::string altered = b64;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        Verdict verdict = check(request("v1," + altered));
        EXPECT_EQ(verdict.code(), "signature_mismatch") << "position " << i;
    }
    // A truncated signature (the first 16 bytes) is refused, not compared as a prefix.
    std::string truncated = reference_base64(
        reference_hmac(kKey, kId + "." + std::to_string(kTimestamp) + "." + kBody).substr(0, 16));
    EXPECT_EQ(check(request("v1," + truncated)).code(), "signature_mismatch");
}

TEST(StandardWebhookSignatures, OversizedHeaderIsRefusedBeforeParsing) {
    std::string big = kGood + " " + std::string(5000, 'A');
    Verdict verdict = check(request(big));
    EXPECT_EQ(verdict.code(), "header_too_large");
    EXPECT_EQ(verdict.reason, "header_too_large: webhook-signature is " +
                                  std::to_string(big.size()) + " bytes (limit 4096)");
    EXPECT_EQ(check(request(kGood, std::string(5000, 'i'))).code(), "header_too_large");
}

TEST(StandardWebhookSignatures, AtMostSixteenSignatures) {
    std::string wrong = reference_signature("another secret of 24 byte", kId, kTimestamp, kBody);
    std::string fifteen_wrong;
    for (int i = 0; i < 15; ++i) fifteen_wrong += wrong + " ";
    EXPECT_TRUE(check(request(fifteen_wrong + kGood)).ok());
    Verdict verdict = check(request(fifteen_wrong + wrong + " " + kGood));
    EXPECT_EQ(verdict.code(), "too_many_signatures");
    EXPECT_EQ(verdict.reason,
              "too_many_signatures: webhook-signature carries more than 16 signatures");
}

TEST(StandardWebhookSignatures, AnUnusableSecretIsMisconfiguredWhateverTheRequest) {
    for (std::string secret : {"", "whsec_", "whsec_not base64!", "whsec_A"}) {
        Verdict verdict = check(request(kGood), kTimestamp, secret);
        EXPECT_EQ(verdict.code(), "misconfigured") << secret;
        EXPECT_EQ(check({}, kTimestamp, secret).code(), "misconfigured");
    }
}

TEST(StandardWebhookSignatures, AnEmptyBodyIsSignedToo) {
    HeaderList headers = request(reference_signature(kKey, kId, kTimestamp, ""));
    EXPECT_TRUE(check(headers, kTimestamp, kSecret, "").ok());
    EXPECT_FALSE(check(headers, kTimestamp, kSecret, "x").ok());
}

TEST(StandardWebhookSignatures, ANowFarFromAnyTimestampDoesNotOverflow) {
    EXPECT_EQ(check(request(kGood), INT64_MIN).code(), "timestamp_out_of_tolerance");
    EXPECT_EQ(check(request(kGood), INT64_MAX).code(), "timestamp_out_of_tolerance");
    EXPECT_EQ(check(request(kGood, kId, "999999999999999999"), INT64_MIN).code(),
              "timestamp_out_of_tolerance");
}

}  // namespace
}  // namespace relance::signatures
