#include "idna.hpp"

#include <idn2.h>

#include <memory>

#include "text.hpp"

namespace relance::contacts::detail {

bool needs_idna(std::string_view domain) {
    for (char c : domain)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    std::string_view rest = domain;
    while (true) {
        if (starts_with_ci(rest, "xn--")) return true;
        std::size_t dot = rest.find('.');
        if (dot == std::string_view::npos) return false;
        rest.remove_prefix(dot + 1);
    }
}

std::optional<std::string> idna_to_ascii(std::string_view domain, std::string* why) {
    // Non-transitional: "faß.de" stays itself (xn--fa-hia.de) instead of becoming "fass.de",
    // which DENIC and every current browser treat as another domain, possibly someone else's.
    // No IDN2_USE_STD3_ASCII_RULES: libidn2 2.3 then silently deletes disallowed ASCII
    // ("mü!ller.de" would become "müller.de"); the LDH check after this call refuses them.
    constexpr int kFlags = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL;
    std::string input(domain);  // libidn2 wants a NUL-terminated string
    char* out = nullptr;
    int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()),
                            reinterpret_cast<uint8_t**>(&out), kFlags);
    std::unique_ptr<char, decltype(&idn2_free)> owned(out, &idn2_free);
    if (rc != IDN2_OK) {
        set(why, "domain " + quote(domain) + " is not a valid internationalised domain name (" +
                     idn2_strerror(rc) + ")");
        return std::nullopt;
    }
    return std::string(out);
}

}  // namespace relance::contacts::detail
