// Inbound webhook verification: does this request come from the holder of the secret, and is
// it fresh? Pure computation: headers and the raw body as received, the secret, and the time
// (`now`, unix seconds, from the engine's clock: DESIGN invariant 3). No HTTP, no clock, no
// exception for anything a sender can put in a request. See docs/webhook-signatures.md.
//
// The body must be the exact bytes received, before any JSON or form parsing: every scheme
// signs bytes, and a re-serialised body never verifies.
#pragma once

#include <cstdint>
#include <string_view>

#include "relance/signatures/http_headers.hpp"
#include "relance/signatures/scheme.hpp"
#include "relance/signatures/verdict.hpp"

namespace relance::signatures {

// Dispatches on scheme.kind; `none` accepts.
Verdict verify(const SchemeConfig& scheme, std::string_view secret, const HeaderList& headers,
               std::string_view body, std::int64_t now);

// webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 keyed with the base64-decoded
// secret (after an optional whsec_) over "<id>.<timestamp>.<body>"; any v1 entry may match. The
// verdict carries the webhook-id.
Verdict verify_standard_webhook(std::string_view secret, const HeaderList& headers,
                                std::string_view body, std::int64_t now,
                                std::int64_t tolerance_s = kDefaultToleranceSeconds);

// Stripe-Signature; HMAC-SHA256 keyed with the whole secret string (whsec_ included) over
// "<t>.<body>", hex; any v1 item may match, v0 and others are ignored.
Verdict verify_stripe(std::string_view secret, const HeaderList& headers, std::string_view body,
                      std::int64_t now, std::int64_t tolerance_s = kDefaultToleranceSeconds);

// HMAC-SHA256 keyed with the secret string over the body alone, in scheme.header after
// scheme.prefix, hex or base64. No timestamp: a captured request can be replayed, which is the
// sender's design (GitHub, Shopify, Meta); deduplicate on the delivery id.
Verdict verify_hmac_sha256(const SchemeConfig& scheme, std::string_view secret,
                           const HeaderList& headers, std::string_view body);

}  // namespace relance::signatures
