#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>
#include <relance/base/utf8.hpp>

namespace relance {
namespace {

using json = nlohmann::json;

// Bytes a JSON string must escape: the quote, the backslash and the control characters (what
// nlohmann escapes with ensure_ascii off; DEL and everything above ASCII go as they are).
constexpr bool needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\';
}

// Whether any of the eight bytes at `p` needs an escape: a byte below 0x20, a quote or a
// backslash (the classic "has a zero byte" test on the word, and on it xor the byte sought). A
// true may be wrong after a true byte (borrows), never a false: the bytes are then looked at one
// by one.
bool word_needs_escape(const char* p) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    auto has_zero = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
    std::uint64_t control = (w - 0x20 * ones) & ~w & highs;
    return (control | has_zero(w ^ ('"' * ones)) | has_zero(w ^ ('\\' * ones))) != 0;
}

bool all_ascii(const std::string& s) {
    // Eight bytes at a time: any high bit set means a byte above ASCII.
    const char* p = s.data();
    std::size_t n = s.size(), i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) return false;
    }
    for (; i < n; ++i)
        if (static_cast<unsigned char>(p[i]) & 0x80) return false;
    return true;
}

void append_string(std::string& out, const std::string& s) {
    if (!all_ascii(s) && find_invalid_utf8(s)) {
        // Invalid UTF-8: nlohmann's own replacement, byte for byte the same text as before.
        out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
        return;
    }
    out.push_back('"');
    const char* p = s.data();
    const std::size_t n = s.size();
    std::size_t start = 0;
    for (std::size_t i = 0; i < n; ++i) {
        // Eight bytes at a time while none needs an escape (most text has none for a while).
        while (i + 8 <= n && !word_needs_escape(p + i)) i += 8;
        if (i >= n) break;
        auto c = static_cast<unsigned char>(p[i]);
        if (!needs_escape(c)) continue;
        out.append(p + start, i - start);
        start = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                static constexpr char hex[] = "0123456789abcdef";
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
                out.append(u, sizeof u);
            }
        }
    }
    out.append(p + start, n - start);
    out.push_back('"');
}

}  // namespace

void append_json_text(std::string& out, const json& value) {
    switch (value.type()) {
        case json::value_t::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, item] : value.items()) {
                if (!first) out.push_back(',');
                first = false;
                append_string(out, key);
                out.push_back(':');
                append_json_text(out, item);
            }
            out.push_back('}');
            return;
        }
        case json::value_t::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& item : value) {
                if (!first) out.push_back(',');
                first = false;
                append_json_text(out, item);
            }
            out.push_back(']');
            return;
        }
        case json::value_t::string:
            append_string(out, value.get_ref<const std::string&>());
            return;
        default:
            // Numbers, booleans, null (and binary): nlohmann's own text, short anyway.
            out += value.dump(-1, ' ', false, json::error_handler_t::replace);
            return;
    }
}

}  // namespace relance
