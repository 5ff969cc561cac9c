#include "relance/signatures/verify.hpp"

namespace relance::signatures {

Verdict verify(const SchemeConfig& scheme, std::string_view secret, const HeaderList& headers,
               std::string_view body, std::int64_t now) {
    switch (scheme.kind) {
        case SchemeKind::standard_webhooks:
            return verify_standard_webhook(secret, headers, body, now, scheme.tolerance_s);
        case SchemeKind::stripe:
            return verify_stripe(secret, headers, body, now, scheme.tolerance_s);
        case SchemeKind::hmac_sha256:
            return verify_hmac_sha256(scheme, secret, headers, body);
        case SchemeKind::none:
            // The opt-in is checked where workflows are validated: reaching here means the
            // workflow asked for unsigned requests.
            return Verdict::accepted();
    }
    return Verdict::refused(RefusalCode::misconfigured, "unknown signature scheme");
}

}  // namespace relance::signatures
