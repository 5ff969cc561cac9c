// Phone numbers to E.164 through libphonenumber: every country's numbering plan (calling code,
// trunk prefix, international prefix, number lengths and ranges) comes from its metadata. This
// file only reads the text (separators, "tel:", "(0)", letters) and words the errors.
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <list>
#include <set>
#include <vector>

#include "relance/contacts/normalize.hpp"
#include "text.hpp"

namespace relance::contacts {

using namespace detail;

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The library is a thread-safe singleton: every method used here is const.
const PhoneNumberUtil& util() {
    static const PhoneNumberUtil* instance = PhoneNumberUtil::GetInstance();
    return *instance;
}

// "fr", " Fr " -> "FR"; "UK" -> "GB" (the ISO code; UK is what people write).
std::string region_of(std::string_view country) {
    std::string c(trim(country));
    for (char& ch : c) ch = ch >= 'a' && ch <= 'z' ? char(ch - 'a' + 'A') : ch;
    if (c == "UK") c = "GB";
    return c;
}

std::string digits_word(const std::vector<int>& lengths) {
    if (lengths.size() == 1) return std::to_string(lengths[0]) + " digits";
    if (lengths.back() - lengths.front() + 1 == static_cast<int>(lengths.size()))
        return std::to_string(lengths.front()) + " to " + std::to_string(lengths.back()) +
               " digits";
    std::string out;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        if (i) out += i + 1 == lengths.size() ? " or " : ", ";
        out += std::to_string(lengths[i]);
    }
    return out + " digits";
}

// The national number lengths of a calling code's plan ("+33 numbers have 9 digits"). The
// metadata is private in the C++ API, but a number's possibility depends on its length alone,
// so the lengths are found by asking for each one (errors only: never on the valid path).
std::vector<int> national_lengths(int calling_code) {
    std::vector<int> out;
    PhoneNumber probe;
    probe.set_country_code(calling_code);
    std::uint64_t number = 1;
    for (int length = 1; length <= 17; ++length, number *= 10) {
        probe.set_national_number(number);
        if (util().IsPossibleNumberWithReason(probe) == PhoneNumberUtil::IS_POSSIBLE)
            out.push_back(length);
    }
    return out;
}

// "US, CA, ..." for +1: the countries sharing a calling code, at most three named.
std::string countries_of(int calling_code) {
    std::list<std::string> regions;
    util().GetRegionCodesForCountryCallingCode(calling_code, &regions);
    std::string out;
    int n = 0;
    for (const auto& r : regions) {
        if (r == "001") continue;  // non-geographic entities (+800, +882...)
        if (n == 3) return out + ", ...";
        out += (n++ ? ", " : "") + r;
    }
    return out;
}

