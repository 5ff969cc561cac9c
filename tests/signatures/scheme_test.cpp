// Scheme configuration by name and options, as a workflow's `signature:` block gives them, and
// the dispatch of verify() on it.
#include <gtest/gtest.h>

#include <relance/signatures/scheme.hpp>
#include <relance/signatures/verify.hpp>
#include <stdexcept>
#include <string>

namespace relance::signatures {
namespace {

std::string parse_error(std::string_view name, const SchemeOptions& options = {}) {
    try {
        parse_scheme(name, options);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(SignatureSchemes, ParsesEachSchemeWithDefaults) {
    auto standard = parse_scheme("standard_webhooks");
    EXPECT_EQ(standard.kind, SchemeKind::standard_webhooks);
    EXPECT_EQ(standard.tolerance_s, 300);
    auto stripe = parse_scheme("stripe", {{"tolerance", "600"}});
    EXPECT_EQ(stripe.kind, SchemeKind::stripe);
    EXPECT_EQ(stripe.tolerance_s, 600);
    auto github = parse_scheme("hmac_sha256", {{"header", "X-Hub-Signature-256"},
                                               {"prefix", "sha256="},
                                               {"id_header", "X-GitHub-Delivery"}});
    EXPECT_EQ(github.kind, SchemeKind::hmac_sha256);
    EXPECT_EQ(github.header, "X-Hub-Signature-256");
    EXPECT_EQ(github.encoding, DigestEncoding::hex);
    EXPECT_EQ(github.prefix, "sha256=");
    EXPECT_EQ(github.id_header, "X-GitHub-Delivery");
    auto shopify =
        parse_scheme("hmac_sha256", {{"header", "X-Shopify-Hmac-Sha256"}, {"encoding", "base64"}});
    EXPECT_EQ(shopify.encoding, DigestEncoding::base64);
    EXPECT_EQ(shopify.prefix, "");
    EXPECT_EQ(parse_scheme("none").kind, SchemeKind::none);
    EXPECT_EQ(to_string(SchemeKind::standard_webhooks), "standard_webhooks");
    EXPECT_EQ(to_string(DigestEncoding::base64), "base64");
}

TEST(SignatureSchemes, ErrorsNameTheSchemeAndTheOption) {
    EXPECT_EQ(parse_error("stripe_v1"),
              "unknown signature scheme 'stripe_v1' (known: standard_webhooks, stripe, "
              "hmac_sha256, none)");
    EXPECT_EQ(parse_error("hmac_sha256"),
              "signature scheme hmac_sha256: option 'header' is required (e.g. "
              "X-Hub-Signature-256)");
    EXPECT_EQ(parse_error("stripe", {{"tolerence", "300"}}),
              "signature scheme stripe: unknown option 'tolerence' (known options: tolerance)");
    EXPECT_EQ(parse_error("stripe", {{"header", "X"}}),
              "signature scheme stripe: unknown option 'header' (known options: tolerance)");
    EXPECT_EQ(parse_error("none", {{"tolerance", "300"}}),
              "signature scheme none: takes no option, got 'tolerance'");
    EXPECT_EQ(parse_error("hmac_sha256", {{"header", "X-Sig"}, {"encoding", "hexa"}}),
              "signature scheme hmac_sha256: encoding 'hexa' must be hex or base64");
    EXPECT_EQ(parse_error("hmac_sha256", {{"header", "X Sig"}}),
              "signature scheme hmac_sha256: header 'X Sig' is not a header name");
    EXPECT_EQ(parse_error("hmac_sha256", {{"header", "X-Sig"}, {"header", "X-Other"}}),
              "signature scheme hmac_sha256: option 'header' is given twice");
    EXPECT_EQ(parse_error("hmac_sha256", {{"header", "X-Sig"}, {"prefix", "a\nb"}}),
              "signature scheme hmac_sha256: prefix must be at most 64 printable ASCII "
              "characters");
    for (std::string bad : {"0", "-1", "5m", "86401", "", "1e3", "9999999"})
        EXPECT_EQ(parse_error("standard_webhooks", {{"tolerance", bad}}),
                  "signature scheme standard_webhooks: tolerance '" + bad +
                      "' must be whole seconds from 1 to 86400")
            << bad;
    EXPECT_EQ(parse_scheme("standard_webhooks", {{"tolerance", "86400"}}).tolerance_s, 86400);
}

TEST(SignatureSchemes, SecretProblemIsCheckedWithoutARequest) {
    EXPECT_EQ(
        secret_problem(SchemeConfig::standard_webhooks(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "");
    EXPECT_EQ(secret_problem(SchemeConfig::standard_webhooks(), "whsec_!!"),
              "the standard_webhooks secret is not whsec_ followed by base64 (or is empty)");
    EXPECT_EQ(secret_problem(SchemeConfig::stripe(), ""), "the stripe secret is empty");
    EXPECT_EQ(secret_problem(SchemeConfig::github(), ""), "the hmac_sha256 secret is empty");
    EXPECT_EQ(secret_problem(SchemeConfig::none(), ""), "");
    // The message never quotes the secret.
    EXPECT_EQ(secret_problem(SchemeConfig::standard_webhooks(), "whsec_s3cr3t!").find("s3cr3t"),
              std::string::npos);
}

TEST(SignatureSchemes, NoneAcceptsAnyRequest) {
    Verdict verdict = verify(SchemeConfig::none(), "", {}, "anything", 0);
    EXPECT_TRUE(verdict.ok());
    EXPECT_TRUE(verdict.webhook_id.empty());
}

TEST(SignatureSchemes, VerifyDispatchesOnTheParsedScheme) {
    // The same request, refused by each scheme for its own missing header.
    HeaderList headers = {{"content-type", "application/json"}};
    EXPECT_EQ(verify(parse_scheme("standard_webhooks"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                     headers, "{}", 0)
                  .reason,
              "missing_header: webhook-id");
    EXPECT_EQ(verify(parse_scheme("stripe"), "sk", headers, "{}", 0).reason,
              "missing_header: Stripe-Signature");
    EXPECT_EQ(verify(parse_scheme("hmac_sha256", {{"header", "X-Shopify-Hmac-Sha256"}}), "sk",
                     headers, "{}", 0)
                  .reason,
              "missing_header: X-Shopify-Hmac-Sha256");
}

TEST(SignatureSchemes, EveryRefusalCodeHasItsName) {
    EXPECT_EQ(to_string(RefusalCode::missing_header), "missing_header");
    EXPECT_EQ(to_string(RefusalCode::duplicate_header), "duplicate_header");
    EXPECT_EQ(to_string(RefusalCode::header_too_large), "header_too_large");
    EXPECT_EQ(to_string(RefusalCode::malformed_header), "malformed_header");
    EXPECT_EQ(to_string(RefusalCode::too_many_signatures), "too_many_signatures");
    EXPECT_EQ(to_string(RefusalCode::timestamp_out_of_tolerance), "timestamp_out_of_tolerance");
    EXPECT_EQ(to_string(RefusalCode::no_supported_signature), "no_supported_signature");
    EXPECT_EQ(to_string(RefusalCode::signature_mismatch), "signature_mismatch");
    EXPECT_EQ(to_string(RefusalCode::misconfigured), "misconfigured");
}

}  // namespace
}  // namespace relance::signatures
