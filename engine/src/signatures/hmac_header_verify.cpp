#include <openssl/crypto.h>

#include <string>

#include "refusals.hpp"
#include "relance/signatures/encoding.hpp"
#include "relance/signatures/hmac.hpp"
#include "relance/signatures/verify.hpp"

namespace relance::signatures {

Verdict verify_hmac_sha256(const SchemeConfig& scheme, std::string_view secret,
                           const HeaderList& headers, std::string_view body) {
    if (secret.empty())
        return Verdict::refused(RefusalCode::misconfigured, "the hmac_sha256 secret is empty");
    const std::string& name = scheme.header;
    if (name.empty())
        return Verdict::refused(RefusalCode::misconfigured,
                                "the hmac_sha256 scheme names no header");

    auto header = find_single_header(headers, name);
    if (auto refusal = detail::refuse_unless_found(header, name)) return *refusal;
    std::string_view value = header.value;
    if (!scheme.prefix.empty()) {
        // Any case: "SHA256=" and "sha256=" name the same algorithm.
        if (value.size() < scheme.prefix.size() ||
            !equals_ignoring_case(value.substr(0, scheme.prefix.size()), scheme.prefix))
            return Verdict::refused(RefusalCode::malformed_header,
                                    name + " does not start with '" + scheme.prefix + "'");
        value.remove_prefix(scheme.prefix.size());
    }
    bool hex = scheme.encoding == DigestEncoding::hex;
    auto received = hex ? hex_decode(value) : base64_decode(value);
    if (!received)
        return Verdict::refused(RefusalCode::malformed_header,
                                name + " is not " + (hex ? "hex" : "base64"));
    if (received->size() != kHmacSha256Bytes)
        return Verdict::refused(RefusalCode::malformed_header,
                                name + " holds " + std::to_string(received->size()) +
                                    " bytes, not the 32 of an HMAC-SHA256");

    std::string expected = hmac_sha256(secret, body);
    bool matched = constant_time_equal(*received, expected);
    OPENSSL_cleanse(expected.data(), expected.size());
    if (!matched)
        return Verdict::refused(RefusalCode::signature_mismatch, name + " does not match the body");

    Verdict verdict = Verdict::accepted();
    if (!scheme.id_header.empty()) {
        // Informational: the sender's delivery id is not signed. A missing or repeated one is
        // left empty rather than refusing a request whose signature is good.
        auto id = find_single_header(headers, scheme.id_header);
        if (id.status == HeaderLookup::Status::found) verdict.webhook_id = std::string(id.value);
    }
    return verdict;
}

}  // namespace relance::signatures
