// The providers' own published vectors (tests/signatures/webhook-vectors.json: Standard
// Webhooks library tests, stripe-dotnet, GitHub's docs, Meta's WhatsApp SDK), each with a
// negative twin whose body differs by one byte. Every vector of the schemes verified here is
// checked with its own clock and tolerance.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/signatures/standard_webhooks.hpp>
#include <relance/signatures/verify.hpp>
#include <string>
#include <vector>

namespace relance::signatures {
namespace {

using nlohmann::json;

const json& vector_file() {
    static const json file = [] {
        std::ifstream in(SIGNATURE_VECTORS);
        return json::parse(in);
    }();
    return file;
}

std::vector<json> vectors_of(std::string_view scheme) {
    std::vector<json> found;
    for (const auto& v : vector_file().at("vectors"))
        if (v.at("scheme") == scheme) found.push_back(v);
    return found;
}

HeaderList headers_of(const json& vector) {
    HeaderList headers;
    for (const auto& [name, value] : vector.at("headers").items())
        headers.emplace_back(name, value.get<std::string>());
    return headers;
}

struct Checked {
    int positive = 0;
    int negative = 0;
};

// Verifies every vector of `scheme` with `config`; the secret is under `secret_key`.
Checked check_all(std::string_view scheme, SchemeConfig config,
                  std::string_view secret_key = "secret") {
    Checked checked;
    for (const auto& v : vectors_of(scheme)) {
        SCOPED_TRACE(v.at("id").get<std::string>());
        std::int64_t now = 0;
        if (v.contains("clock")) {
            now = v.at("clock").at("now").get<std::int64_t>();
            config.tolerance_s = v.at("clock").at("tolerance_s").get<std::int64_t>();
        }
        Verdict verdict = verify(config, v.at(std::string(secret_key)).get<std::string>(),
                                 headers_of(v), v.at("body").get<std::string>(), now);
        if (v.at("expected").at("valid").get<bool>()) {
            EXPECT_TRUE(verdict.ok()) << verdict.reason;
            ++checked.positive;
        } else {
            // The negative vectors alter the body only: the refusal must be the MAC's.
            EXPECT_EQ(verdict.code(), "signature_mismatch") << verdict.reason;
            ++checked.negative;
        }
    }
    return checked;
}

TEST(Signatures, TheVectorFileIsTheReferenceCopy) {
    EXPECT_EQ(vector_file().at("format"), "webhook-signature-test-vectors/1");
    EXPECT_EQ(vector_file().at("vectors").size(), vector_file().at("count").get<std::size_t>());
}

TEST(Signatures, StandardWebhooksVectorsVerify) {
    Checked checked = check_all("standard_webhooks", SchemeConfig::standard_webhooks());
    EXPECT_GE(checked.positive, 1);
    EXPECT_GE(checked.negative, 1);
}

TEST(Signatures, StandardWebhooksVectorReturnsTheWebhookId) {
    for (const auto& v : vectors_of("standard_webhooks")) {
        if (!v.at("expected").at("valid").get<bool>()) continue;
        Verdict verdict = verify_standard_webhook(v.at("secret").get<std::string>(), headers_of(v),
                                                  v.at("body").get<std::string>(),
                                                  v.at("clock").at("now").get<std::int64_t>());
        ASSERT_TRUE(verdict.ok()) << verdict.reason;
        EXPECT_EQ(verdict.webhook_id, v.at("headers").at("webhook-id").get<std::string>());
        EXPECT_EQ(verdict.timestamp,
                  std::stoll(v.at("headers").at("webhook-timestamp").get<std::string>()));
    }
}

TEST(Signatures, StandardWebhooksSigningReproducesTheLibrariesVector) {
    // stdwh-01 is the sign() test of every Standard Webhooks library.
    for (const auto& v : vectors_of("standard_webhooks")) {
        if (!v.at("expected").at("valid").get<bool>()) continue;
        const json& h = v.at("headers");
        auto signed_headers = sign_standard_webhook(
            v.at("secret").get<std::string>(), h.at("webhook-id").get<std::string>(),
            std::stoll(h.at("webhook-timestamp").get<std::string>()),
            v.at("body").get<std::string>());
        EXPECT_EQ(signed_headers.signature, v.at("expected").at("signature").get<std::string>());
    }
}

TEST(Signatures, StripeVectorVerifies) {
    Checked checked = check_all("stripe", SchemeConfig::stripe());
    EXPECT_GE(checked.positive, 1);
    EXPECT_GE(checked.negative, 1);
}

TEST(Signatures, StripeVectorIsRefusedOutsideItsClock) {
    // stripe-01 is signed at t=1533204620 and checked 100 s later; 401 s later it is stale.
    for (const auto& v : vectors_of("stripe")) {
        if (!v.at("expected").at("valid").get<bool>()) continue;
        Verdict verdict = verify_stripe(v.at("secret").get<std::string>(), headers_of(v),
                                        v.at("body").get<std::string>(), 1533204620 + 401, 300);
        EXPECT_EQ(verdict.code(), "timestamp_out_of_tolerance");
        EXPECT_EQ(verdict.reason,
                  "timestamp_out_of_tolerance: the t= timestamp of Stripe-Signature is 401 s in "
                  "the past (tolerance 300 s)");
    }
}

TEST(Signatures, GithubVectorVerifies) {
    Checked checked = check_all("github_x_hub_signature_256", SchemeConfig::github());
    EXPECT_GE(checked.positive, 1);
    EXPECT_GE(checked.negative, 1);
}

TEST(Signatures, MetaVectorVerifies) {
    // Meta signs like GitHub (sha256=<hex> of the body) with the App Secret.
    Checked checked =
        check_all("meta_x_hub_signature_256",
                  SchemeConfig::hmac_sha256("X-Hub-Signature-256", DigestEncoding::hex, "sha256="),
                  "app_secret");
    EXPECT_GE(checked.positive, 1);
    EXPECT_GE(checked.negative, 1);
}

TEST(Signatures, StripeReferenceVectorFromProvidersNotes) {
    // providers.md 9.3: Stripe keys the HMAC with the whole "whsec_test", prefix included.
    HeaderList headers = {
        {"Stripe-Signature",
         "t=1700000000,v1=b05d3640f2b57a63571590bc68c9de40faec2638da1b635f60bd8d02848b23fa"}};
    std::string body = R"({"id":"evt_1","type":"lead.created"})";
    EXPECT_TRUE(verify_stripe("whsec_test", headers, body, 1700000000).ok());
    // Decoding the secret as Standard Webhooks does would be wrong for Stripe.
    EXPECT_EQ(verify_stripe("test", headers, body, 1700000000).code(), "signature_mismatch");
}

}  // namespace
}  // namespace relance::signatures
