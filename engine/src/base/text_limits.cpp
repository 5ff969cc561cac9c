#include <relance/base/text_limits.hpp>

namespace relance {

std::string describe(const TextPosition& p) {
    return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

std::optional<std::string> json_limit_error(std::string_view text, const JsonLimits& limits) {
    if (text.size() > limits.max_bytes)
        return "larger than " + std::to_string(limits.max_bytes) + " bytes (" +
               std::to_string(text.size()) + ")";
    if (auto bad = find_invalid_utf8(text)) return "not valid UTF-8 at " + describe(*bad);
    // Depth outside strings; a backslash escapes the next character inside a string.
    std::size_t depth = 0;
    bool in_string = false, escaped = false;
    TextPosition pos;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') {
            ++pos.line;
            pos.column = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++pos.column;  // columns count characters
        }
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limits.max_depth) {
                pos.offset = i;
                --pos.column;  // the column of the bracket itself
                return "nested deeper than " + std::to_string(limits.max_depth) + " levels at " +
                       describe(pos);
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

}  // namespace relance
