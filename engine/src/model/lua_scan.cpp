#include "lua_scan.hpp"

#include <set>

namespace relance::model::detail {

namespace {

bool word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool word_char(char c) { return word_start(c) || (c >= '0' && c <= '9'); }

// At code[i] == '[': the level of a long bracket `[==[` (number of '='), or -1 when it is not
// one.
int long_bracket_level(std::string_view code, std::size_t i) {
    std::size_t j = i + 1;
    while (j < code.size() && code[j] == '=') ++j;
    if (j < code.size() && code[j] == '[') return static_cast<int>(j - i - 1);
    return -1;
}

// Index just past the `]==]` closing a long bracket of `level` opened before `from`.
std::size_t skip_long(std::string_view code, std::size_t from, int level) {
    std::string close = "]" + std::string(static_cast<std::size_t>(level), '=') + "]";
    std::size_t end = code.find(close, from);
    return end == std::string_view::npos ? code.size() : end + close.size();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> lua_references(std::string_view code) {
    static const std::set<std::string, std::less<>> roots = {"inputs", "contact", "steps", "vars"};
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::pair<std::string, std::string>> seen;
    char prev = ' ';  // the last character of code (not of a string or comment) before i
    std::size_t i = 0, n = code.size();
    while (i < n) {
        char c = code[i];
        if (c == '-' && i + 1 < n && code[i + 1] == '-') {  // comment
            std::size_t j = i + 2;
            int level = j < n && code[j] == '[' ? long_bracket_level(code, j) : -1;
            if (level >= 0) {
                i = skip_long(code, j + static_cast<std::size_t>(level) + 2, level);
            } else {
                std::size_t nl = code.find('\n', j);
                i = nl == std::string_view::npos ? n : nl;
            }
            prev = ' ';
            continue;
        }
        if (c == '"' || c == '\'') {  // short string
            std::size_t j = i + 1;
            while (j < n && code[j] != c && code[j] != '\n') j += code[j] == '\\' ? 2 : 1;
            i = j < n ? j + 1 : n;
            prev = c;
            continue;
        }
        if (c == '[') {
            int level = long_bracket_level(code, i);
            if (level >= 0) {  // long string
                i = skip_long(code, i + static_cast<std::size_t>(level) + 2, level);
                prev = ']';
                continue;
            }
        }
        if (word_start(c)) {
            std::size_t j = i;
            while (j < n && word_char(code[j])) ++j;
            std::string_view word = code.substr(i, j - i);
            bool member = prev == '.' || prev == ':';
            if (!member && roots.count(word) && j + 1 < n && code[j] == '.' &&
                word_start(code[j + 1])) {
                std::size_t k = j + 1;
                while (k < n && word_char(code[k])) ++k;
                std::pair<std::string, std::string> ref{std::string(word),
                                                        std::string(code.substr(j + 1, k - j - 1))};
                if (seen.insert(ref).second) out.push_back(std::move(ref));
                i = k;
                prev = 'x';
                continue;
            }
            i = j;
            prev = 'x';
            continue;
        }
        if (c == '.' && i + 1 < n && code[i + 1] == '.') {  // `..` or `...`: not a member
            while (i < n && code[i] == '.') ++i;
            prev = ' ';
            continue;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') prev = c;
        ++i;
    }
    return out;
}

std::pair<int, std::string> split_lua_line(const std::string& message) {
    auto number_then_colon = [&](std::size_t at, std::size_t& end) -> int {
        std::size_t j = at;
        long v = 0;
        while (j < message.size() && message[j] >= '0' && message[j] <= '9' && j - at < 9)
            v = v * 10 + (message[j++] - '0');
        if (j == at || j >= message.size() || message[j] != ':') return 0;
        ++j;
        while (j < message.size() && (message[j] == ' ' || message[j] == '\t')) ++j;
        end = j;
        return static_cast<int>(v);
    };
    std::size_t end = 0;
    if (message.rfind("line ", 0) == 0)
        if (int line = number_then_colon(5, end); line > 0) return {line, message.substr(end)};
    for (std::size_t at = message.find("]:"); at != std::string::npos;
         at = message.find("]:", at + 1))
        if (int line = number_then_colon(at + 2, end); line > 0) return {line, message.substr(end)};
    return {0, message};
}

}  // namespace relance::model::detail
