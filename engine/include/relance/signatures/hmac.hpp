// The one MAC every scheme here uses, and the one comparison allowed on its output.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace relance::signatures {

inline constexpr std::size_t kHmacSha256Bytes = 32;

// HMAC-SHA256(key, message), the 32 raw bytes. An empty key is allowed (HMAC defines it).
// Throws std::runtime_error only if OpenSSL itself fails.
std::string hmac_sha256(std::string_view key, std::string_view message);
// HMAC-SHA256 of the concatenation of `parts`, without building it: signed content such as
// "<id>.<timestamp>.<body>" costs no copy of a large body.
std::string hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

// True when both hold the same bytes. The time taken depends only on the lengths, never on
// where the first difference is, so a sender probing byte by byte learns nothing; lengths are
// not secret (a digest's length is public). Use this, never ==, on anything a MAC produced.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace relance::signatures
