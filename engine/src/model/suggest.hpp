// Small helpers shared by the loader and the validator (internal to relance_model).
#pragma once

#include <algorithm>
#include <relance/base/utf8.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace relance::model::detail {

// A key as a JSON Pointer token (RFC 6901): "~" -> "~0", "/" -> "~1".
inline std::string pointer_escape(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

// Optimal string alignment distance: like Levenshtein, but a swap of two neighbours ("wiht")
// counts as one edit, the most common typo in keys.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// The closest candidate, if close enough to be a plausible typo; empty otherwise.
inline std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::string::npos;
    // Short words tolerate one edit; longer ones a third of their length, at most 3.
    std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
    for (const auto& c : candidates) {
        // The distance is at least the difference in length: skip the table for words that
        // cannot be close (a 100,000-character key against short names).
        std::size_t gap = word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
        if (gap > limit) continue;
        std::size_t d = edit_distance(word, c);
        if (d <= limit && d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}

// " (did you mean 'x'?)" or "".
inline std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string c = closest(word, candidates);
    return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

inline std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

// User text quoted in a message, cut on a character boundary so that a huge value does not
// make a huge message: 'abc', or 'abcd...' (N bytes).
inline std::string quote_cut(std::string_view text, std::size_t max_bytes = 80) {
    if (text.size() <= max_bytes) return "'" + std::string(text) + "'";
    return "'" + std::string(cut_utf8(text, max_bytes)) + "...' (" +
           std::to_string(text.size()) + " bytes)";
}

inline bool is_identifier(std::string_view s) {
    if (s.empty()) return false;
    auto alpha = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!alpha(s[0])) return false;
    for (char c : s)
        if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

}  // namespace relance::model::detail
