#include <algorithm>
#include <string_view>

#include "relance/contacts/normalize.hpp"
#include "text.hpp"

namespace relance::contacts {

using namespace detail;

namespace {

// RFC 5322 atext, plus '.' (checked separately) and UTF-8 bytes (RFC 6531).
bool local_char_ok(char c) {
    if (is_digit(c) || is_alpha(c) || static_cast<unsigned char>(c) >= 0x80) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view text, std::string* why,
                                           bool fold_gmail) {
    std::string_view s = trim(text);
    if (starts_with_ci(s, "mailto:")) s = trim(s.substr(7));
    if (s.empty()) {
        set(why, "empty email");
        return std::nullopt;
    }
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            set(why, "email contains a space");
            return std::nullopt;
        }
        if (is_space_or_control(c)) {
            set(why, "email contains a control character");
            return std::nullopt;
        }
    }
    auto ats = std::count(s.begin(), s.end(), '@');
    if (ats == 0) {
        set(why, "email has no @");
        return std::nullopt;
    }
    if (ats > 1) {
        set(why, "email has more than one @ (quoted local parts are not supported)");
        return std::nullopt;
    }
    std::size_t at = s.find('@');
    std::string_view local = s.substr(0, at);
    std::string_view domain = s.substr(at + 1);
    if (local.empty()) {
        set(why, "email has an empty local part (before @)");
        return std::nullopt;
    }
    if (domain.empty()) {
        set(why, "email has an empty domain (after @)");
        return std::nullopt;
    }
    if (local.size() > 64) {
        set(why, "email local part is longer than 64 characters");
        return std::nullopt;
    }
    for (char c : local) {
        if (c == '"') {
            set(why, "quoted local parts are not supported");
            return std::nullopt;
        }
        if (!local_char_ok(c)) {
            set(why, "email local part contains an invalid character " + show_char(c));
            return std::nullopt;
        }
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        set(why, "email local part starts or ends with a dot or has two dots in a row");
        return std::nullopt;
    }
    std::string domain_why;
    auto dom = check_domain(domain, &domain_why);
    if (!dom) {
        set(why, "email " + domain_why);
        return std::nullopt;
    }
    std::string loc = to_lower(local);
    if (fold_gmail && (*dom == "gmail.com" || *dom == "googlemail.com")) {
        loc = loc.substr(0, loc.find('+'));
        std::erase(loc, '.');
        *dom = "gmail.com";
        if (loc.empty()) {
            set(why, "email local part is empty once Gmail dots and +tag are removed");
            return std::nullopt;
        }
    }
    return loc + "@" + *dom;
}

std::string email_domain(std::string_view normalized_email) {
    std::size_t at = normalized_email.rfind('@');
    if (at == std::string_view::npos) return "";
    return std::string(normalized_email.substr(at + 1));
}

std::optional<std::string> normalize_domain(std::string_view text, std::string* why) {
    std::string_view s = trim(text);
    if (s.starts_with('@'))
        s.remove_prefix(1);
    else if (s.starts_with("*."))
        s.remove_prefix(2);
    if (s.empty()) {
        set(why, "empty domain");
        return std::nullopt;
    }
    for (char c : s) {
        if (is_space_or_control(c)) {
            set(why, "domain contains a space or control character");
            return std::nullopt;
        }
    }
    if (s.find('@') != std::string_view::npos) {
        set(why, "domain contains an @ (an email address?)");
        return std::nullopt;
    }
    if (s.find('/') != std::string_view::npos || s.find(':') != std::string_view::npos) {
        set(why, "domain " + quote(s) + " looks like a URL; give the bare name (acme.com)");
        return std::nullopt;
    }
    return check_domain(s, why);
}

}  // namespace relance::contacts
