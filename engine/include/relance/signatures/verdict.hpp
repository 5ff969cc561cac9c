// What a verifier answers: accepted, or refused with a short machine code and a human reason.
// The reason names the header and what is wrong with it; it never contains the secret or the
// expected signature, so it can be logged and shown to the sender as it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relance::signatures {

enum class RefusalCode : std::uint8_t {
    missing_header,              // a header the scheme needs is absent
    duplicate_header,            // it appears more than once
    header_too_large,            // longer than kMaxHeaderValueBytes
    malformed_header,            // present but not in the scheme's syntax
    too_many_signatures,         // more than kMaxSignatures entries
    timestamp_out_of_tolerance,  // the signed timestamp is too old or too far in the future
    no_supported_signature,      // well formed, but no entry of the version verified here (v1)
    signature_mismatch,          // no signature matches the body: wrong secret or altered body
    misconfigured,  // the secret or the scheme cannot be used: our fault, not the sender's
};

// "missing_header", "signature_mismatch", ...
std::string_view to_string(RefusalCode code);

struct Verdict {
    std::optional<RefusalCode> refusal;  // empty when accepted
    std::string reason;                  // "<code>: <what>" when refused, empty when accepted
    // Standard Webhooks: the webhook-id, the idempotency key of the delivery. hmac_sha256 with
    // an id_header: that header's value (not covered by the signature). Otherwise empty. Only
    // set when accepted.
    std::string webhook_id;
    // The signed timestamp (Standard Webhooks, Stripe), when accepted.
    std::optional<std::int64_t> timestamp;

    bool ok() const { return !refusal.has_value(); }
    explicit operator bool() const { return ok(); }
    // The machine code ("" when accepted).
    std::string_view code() const { return refusal ? to_string(*refusal) : std::string_view{}; }

    static Verdict accepted() { return {}; }
    // `what` is the human part; the reason becomes "<code>: <what>".
    static Verdict refused(RefusalCode code, std::string_view what);
};

}  // namespace relance::signatures
