// hmac_sha256: HMAC-SHA256 of the body alone in a named header, hex or base64, after an
// optional prefix (GitHub and Meta: "sha256=<hex>"; Shopify: plain base64).
#include <gtest/gtest.h>

#include <relance/signatures/verify.hpp>
#include <string>

#include "test_util.hpp"

namespace relance::signatures {
namespace {

using testing::reference_base64;
using testing::reference_hex;
using testing::reference_hmac;

const std::string kSecret = "gh-webhook-secret";
const std::string kBody = R"({"action":"opened","number":7})";
const std::string kHex = reference_hex(reference_hmac(kSecret, kBody));

// A Shopify-style example published as a test of SQLPage's sqlpage.hmac ("Test Shopify webhook
// HMAC validation with base64 output"), recomputed with Python's hmac and here with OpenSSL.
const std::string kShopifySecret = "test-webhook-secret";
const std::string kShopifyBody =
    R"({"id":1234567890,"email":"customer@example.com","total_price":"123.45"})";
const std::string kShopifyPublished = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw=";

Verdict github(const HeaderList& headers, std::string_view secret = kSecret,
               std::string_view body = kBody) {
    return verify(SchemeConfig::github(), secret, headers, body, 0);
}

TEST(HmacSignatures, GithubStyleAcceptsAndReturnsTheDeliveryId) {
    HeaderList headers = {{"X-GitHub-Event", "pull_request"},
                          {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
                          {"X-Hub-Signature-256", "sha256=" + kHex}};
    Verdict verdict = github(headers);
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.webhook_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    EXPECT_FALSE(verdict.timestamp.has_value());
    // No timestamp: the time given does not matter.
    EXPECT_TRUE(verify(SchemeConfig::github(), kSecret, headers, kBody, 4102444800).ok());
}

TEST(HmacSignatures, PrefixAndHexAreCaseInsensitive) {
    std::string upper = kHex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(github({{"x-hub-signature-256", "SHA256=" + upper}}).ok());
}

TEST(HmacSignatures, TheDeliveryIdIsOptionalAndNeverRequired) {
    Verdict verdict = github({{"X-Hub-Signature-256", "sha256=" + kHex}});
    EXPECT_TRUE(verdict.ok());
    EXPECT_TRUE(verdict.webhook_id.empty());
    Verdict twice = github({{"X-Hub-Signature-256", "sha256=" + kHex},
                            {"X-GitHub-Delivery", "a"},
                            {"X-GitHub-Delivery", "b"}});
    EXPECT_TRUE(twice.ok());
    EXPECT_TRUE(twice.webhook_id.empty());
}

TEST(HmacSignatures, ShopifyPublishedExampleVerifies) {
    // The library's answer, OpenSSL's answer and the published value all agree.
    ASSERT_EQ(reference_base64(reference_hmac(kShopifySecret, kShopifyBody)), kShopifyPublished);
    HeaderList headers = {{"X-Shopify-Hmac-Sha256", kShopifyPublished},
                          {"X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"},
                          {"X-Shopify-Topic", "orders/create"}};
    Verdict verdict = verify(SchemeConfig::shopify(), kShopifySecret, headers, kShopifyBody, 0);
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.webhook_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    Verdict altered =
        verify(SchemeConfig::shopify(), kShopifySecret, headers, kShopifyBody + " ", 0);
    EXPECT_EQ(altered.reason, "signature_mismatch: X-Shopify-Hmac-Sha256 does not match the body");
}

TEST(HmacSignatures, ShopifyStyleBase64OfAnyBody) {
    for (std::string body :
         {std::string(), std::string("x"), std::string(70000, 'z'), std::string("\0\xff\r\n", 4)}) {
        std::string b64 = reference_base64(reference_hmac("shpss_0123", body));
        HeaderList headers = {{"X-Shopify-Hmac-SHA256", b64}};
        EXPECT_TRUE(verify(SchemeConfig::shopify(), "shpss_0123", headers, body, 0).ok());
        EXPECT_FALSE(verify(SchemeConfig::shopify(), "shpss_0124", headers, body, 0).ok());
    }
}

TEST(HmacSignatures, TheEncodingMustBeTheConfiguredOne) {
    // Shopify's base64 read as hex, and GitHub's hex read as base64, are malformed.
    HeaderList b64 = {{"X-Hub-Signature-256", "sha256=" + kShopifyPublished}};
    EXPECT_EQ(github(b64).reason, "malformed_header: X-Hub-Signature-256 is not hex");
    HeaderList hex = {{"X-Shopify-Hmac-Sha256", kHex}};
    Verdict verdict = verify(SchemeConfig::shopify(), kSecret, hex, kBody, 0);
    // 64 hex characters are valid base64 of 48 bytes: refused by length.
    EXPECT_EQ(verdict.reason,
              "malformed_header: X-Shopify-Hmac-Sha256 holds 48 bytes, not the 32 of an "
              "HMAC-SHA256");
}

TEST(HmacSignatures, MissingPrefixOrDigestIsMalformed) {
    EXPECT_EQ(github({{"X-Hub-Signature-256", kHex}}).reason,
              "malformed_header: X-Hub-Signature-256 does not start with 'sha256='");
    EXPECT_EQ(github({{"X-Hub-Signature-256", "sha1=" + kHex.substr(0, 40)}}).code(),
              "malformed_header");
    EXPECT_EQ(github({{"X-Hub-Signature-256", "sha256="}}).reason,
              "malformed_header: X-Hub-Signature-256 holds 0 bytes, not the 32 of an "
              "HMAC-SHA256");
    EXPECT_EQ(github({{"X-Hub-Signature-256", "sha256=" + kHex.substr(1)}}).reason,
              "malformed_header: X-Hub-Signature-256 is not hex");
}

TEST(HmacSignatures, MissingDuplicatedAndOversizedHeaders) {
    EXPECT_EQ(github({{"X-Hub-Signature", "sha1=00"}}).reason,
              "missing_header: X-Hub-Signature-256");
    EXPECT_EQ(github({{"X-Hub-Signature-256", "sha256=" + kHex},
                      {"X-HUB-SIGNATURE-256", "sha256=" + kHex}})
                  .code(),
              "duplicate_header");
    EXPECT_EQ(github({{"X-Hub-Signature-256", "sha256=" + std::string(5000, '0')}}).code(),
              "header_too_large");
}

TEST(HmacSignatures, WrongSecretIsAMismatchThatLeaksNothing) {
    Verdict verdict = github({{"X-Hub-Signature-256", "sha256=" + kHex}}, "not-the-secret");
    EXPECT_EQ(verdict.reason, "signature_mismatch: X-Hub-Signature-256 does not match the body");
    EXPECT_EQ(verdict.reason.find(reference_hex(reference_hmac("not-the-secret", kBody))),
              std::string::npos);
    EXPECT_EQ(verdict.reason.find("not-the-secret"), std::string::npos);
}

TEST(HmacSignatures, EveryAlteredSignatureCharacterIsRefused) {
    for (std::size_t i = 0; i < kHex.size(); ++i) {
        std::string altered = kHex;
        altered[i] = altered[i] == 'f' ? 'e' : 'f';
        EXPECT_EQ(github({{"X-Hub-Signature-256", "sha256=" + altered}}).code(),
                  "signature_mismatch")
            << "position " << i;
    }
}

TEST(HmacSignatures, TheBodyAloneIsSignedWithTheSecretText) {
    HeaderList headers = {{"X-Hub-Signature-256", "sha256=" + kHex}};
    EXPECT_TRUE(github(headers).ok());
    EXPECT_FALSE(github(headers, kSecret, kBody + "\n").ok());
    EXPECT_FALSE(github(headers, kSecret, "").ok());
    // A key differing only by case is another key.
    EXPECT_FALSE(github(headers, "GH-WEBHOOK-SECRET").ok());
}

TEST(HmacSignatures, AnyHeaderAndPlainHex) {
    auto scheme = SchemeConfig::hmac_sha256("X-Signature", DigestEncoding::hex);
    HeaderList headers = {{"x-signature", kHex}};
    EXPECT_TRUE(verify(scheme, kSecret, headers, kBody, 0).ok());
    EXPECT_EQ(verify(scheme, "", headers, kBody, 0).reason,
              "misconfigured: the hmac_sha256 secret is empty");
}

}  // namespace
}  // namespace relance::signatures
