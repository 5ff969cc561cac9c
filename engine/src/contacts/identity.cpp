#include "relance/contacts/identity.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "relance/contacts/normalize.hpp"
#include "text.hpp"

namespace relance::contacts {

using namespace detail;

namespace {

constexpr std::array<std::string_view, 5> kEmailColumns{"email", "e_mail", "email_address",
                                                        "work_email", "mail"};
constexpr std::array<std::string_view, 4> kPhoneColumns{"phone", "phone_number", "mobile",
                                                        "mobile_phone"};
constexpr std::array<std::string_view, 4> kLinkedinColumns{
    "linkedin", "linkedin_url", "linkedin_profile", "linkedin_profile_url"};

// "Work-Email " -> "work_email".
std::string column_key(std::string_view name) {
    std::string key = to_lower(trim(name));
    for (char& c : key) {
        if (c == ' ' || c == '-') c = '_';
    }
    return key;
}

// Values of the record's columns named in `names`, in the order of `names` (then record order).
template <std::size_t N>
std::vector<std::pair<const std::string*, const std::string*>> columns(
    const std::map<std::string, std::string>& record,
    const std::array<std::string_view, N>& names) {
    std::vector<std::pair<std::size_t, std::pair<const std::string*, const std::string*>>> found;
    for (const auto& [name, value] : record) {
        std::string key = column_key(name);
        auto it = std::find(names.begin(), names.end(), key);
        if (it != names.end()) found.push_back({std::size_t(it - names.begin()), {&name, &value}});
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<const std::string*, const std::string*>> out;
    for (const auto& f : found) out.push_back(f.second);
    return out;
}

template <std::size_t N, typename Normalize>
std::optional<std::string> first_valid(const std::map<std::string, std::string>& record,
                                       const std::array<std::string_view, N>& names,
                                       std::string_view what, Normalize normalize,
                                       std::vector<std::string>* problems) {
    for (const auto& [name, value] : columns(record, names)) {
        if (trim(*value).empty()) continue;
        std::string why;
        if (auto v = normalize(*value, &why)) return v;
        if (problems) {
            problems->push_back(*name + ": " + quote(*value) + " is not a valid " +
                                std::string(what) + ": " + why);
        }
    }
    return std::nullopt;
}

}  // namespace

Identity identify(const std::map<std::string, std::string>& record,
                  const std::string& default_country, std::vector<std::string>* problems) {
    Identity id;
    id.email = first_valid(
        record, kEmailColumns, "email",
        [](const std::string& v, std::string* why) { return normalize_email(v, why); }, problems);
    id.phone = first_valid(
        record, kPhoneColumns, "phone number",
        [&](const std::string& v, std::string* why) {
            return normalize_phone(v, default_country, why);
        },
        problems);
    id.linkedin = first_valid(
        record, kLinkedinColumns, "LinkedIn profile URL",
        [](const std::string& v, std::string* why) -> std::optional<std::string> {
            LinkedinKind kind{};
            auto url = normalize_linkedin(v, why, &kind);
            if (url && kind != LinkedinKind::profile) {
                set(why, "it is a company page, not a person's profile");
                return std::nullopt;
            }
            return url;
        },
        problems);
    return id;
}

std::vector<std::string> identity_keys(const Identity& identity, bool fold_gmail) {
    std::vector<std::string> keys;
    if (identity.email) {
        std::optional<std::string> folded;
        if (fold_gmail) folded = normalize_email(*identity.email, nullptr, true);
        keys.push_back("email:" + (folded ? *folded : *identity.email));
    }
    if (identity.phone) keys.push_back("phone:" + *identity.phone);
    if (identity.linkedin) keys.push_back("linkedin:" + *identity.linkedin);
    return keys;
}

std::string key_kind(const std::string& key) {
    return key.substr(0, key.find(':'));
}

std::string key_value(const std::string& key) {
    auto colon = key.find(':');
    return colon == std::string::npos ? std::string() : key.substr(colon + 1);
}

}  // namespace relance::contacts
