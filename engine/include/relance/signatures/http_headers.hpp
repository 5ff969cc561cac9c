// Request headers as the HTTP layer received them: names in any case, values untrimmed, the
// same name possibly more than once. Kept free of any HTTP library so the verifiers can be
// tested and fuzzed alone; the server copies its header map into a HeaderList.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relance::signatures {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A signature header longer than this is refused before it is parsed: real ones are under
// 1 KiB even with several signatures during a secret rotation.
inline constexpr std::size_t kMaxHeaderValueBytes = 4096;
// Signatures in one header (Standard Webhooks entries, Stripe v1/v0 items); a sender rotating
// secrets sends two or three.
inline constexpr std::size_t kMaxSignatures = 16;

// ASCII case-insensitive equality, for header names and prefixes.
bool equals_ignoring_case(std::string_view a, std::string_view b);
// Without the optional white space (spaces and tabs) HTTP allows around a value.
std::string_view trim_http_whitespace(std::string_view value);

struct HeaderLookup {
    enum class Status { found, missing, duplicated, too_large };
    Status status = Status::missing;
    std::string_view value;  // trimmed; set when found (views into the HeaderList)
    std::size_t count = 0;   // how many times the name appears
    std::size_t size = 0;    // bytes of the (trimmed) value, also when too_large
};

// The one value of `name`. A header that appears twice is not merged: for a signature,
// timestamp or id the two copies would let a proxy and the verifier read different values, so
// it is reported as duplicated and refused by the verifiers.
HeaderLookup find_single_header(const HeaderList& headers, std::string_view name);

}  // namespace relance::signatures
