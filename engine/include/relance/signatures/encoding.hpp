// Hex and base64 as webhook senders write them. Decoders are strict about the alphabet (a
// signature with a stray character is malformed, not silently shortened) and return nothing
// rather than throwing, since every caller turns a bad encoding into its own refusal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relance::signatures {

// Lower-case hex, two characters per byte.
std::string hex_encode(std::string_view bytes);
// Either case; an odd length or any other character gives nothing.
std::optional<std::string> hex_decode(std::string_view text);

// Standard alphabet (RFC 4648 section 4), padded with '='.
std::string base64_encode(std::string_view bytes);
// Standard alphabet; the '=' padding may be left out (Standard Webhooks secrets are often
// written without it), but when present it must be at the end and complete the last group.
// Whitespace, the URL-safe alphabet and a lone trailing character give nothing.
std::optional<std::string> base64_decode(std::string_view text);

// base64url without padding (RFC 4648 section 5: tracking tokens, API cursors), and its strict
// inverse: only that alphabet, no padding, and the unused low bits of the last character must
// be zero (one text, one spelling: changing any character changes the bytes).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace relance::signatures