// `region`: the default country national numbers are read with ("ZZ" for "+..." numbers).
std::optional<std::string> to_e164(const std::string& number, const std::string& region,
                                   std::string* why) {
    PhoneNumber parsed;
    switch (util().Parse(number, region, &parsed)) {
        case PhoneNumberUtil::NO_PARSING_ERROR:
            break;
        case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
            set(why, "no country uses the calling code this number starts with");
            return std::nullopt;
        case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
            set(why, "phone number has no digits after the international prefix");
            return std::nullopt;
        case PhoneNumberUtil::TOO_SHORT_NSN:
            set(why, "phone number is too short to be a number");
            return std::nullopt;
        case PhoneNumberUtil::TOO_LONG_NSN:
            set(why, "phone number is too long: E.164 numbers have at most 15 digits");
            return std::nullopt;
        default:
            set(why, "phone number is not a number");
            return std::nullopt;
    }
    const int code = parsed.country_code();
    std::string nsn;
    util().GetNationalSignificantNumber(parsed, &nsn);
    auto possible = util().IsPossibleNumberWithReason(parsed);
    if (possible != PhoneNumberUtil::IS_POSSIBLE) {
        auto lengths = national_lengths(code);
        std::string text =
            "+" + std::to_string(code) + " numbers have " +
            (lengths.empty() ? std::string("another length") : digits_word(lengths)) +
            " after the country code; got " + std::to_string(nsn.size());
        if (possible == PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY)
            text += " (a local number without its area code?)";
        set(why, text);
        return std::nullopt;
    }
    if (!util().IsValidNumber(parsed)) {
        // libphonenumber keeps a trunk prefix whose removal leaves too few digits ("06 12 34
        // 56 7" in France): a length is then the clearer reason.
        std::string main_region, trunk;
        util().GetRegionCodeForCountryCode(code, &main_region);
        util().GetNddPrefixForRegion(main_region, true, &trunk);
        if (!trunk.empty() && nsn.starts_with(trunk)) {
            auto lengths = national_lengths(code);
            int without = static_cast<int>(nsn.size() - trunk.size());
            if (!lengths.empty() &&
                std::find(lengths.begin(), lengths.end(), without) == lengths.end()) {
                set(why, "+" + std::to_string(code) + " numbers have " + digits_word(lengths) +
                             " after the country code and the trunk prefix " + trunk + "; got " +
                             std::to_string(without));
                return std::nullopt;
            }
        }
        std::string countries =
            util().GetCountryCodeForRegion(region) == code ? region : countries_of(code);
        set(why, "+" + std::to_string(code) + " " + nsn + " is not a valid number" +
                     (countries.empty() ? "" : " in " + countries) +
                     ": no number range in use starts like this");
        return std::nullopt;
    }
    std::string out;
    util().Format(parsed, PhoneNumberUtil::E164, &out);
    return out;
}

}  // namespace

const std::vector<std::string>& phone_countries() {
    static const std::vector<std::string> list = [] {
        std::set<std::string> regions;
        util().GetSupportedRegions(&regions);
        return std::vector<std::string>(regions.begin(), regions.end());
    }();
    return list;
}

std::optional<std::string> normalize_phone(std::string_view text, std::string_view default_country,
                                           std::string* why) {
    std::string spaced = unicode_spaces_to_ascii(trim(text));
    std::string_view s = spaced;
    if (starts_with_ci(s, "tel:")) s.remove_prefix(4);
    if (s.empty()) {
        set(why, "empty phone number");
        return std::nullopt;
    }

    // Only digits reach libphonenumber: it would also read letters (vanity numbers, "ext.")
    // and other punctuation, which relance refuses.
    std::string digits;
    bool plus = false;
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
            // "(0)" marks the trunk prefix: kept as a 0, which libphonenumber drops where the
            // country's plan has a trunk 0 and keeps where it belongs to the number (Italy).
            if (s.substr(i, 3) == "(0)") {
                digits += '0';
                i += 2;
            }
        } else if (c == ' ' || c == '.' || c == '-' || c == ')' || c == '/' || c == '\t') {
            // separator
        } else if (is_alpha(c)) {
            set(why,
                "phone number contains letters (extensions such as \"ext. 12\" are not "
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

    // International forms: "+CC..." and "00CC..." whatever the default country (00 is the
    // international prefix of most of the world, and no national number starts with it).
    // Other international prefixes (011 in the US, 010 in Japan) are the country's own and
    // libphonenumber reads them with the default country below.
    if (plus || digits.starts_with("00")) {
        std::string intl = digits.substr(plus ? 0 : 2);
        if (intl.empty()) {
            set(why, "phone number has no digits after the international prefix");
            return std::nullopt;
        }
        if (intl[0] == '0') {
            set(why, "country calling codes do not start with 0");
            return std::nullopt;
        }
        return to_e164("+" + intl, "ZZ", why);
    }

    // National forms, read with the default country's plan.
    std::string region = region_of(default_country);
    if (region.empty()) {
        set(why,
            "national number (no + or 00) and no default country; write it as +<country "
            "code>...");
        return std::nullopt;
    }
    if (util().GetCountryCodeForRegion(region) == 0) {
        set(why, "no numbering rules for default country " + quote(default_country) +
                     " (an ISO 3166 two-letter code such as FR is expected); write the number "
                     "as +<country code>...");
        return std::nullopt;
    }
    return to_e164(digits, region, why);
}

}  // namespace relance::contacts
