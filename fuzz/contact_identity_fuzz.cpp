// Contact identity from raw bytes: the email, domain, phone and LinkedIn normalisers, and the
// entry parser, on any input. Whatever the bytes: no crash, no exception, and a normalised
// value is a fixed point (normalising it again gives it back), so a key stored once is the key
// found again. Email domains come out as ASCII (A-labels), phones as "+" and digits.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <relance/contacts/identity.hpp>
#include <relance/contacts/normalize.hpp>
#include <relance/contacts/suppression.hpp>
#include <string>
#include <string_view>

namespace {

using namespace relance::contacts;

void check(bool ok) {
    if (!ok) std::abort();
}

bool ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the default country national phone numbers are read with.
    static constexpr std::array<std::string_view, 8> kCountries{"",   "FR", "US", "JP",
                                                                "BR", "IN", "it", "XX"};
    std::string_view country = kCountries[data[0] % kCountries.size()];
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

    if (auto email = normalize_email(text)) {
        check(normalize_email(*email) == email);
        check(ascii(email_domain(*email)));
        if (auto folded = normalize_email(text, nullptr, true))
            check(normalize_email(*folded, nullptr, true) == folded);
    }
    if (auto domain = normalize_domain(text)) {
        check(ascii(*domain));
        check(normalize_domain(*domain) == domain);
    }
    if (auto phone = normalize_phone(text, country)) {
        check(phone->size() >= 2 && phone->size() <= 18 && (*phone)[0] == '+');
        for (char c : phone->substr(1)) check(c >= '0' && c <= '9');
        check(normalize_phone(*phone, "") == phone);
    }
    if (auto url = normalize_linkedin(text)) check(normalize_linkedin(*url) == url);
    if (auto entry = parse_entry(text, nullptr, country))
        check(normalize_entry_value(entry->kind, entry->value, nullptr, country) == entry->value);
    std::vector<std::string> problems;
    auto id = identify({{"email", text}, {"phone", text}, {"linkedin", text}}, std::string(country),
                       &problems);
    check(identity_keys(id).size() + problems.size() <= 3);
    return 0;
}
