#include "relance/contacts/normalize.hpp"

#include "text.hpp"

#include <array>

namespace relance::contacts {

using namespace detail;

namespace {

enum class Trunk {
    dropped,  // national numbers start with 0, which is not part of the E.164 number
    kept,     // Italy: the 0 belongs to the number
    none,     // no trunk prefix (Spain, Luxembourg)
    nanp,     // North American Numbering Plan: optional leading 1
};

struct Plan {
    std::string_view country;
    std::string_view code;  // calling code
    Trunk trunk;
    std::size_t min_nsn, max_nsn;  // national significant number length
};

// Sorted by country. Several countries may share a calling code (US, CA).
constexpr std::array<Plan, 10> kPlans{{
    {"BE", "32", Trunk::dropped, 8, 9},
    {"CA", "1", Trunk::nanp, 10, 10},
    {"CH", "41", Trunk::dropped, 9, 9},
    {"DE", "49", Trunk::dropped, 6, 13},
    {"ES", "34", Trunk::none, 9, 9},
    {"FR", "33", Trunk::dropped, 9, 9},
    {"GB", "44", Trunk::dropped, 9, 10},
    {"IT", "39", Trunk::kept, 6, 11},
    {"LU", "352", Trunk::none, 5, 11},
    {"US", "1", Trunk::nanp, 10, 10},
}};

const Plan* plan_for_country(std::string_view country) {
    std::string c(trim(country));
    for (char& ch : c) ch = ch >= 'a' && ch <= 'z' ? char(ch - 'a' + 'A') : ch;
    if (c == "UK") c = "GB";
    for (const auto& p : kPlans) {
        if (p.country == c) return &p;
    }
    return nullptr;
}

// The plan whose calling code starts `digits` (international form without '+').
const Plan* plan_for_number(std::string_view digits) {
    for (std::size_t len = 3; len >= 1; --len) {
        if (digits.size() < len) continue;
        for (const auto& p : kPlans) {
            if (p.code == digits.substr(0, len)) return &p;
        }
    }
    return nullptr;
}

std::string country_list() {
    std::string out;
    for (const auto& p : kPlans) {
        if (!out.empty()) out += ' ';
        out += p.country;
    }
    return out;
}

std::string digits_word(std::size_t min, std::size_t max) {
    if (min == max) return std::to_string(min) + " digits";
    return std::to_string(min) + " to " + std::to_string(max) + " digits";
}

// Checks the national significant number of a known plan.
bool check_nsn(const Plan& p, std::string_view nsn, std::string* why) {
    if (p.trunk == Trunk::nanp) {
        if (nsn.size() != 10) {
            set(why, "NANP (+1) numbers have 10 digits after the country code; got " +
                         std::to_string(nsn.size()));
            return false;
        }
        if (nsn[0] < '2' || nsn[3] < '2') {
            set(why, "NANP (+1) area codes and exchanges start with 2-9");
            return false;
        }
        return true;
    }
    if (nsn.size() < p.min_nsn || nsn.size() > p.max_nsn) {
        set(why, "+" + std::string(p.code) + " numbers have " + digits_word(p.min_nsn, p.max_nsn) +
                     " after the country code; got " + std::to_string(nsn.size()));
        return false;
    }
    if (p.country == "ES" && (nsn[0] < '6')) {
        set(why, "Spanish (+34) numbers start with 6, 7, 8 or 9");
        return false;
    }
    return true;
}

std::optional<std::string> finish(std::string_view code, std::string_view nsn, std::string* why) {
    std::size_t total = code.size() + nsn.size();
    if (total < 8 || total > 15) {
        set(why, "E.164 numbers have 8 to 15 digits; got " + std::to_string(total));
        return std::nullopt;
    }
    return "+" + std::string(code) + std::string(nsn);
}

}  // namespace

const std::vector<std::string>& phone_countries() {
    static const std::vector<std::string> list = [] {
        std::vector<std::string> out;
        for (const auto& p : kPlans) out.emplace_back(p.country);
        return out;
    }();
    return list;
}

std::optional<std::string> normalize_phone(std::string_view text,
                                           std::string_view default_country, std::string* why) {
    std::string spaced = unicode_spaces_to_ascii(trim(text));
    std::string_view s = spaced;
    if (starts_with_ci(s, "tel:")) s.remove_prefix(4);
    if (s.empty()) {
        set(why, "empty phone number");
        return std::nullopt;
    }

    std::string digits;
    bool plus = false;
    std::size_t paren_zero = std::string::npos;  // index in `digits` of a "(0)"
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (is_digit(c)) {
            digits += c;
        } else if (c == '+') {
            if (plus || !digits.empty()) {
                set(why, "phone number has a '+' that is not at the start");
                return std::nullopt;
            }
            plus = true;
        } else if (c == '(') {
            if (s.substr(i, 3) == "(0)") {
                paren_zero = digits.size();
                digits += '0';
                i += 2;
            }
        } else if (c == ' ' || c == '.' || c == '-' || c == ')' || c == '/' || c == '\t') {
            // separator
        } else if (is_alpha(c)) {
            set(why, "phone number contains letters (extensions such as \"ext. 12\" are not "
                     "supported)");
            return std::nullopt;
        } else {
            set(why, "phone number contains an invalid character " + show_char(c));
            return std::nullopt;
        }
    }
    if (digits.empty()) {
        set(why, "phone number has no digits");
        return std::nullopt;
    }

