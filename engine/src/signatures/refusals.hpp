// The refusals every verifier shares, each phrased once so that a header problem reads the
// same whatever the scheme. Internal to the signatures area.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "relance/signatures/http_headers.hpp"
#include "relance/signatures/verdict.hpp"

namespace relance::signatures::detail {

// The refusal for a header that is missing, duplicated or too large; nothing when found.
std::optional<Verdict> refuse_unless_found(const HeaderLookup& lookup, std::string_view name);

// The refusal for a signed timestamp further than `tolerance_s` from `now` either way; nothing
// when it is within. `what` names it in the reason ("webhook-timestamp").
std::optional<Verdict> refuse_unless_fresh(std::int64_t timestamp, std::int64_t now,
                                           std::int64_t tolerance_s, std::string_view what);

// "1 signature", "3 signatures": reasons read as sentences.
std::string count_of(std::size_t n, std::string_view singular, std::string_view plural);

}  // namespace relance::signatures::detail
