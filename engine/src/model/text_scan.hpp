// Lexical checks of scalars the loaders read (names, numbers, dates, event types). Each is one
// pass over the text with no backtracking: these used to be std::regex matches, whose recursion
// per character crashed the process on a long name or number (DESIGN invariant 9). Internal to
// relance_model.
#pragma once

#include <optional>
#include <string_view>

namespace relance::model::detail {

inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Non-empty, and every character is one of the allowed classes.
template <class Allowed>
bool all_chars(std::string_view s, Allowed allowed) {
    if (s.empty()) return false;
    for (char c : s)
        if (!allowed(c)) return false;
    return true;
}

// [a-z0-9_-]+ : workflow names, the two halves of `uses: plugin.action`.
inline bool is_lower_name(std::string_view s) {
    return all_chars(s, [](char c) { return is_lower(c) || is_digit(c) || c == '_' || c == '-'; });
}

// [A-Za-z0-9_-]+ : variant names.
inline bool is_name(std::string_view s) {
    return all_chars(s, [](char c) {
        return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '-';
    });
}

// [A-Za-z0-9_.-]+ : pool names.
inline bool is_dotted_name(std::string_view s) {
    return all_chars(s, [](char c) {
        return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
    });
}

// [a-z][a-z0-9_-]* : channel names.
inline bool is_channel_name(std::string_view s) {
    return !s.empty() && is_lower(s[0]) && is_lower_name(s);
}

// [a-z][a-z0-9_.-]* : event types.
inline bool is_event_type(std::string_view s) {
    return !s.empty() && is_lower(s[0]) && all_chars(s, [](char c) {
               return is_lower(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
           });
}

// YAML 1.2 core schema, plain scalars: [-+]?[0-9]+
inline bool is_core_int(std::string_view s) {
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    return all_chars(s, is_digit);
}

// YAML 1.2 core schema, plain scalars: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
inline bool is_core_float(std::string_view s) {
    std::size_t i = 0, n = s.size();
    auto digits = [&] {
        std::size_t start = i;
        while (i < n && is_digit(s[i])) ++i;
        return i - start;
    };
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    if (i < n && s[i] == '.') {
        ++i;
        if (digits() == 0) return false;
    } else {
        if (digits() == 0) return false;
        if (i < n && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
        if (digits() == 0) return false;
    }
    return i == n;
}

// "<1 to 4 digits>bd": business days.
inline std::optional<int> business_days(std::string_view s) {
    if (s.size() < 3 || s.size() > 6 || s.substr(s.size() - 2) != "bd") return std::nullopt;
    std::string_view n = s.substr(0, s.size() - 2);
    if (!all_chars(n, is_digit)) return std::nullopt;
    int v = 0;
    for (char c : n) v = v * 10 + (c - '0');
    return v;
}

}  // namespace relance::model::detail
