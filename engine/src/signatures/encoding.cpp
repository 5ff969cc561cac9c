#include "relance/signatures/encoding.hpp"

#include <array>
#include <cstdint>

namespace relance::signatures {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// -1 for anything outside the standard alphabet ('=' included: padding is handled apart).
constexpr std::array<std::int8_t, 256> make_base64_values() {
    std::array<std::int8_t, 256> values{};
    for (auto& v : values) v = -1;
    for (int i = 0; i < 64; ++i) values[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
    return values;
}
constexpr auto kBase64Values = make_base64_values();

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::array<std::int8_t, 256> make_base64url_values() {
    std::array<std::int8_t, 256> values{};
    for (auto& v : values) v = -1;
    for (int i = 0; i < 64; ++i) values[static_cast<unsigned char>(kBase64UrlAlphabet[i])] = i;
    return values;
}
constexpr auto kBase64UrlValues = make_base64url_values();

// Four characters of `alphabet` per three bytes; the last one or two bytes as two or three
// characters, then '=' up to a whole group when `pad`.
std::string encode_with(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (rest == 2) out += alphabet[(n >> 6) & 63];
        if (pad) out.append(3 - rest, '=');
    }
    return out;
}

// The bytes that `digits` (no padding) spell in the alphabet `values` maps; nothing for a
// character outside it or a lone last character (6 bits: not even one byte). With
// `zero_tail`, the unused low bits of the last character must be zero.
std::optional<std::string> decode_with(std::string_view digits,
                                       const std::array<std::int8_t, 256>& values, bool zero_tail) {
    if (digits.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(digits.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : digits) {
        int v = values[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    if (zero_tail && bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string hex_encode(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out += kHexDigits[b >> 4];
        out += kHexDigits[b & 15];
    }
    return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]);
        int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>((hi << 4) | lo);
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    return encode_with(bytes, kBase64Alphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Padding: at most two '=', only at the end, and only to complete a group of four.
    std::size_t padding = 0;
    while (padding < text.size() && padding < 3 && text[text.size() - 1 - padding] == '=')
        ++padding;
    std::string_view digits = text.substr(0, text.size() - padding);
    if (padding > 2) return std::nullopt;
    if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
    return decode_with(digits, kBase64Values, false);
}

std::string base64url_encode(std::string_view bytes) {
    return encode_with(bytes, kBase64UrlAlphabet, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
    // No padding; and the bits left over must be zero: otherwise two spellings would decode
    // alike.
    return decode_with(text, kBase64UrlValues, true);
}

}  // namespace relance::signatures
