// Signing outbound deliveries with Standard Webhooks, and the secrets it uses.
#include <gtest/gtest.h>

#include <relance/signatures/encoding.hpp>
#include <relance/signatures/standard_webhooks.hpp>
#include <relance/signatures/verify.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "test_util.hpp"

namespace relance::signatures {
namespace {

TEST(SignatureSigning, SignThenVerifyRoundTrips) {
    std::string secret = generate_standard_webhook_secret();
    std::string body = R"({"event_id":"evt_9","type":"run.completed","occurred_at":"2026-01-01"})";
    auto headers = sign_standard_webhook(secret, "42.3.1", 1767225600, body);
    EXPECT_EQ(headers.id, "42.3.1");
    EXPECT_EQ(headers.timestamp, "1767225600");
    EXPECT_TRUE(headers.signature.starts_with("v1,"));
    Verdict verdict = verify_standard_webhook(secret, headers.as_headers(), body, 1767225600);
    ASSERT_TRUE(verdict.ok()) << verdict.reason;
    EXPECT_EQ(verdict.webhook_id, "42.3.1");
    // Another secret, another body or a retry signed long ago do not verify.
    EXPECT_FALSE(verify_standard_webhook(generate_standard_webhook_secret(), headers.as_headers(),
                                         body, 1767225600)
                     .ok());
    EXPECT_FALSE(
        verify_standard_webhook(secret, headers.as_headers(), body + " ", 1767225600).ok());
    EXPECT_EQ(verify_standard_webhook(secret, headers.as_headers(), body, 1767225600 + 3600).code(),
              "timestamp_out_of_tolerance");
}

TEST(SignatureSigning, SignatureIsTheReferenceHmacOfIdTimestampBody) {
    std::string key = "0123456789abcdef0123456789abcdef";
    std::string secret = "whsec_" + testing::reference_base64(key);
    auto headers = sign_standard_webhook(secret, "msg_1", 1700000000, "{}");
    EXPECT_EQ(headers.signature, "v1," + testing::reference_base64(
                                             testing::reference_hmac(key, "msg_1.1700000000.{}")));
    HeaderList list = headers.as_headers();
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0], (std::pair<std::string, std::string>{"webhook-id", "msg_1"}));
    EXPECT_EQ(list[1], (std::pair<std::string, std::string>{"webhook-timestamp", "1700000000"}));
    EXPECT_EQ(list[2].first, "webhook-signature");
}

TEST(SignatureSigning, GeneratedSecretsAreWhsecBase64OfRandomBytes) {
    std::set<std::string> seen;
    for (std::size_t bytes : {24u, 32u, 64u}) {
        std::string secret = generate_standard_webhook_secret(bytes);
        ASSERT_TRUE(secret.starts_with("whsec_"));
        auto key = decode_standard_webhook_secret(secret);
        ASSERT_TRUE(key.has_value());
        EXPECT_EQ(key->size(), bytes);
        EXPECT_EQ(testing::reference_base64_decode(secret.substr(6)), *key);
        seen.insert(secret);
    }
    for (int i = 0; i < 20; ++i) seen.insert(generate_standard_webhook_secret());
    EXPECT_EQ(seen.size(), 23u);  // no two alike
    EXPECT_THROW(generate_standard_webhook_secret(23), std::invalid_argument);
    EXPECT_THROW(generate_standard_webhook_secret(65), std::invalid_argument);
}

TEST(SignatureSigning, RefusesWhatAReceiverCouldNotCheck) {
    std::string secret = generate_standard_webhook_secret();
    EXPECT_THROW(sign_standard_webhook("whsec_!!", "msg_1", 1, "{}"), std::invalid_argument);
    EXPECT_THROW(sign_standard_webhook("", "msg_1", 1, "{}"), std::invalid_argument);
    EXPECT_THROW(sign_standard_webhook(secret, "", 1, "{}"), std::invalid_argument);
    EXPECT_THROW(sign_standard_webhook(secret, "msg 1", 1, "{}"), std::invalid_argument);
    EXPECT_THROW(sign_standard_webhook(secret, "msg\n1", 1, "{}"), std::invalid_argument);
    EXPECT_THROW(sign_standard_webhook(secret, "msg_1", -1, "{}"), std::invalid_argument);
    try {
        sign_standard_webhook("whsec_s3cr3t!", "msg_1", 1, "{}");
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos);
    }
}

TEST(SignatureSigning, DecodesSecretsAsTheLibrariesDo) {
    EXPECT_EQ(decode_standard_webhook_secret("whsec_Zm9vYmFy"), "foobar");
    EXPECT_EQ(decode_standard_webhook_secret("Zm9vYmFy"), "foobar");
    EXPECT_EQ(decode_standard_webhook_secret("whsec_Zm9vYg"), "foob");
    EXPECT_FALSE(decode_standard_webhook_secret("whsec_").has_value());
    EXPECT_FALSE(decode_standard_webhook_secret("whsec_Zm9v YmFy").has_value());
}

}  // namespace
}  // namespace relance::signatures
