#include "relance/signatures/verdict.hpp"

namespace relance::signatures {

std::string_view to_string(RefusalCode code) {
    switch (code) {
        case RefusalCode::missing_header:
            return "missing_header";
        case RefusalCode::duplicate_header:
            return "duplicate_header";
        case RefusalCode::header_too_large:
            return "header_too_large";
        case RefusalCode::malformed_header:
            return "malformed_header";
        case RefusalCode::too_many_signatures:
            return "too_many_signatures";
        case RefusalCode::timestamp_out_of_tolerance:
            return "timestamp_out_of_tolerance";
        case RefusalCode::no_supported_signature:
            return "no_supported_signature";
        case RefusalCode::signature_mismatch:
            return "signature_mismatch";
        case RefusalCode::misconfigured:
            return "misconfigured";
    }
    return "unknown_refusal";
}

Verdict Verdict::refused(RefusalCode code, std::string_view what) {
    Verdict verdict;
    verdict.refusal = code;
    verdict.reason.append(to_string(code)).append(": ").append(what);
    return verdict;
}

}  // namespace relance::signatures
