// Small text helpers shared by the contacts sources (ASCII only; UTF-8 bytes pass through).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace relance::contacts::detail {

// Drops ASCII white space, no-break spaces (U+00A0, U+202F), zero-width spaces (U+200B) and
// byte-order marks (U+FEFF) at both ends.
std::string_view trim(std::string_view s);

// Replaces the Unicode spaces above with ' ' everywhere.
std::string unicode_spaces_to_ascii(std::string_view s);

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline char lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}
inline bool is_space_or_control(char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
}

std::string to_lower(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);

// How a character looks in a message: 'x', or \xNN for bytes that do not print.
std::string show_char(char c);
// A value quoted for a message, cut at 80 bytes.
std::string quote(std::string_view s);

// Validates a domain (already without '@') and returns its one canonical form: lower-case
// ASCII, internationalised labels as A-labels ("MÜLLER.de" -> "xn--mller-kva.de", see idna.hpp).
std::optional<std::string> check_domain(std::string_view domain, std::string* why);

inline void set(std::string* why, std::string text) {
    if (why) *why = std::move(text);
}

}  // namespace relance::contacts::detail
