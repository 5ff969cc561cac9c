// Internationalised domain names (IDNA2008 with UTS #46 mapping) through libidn2.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relance::contacts::detail {

// True when `domain` needs IDNA processing: it has a non-ASCII byte or a label starting with
// "xn--" (any case), whose punycode must be checked. Plain LDH names skip libidn2.
bool needs_idna(std::string_view domain);

// The A-label form ("xn--mller-kva.de") of a domain written with U-labels, A-labels or a mix,
// in any case and width: UTS #46 non-transitional mapping (case folding, NFC, full-width
// forms, ideographic full stops) then IDNA2008 validation. std::nullopt with `why` naming the
// input when the name is not a valid IDN. The result is lower case; the caller still checks it
// against the LDH rules (see check_domain), because libidn2 without STD3 rules lets '_' through.
std::optional<std::string> idna_to_ascii(std::string_view domain, std::string* why);

}  // namespace relance::contacts::detail