    const Plan* home = plan_for_country(default_country);

    // International forms.
    std::size_t skip = std::string::npos;
    if (plus) skip = 0;
    else if (digits.starts_with("00")) skip = 2;
    else if (home && home->trunk == Trunk::nanp && digits.starts_with("011")) skip = 3;
    if (skip != std::string::npos) {
        std::string intl = digits.substr(skip);
        if (paren_zero != std::string::npos && paren_zero >= skip) paren_zero -= skip;
        else paren_zero = std::string::npos;
        if (intl.empty()) {
            set(why, "phone number has no digits after the international prefix");
            return std::nullopt;
        }
        if (intl[0] == '0') {
            set(why, "country calling codes do not start with 0");
            return std::nullopt;
        }
        const Plan* p = plan_for_number(intl);
        // "(0)" marks the trunk prefix, not dialled from abroad: drop it except where the 0
        // belongs to the number (Italy).
        if (paren_zero != std::string::npos && !(p && p->trunk == Trunk::kept)) {
            intl.erase(paren_zero, 1);
        }
        if (!p) return finish("", intl, why);
        std::string nsn = intl.substr(p->code.size());
        if (p->trunk == Trunk::dropped && nsn.starts_with('0')) nsn.erase(0, 1);  // "+33 06..."
        if (!check_nsn(*p, nsn, why)) return std::nullopt;
        return finish(p->code, nsn, why);
    }

    // National forms.
    if (default_country.empty()) {
        set(why, "national number (no + or 00) and no default country; write it as +<country "
                 "code>...");
        return std::nullopt;
    }
    if (!home) {
        set(why, "no numbering rules for default country " + quote(default_country) + " (known: " +
                     country_list() + "); write the number as +<country code>...");
        return std::nullopt;
    }
    std::string nsn = digits;
    switch (home->trunk) {
    case Trunk::dropped:
        if (!nsn.starts_with('0')) {
            set(why, std::string(home->country) +
                         " national numbers start with the trunk prefix 0; without it the "
                         "number is ambiguous (write +" +
                         std::string(home->code) + "...)");
            return std::nullopt;
        }
        nsn.erase(0, 1);
        break;
    case Trunk::kept:
        break;
    case Trunk::none:
        if (nsn.starts_with('0')) {
            set(why, std::string(home->country) + " numbers have no trunk prefix 0");
            return std::nullopt;
        }
        break;
    case Trunk::nanp:
        if (nsn.size() == 11 && nsn.starts_with('1')) nsn.erase(0, 1);
        else if (nsn.size() != 10) {
            set(why, "NANP numbers have 10 digits, optionally preceded by 1; got " +
                         std::to_string(nsn.size()));
            return std::nullopt;
        }
        break;
    }
    if (!check_nsn(*home, nsn, why)) return std::nullopt;
    return finish(home->code, nsn, why);
}

}  // namespace relance::contacts
