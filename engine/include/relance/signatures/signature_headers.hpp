// Parsers of the signature header values: two left-to-right scans (one counts, so an oversized
// list is refused before anything is kept), no backtracking, and nothing allocated beyond the
// returned list (at most kMaxSignatures views) and an error message. They check syntax only;
// the verifiers compare. Exposed for the verifiers and the fuzz target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relance::signatures {

// A unix time in whole seconds: 1 to 18 ASCII digits (so it fits in 64 bits), no sign, no
// space, no fraction.
std::optional<std::int64_t> parse_unix_seconds(std::string_view text);

// `webhook-signature: v1,<base64> v1,<base64> v1a,<...>`: entries separated by spaces, each
// `<version>,<signature>`. Entries of another version are counted, not kept.
struct StandardWebhookSignatures {
    std::vector<std::string_view> v1;  // the v1 signatures, still base64 (views into the value)
    std::size_t other_versions = 0;
    bool too_many = false;  // more than kMaxSignatures entries (then nothing else is set)
    std::string error;      // a syntax error ("entry 2 has no ',' ..."), empty when parsed
};
StandardWebhookSignatures parse_standard_webhook_signatures(std::string_view value);

// `Stripe-Signature: t=<unix>,v1=<hex>,v1=<hex>,v0=<hex>`: comma-separated `key=value` items,
// exactly one t; items of other keys (v0, future schemes) are counted, not kept.
struct StripeSignatureHeader {
    std::int64_t timestamp = 0;
    std::vector<std::string_view> v1;  // still hex (views into the value)
    std::size_t other_items = 0;
    bool too_many = false;  // more than kMaxSignatures signature items
    std::string error;      // empty when parsed
};
StripeSignatureHeader parse_stripe_signature(std::string_view value);

}  // namespace relance::signatures
