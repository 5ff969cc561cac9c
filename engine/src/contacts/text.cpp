#include "text.hpp"

#include <cstdio>

#include "idna.hpp"

namespace relance::contacts::detail {
namespace {

// Length of the Unicode space at the start of `s` (0 when none).
std::size_t space_prefix(std::string_view s) {
    if (s.empty()) return 0;
    auto u = static_cast<unsigned char>(s[0]);
    if (u <= 0x20 || u == 0x7f) return 1;
    if (s.starts_with("\xC2\xA0")) return 2;                                       // U+00A0
    if (s.starts_with("\xE2\x80\xAF") || s.starts_with("\xE2\x80\x8B")) return 3;  // U+202F, U+200B
    if (s.starts_with("\xEF\xBB\xBF")) return 3;                                   // U+FEFF
    return 0;
}

std::size_t space_suffix(std::string_view s) {
    if (s.empty()) return 0;
    auto u = static_cast<unsigned char>(s.back());
    if (u <= 0x20 || u == 0x7f) return 1;
    if (s.ends_with("\xC2\xA0")) return 2;
    if (s.ends_with("\xE2\x80\xAF") || s.ends_with("\xE2\x80\x8B") || s.ends_with("\xEF\xBB\xBF"))
        return 3;
    return 0;
}

}  // namespace

std::string_view trim(std::string_view s) {
    while (std::size_t n = space_prefix(s)) s.remove_prefix(n);
    while (std::size_t n = space_suffix(s)) s.remove_suffix(n);
    return s;
}

std::string unicode_spaces_to_ascii(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        std::size_t n = static_cast<unsigned char>(s[0]) >= 0x80 ? space_prefix(s) : 0;
        if (n) {
            out += ' ';
            s.remove_prefix(n);
        } else {
            out += s[0];
            s.remove_prefix(1);
        }
    }
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (lower(s[i]) != lower(prefix[i])) return false;
    }
    return true;
}

std::string show_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u >= 0x7f) {
        if (c == ' ') return "' ' (space)";
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", unsigned(u));
        return buf;
    }
    return std::string("'") + c + "'";
}

std::string quote(std::string_view s) {
    if (s.size() > 80) return "\"" + std::string(s.substr(0, 77)) + "...\"";
    return "\"" + std::string(s) + "\"";
}

namespace {

// The LDH rules on a lower-case ASCII domain: labels of letters, digits and inner hyphens, at
// most 63 octets each and 253 in all, at least two labels, a top-level label not all digits.
std::optional<std::string> check_ldh(std::string out, std::string* why) {
    if (out.size() > 253) {
        set(why, "domain is longer than 253 characters");
        return std::nullopt;
    }
    std::size_t labels = 0;
    std::string_view last;
    std::string_view rest = out;
    while (true) {
        std::size_t dot = rest.find('.');
        std::string_view label = rest.substr(0, dot);
        if (label.empty()) {
            set(why,
                "domain " + quote(out) + " has an empty label (leading, trailing or double dot)");
            return std::nullopt;
        }
        if (label.size() > 63) {
            set(why, "domain label longer than 63 characters");
            return std::nullopt;
        }
        for (char c : label) {
            if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-')) {
                set(why, "domain contains an invalid character " + show_char(c));
                return std::nullopt;
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            set(why, "domain label " + quote(label) + " starts or ends with a hyphen");
            return std::nullopt;
        }
        ++labels;
        last = label;
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (labels < 2) {
        set(why, "domain " + quote(out) + " has no dot");
        return std::nullopt;
    }
    bool numeric = true;
    for (char c : last) numeric = numeric && is_digit(c);
    if (numeric) {
        set(why, "domain " + quote(out) + " is an IP address, not a name");
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::optional<std::string> check_domain(std::string_view domain, std::string* why) {
    if (domain.empty()) {
        set(why, "empty domain");
        return std::nullopt;
    }
    if (domain.front() == '[') {
        set(why, "address literals such as [192.0.2.1] are not accepted");
        return std::nullopt;
    }
    // Four UTF-8 bytes a character at most: anything longer cannot fit 253 octets once encoded.
    if (domain.size() > 4 * 253) {
        set(why, "domain is longer than 253 characters");
        return std::nullopt;
    }
    if (!needs_idna(domain)) return check_ldh(to_lower(domain), why);
    auto ascii = idna_to_ascii(domain, why);
    if (!ascii) return std::nullopt;
    std::string reason;
    auto out = check_ldh(std::move(*ascii), &reason);
    if (!out)
        set(why, "domain " + quote(domain) + " is not a valid internationalised domain name (" +
                     reason + ")");
    return out;
}

}  // namespace relance::contacts::detail
