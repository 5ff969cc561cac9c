// How a webhook trigger's requests are signed: the scheme and its options, as a workflow
// declares them. The secret is not part of it: it comes from the secret source at each request,
// so a rotated secret needs no reload of the scheme.
//
//   parse_scheme("standard_webhooks", {})                       5-minute tolerance
//   parse_scheme("stripe", {{"tolerance", "600"}})
//   parse_scheme("hmac_sha256", {{"header", "X-Hub-Signature-256"}, {"prefix", "sha256="}})
//   parse_scheme("hmac_sha256", {{"header", "X-Shopify-Hmac-Sha256"}, {"encoding", "base64"}})
//   parse_scheme("none", {})   accepts every request; workflows must opt in explicitly (checked
//                              where workflows are validated, not here)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relance::signatures {

enum class SchemeKind : std::uint8_t { standard_webhooks, stripe, hmac_sha256, none };
enum class DigestEncoding : std::uint8_t { hex, base64 };

std::string_view to_string(SchemeKind kind);     // "standard_webhooks", ...
std::string_view to_string(DigestEncoding enc);  // "hex", "base64"

// Standard Webhooks, Stripe and Slack all use 5 minutes.
inline constexpr std::int64_t kDefaultToleranceSeconds = 300;
// A window longer than a day is no longer replay protection.
inline constexpr std::int64_t kMaxToleranceSeconds = 86400;

struct SchemeConfig {
    SchemeKind kind = SchemeKind::none;
    // standard_webhooks and stripe: how far the signed timestamp may be from now, either way.
    std::int64_t tolerance_s = kDefaultToleranceSeconds;
    // hmac_sha256 only:
    std::string header;  // where the signature is, e.g. X-Hub-Signature-256
    DigestEncoding encoding = DigestEncoding::hex;
    std::string prefix;     // before the digest, e.g. "sha256=" (any case)
    std::string id_header;  // optional delivery id, e.g. X-GitHub-Delivery

    static SchemeConfig standard_webhooks(std::int64_t tolerance_s = kDefaultToleranceSeconds);
    static SchemeConfig stripe(std::int64_t tolerance_s = kDefaultToleranceSeconds);
    static SchemeConfig hmac_sha256(std::string header, DigestEncoding encoding,
                                    std::string prefix = {}, std::string id_header = {});
    static SchemeConfig none();
    // What GitHub sends: X-Hub-Signature-256: sha256=<hex>, X-GitHub-Delivery. Meta (WhatsApp,
    // Instagram, Messenger) signs the same way, without the delivery header.
    static SchemeConfig github();
    // What Shopify sends: X-Shopify-Hmac-Sha256: <base64>, X-Shopify-Webhook-Id.
    static SchemeConfig shopify();
};

using SchemeOptions = std::vector<std::pair<std::string, std::string>>;

// A scheme by name with its options, all given as text (as YAML scalars arrive). Options:
//   standard_webhooks, stripe: tolerance (whole seconds, 1 to 86400; default 300)
//   hmac_sha256: header (required), encoding (hex or base64; default hex), prefix, id_header
//   none: no option
// Throws std::invalid_argument naming the scheme and the option: an unknown scheme or option
// (with the known ones listed), an option given twice, a missing header, a bad value.
SchemeConfig parse_scheme(std::string_view name, const SchemeOptions& options = {});

// Whether `secret` can be used with `scheme`: empty when it can, else why not (never quoting
// the secret). The same check verify() makes first, so a server can refuse a misconfigured
// trigger when it starts rather than at its first request.
std::string secret_problem(const SchemeConfig& scheme, std::string_view secret);

}  // namespace relance::signatures
