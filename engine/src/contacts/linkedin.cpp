#include <vector>

#include "relance/contacts/normalize.hpp"
#include "text.hpp"

namespace relance::contacts {

using namespace detail;

namespace {

int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// LinkedIn hosts: linkedin.com and one short subdomain (www, m, a country code such as fr).
bool linkedin_host(std::string_view host) {
    if (host == "linkedin.com") return true;
    if (!host.ends_with(".linkedin.com")) return false;
    std::string_view sub = host.substr(0, host.size() - std::string_view(".linkedin.com").size());
    if (sub == "www") return true;
    if (sub.empty() || sub.size() > 3) return false;
    for (char c : sub) {
        if (c < 'a' || c > 'z') return false;
    }
    return true;
}

// Decodes %xx escapes and lower-cases ASCII and Latin-1 (U+00C0-U+00DE) letters.
std::optional<std::string> decode_slug(std::string_view raw, std::string* why) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
            int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                set(why, "LinkedIn URL has an invalid %-escape in " + quote(raw));
                return std::nullopt;
            }
            c = char(hi * 16 + lo);
            i += 2;
        }
        auto u = static_cast<unsigned char>(c);
        bool ok =
            is_digit(c) || is_alpha(c) || c == '-' || c == '_' || c == '.' || c == '~' || u >= 0x80;
        if (!ok) {
            set(why, "LinkedIn profile name contains an invalid character " + show_char(c));
            return std::nullopt;
        }
        out += lower(c);
    }
    // Unicode spaces (no-break, zero-width, byte-order mark) are spaces too: kept, they would
    // make "jane%C2%A0/" a key of its own, which trimming then turns into "jane".
    if (unicode_spaces_to_ascii(out) != out) {
        set(why, "LinkedIn profile name contains a space");
        return std::nullopt;
    }
    // Latin-1 capitals in UTF-8: C3 80..C3 9E, except C3 97 (multiplication sign).
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        if (out[i] == '\xC3') {
            auto b = static_cast<unsigned char>(out[i + 1]);
            if (b >= 0x80 && b <= 0x9E && b != 0x97) out[i + 1] = char(b + 0x20);
            ++i;
        }
    }
    if (out.size() > 200) {
        set(why, "LinkedIn profile name is longer than 200 characters");
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::optional<std::string> normalize_linkedin(std::string_view url, std::string* why,
                                              LinkedinKind* kind) {
    std::string_view s = trim(url);
    if (s.empty()) {
        set(why, "empty LinkedIn URL");
        return std::nullopt;
    }
    for (char c : s) {
        if (is_space_or_control(c)) {
            set(why, "LinkedIn URL contains a space or control character");
            return std::nullopt;
        }
    }
    if (std::size_t p = s.find("://"); p != std::string_view::npos) {
        std::string scheme = to_lower(s.substr(0, p));
        if (scheme != "http" && scheme != "https") {
            set(why, "LinkedIn URL has an unsupported scheme " + quote(scheme));
            return std::nullopt;
        }
        s.remove_prefix(p + 3);
    }
    s = s.substr(0, s.find('#'));
    s = s.substr(0, s.find('?'));
    std::size_t slash = s.find('/');
    std::string host = to_lower(s.substr(0, slash));
    std::string_view path = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    if (host.find('@') != std::string::npos || host.find(':') != std::string::npos) {
        set(why, "LinkedIn URL has a user name or a port");
        return std::nullopt;
    }
    if (host == "lnkd.in" || host == "www.lnkd.in") {
        set(why, "lnkd.in short link: open it and use the profile URL it leads to");
        return std::nullopt;
    }
    if (!linkedin_host(host)) {
        set(why, "not a LinkedIn URL (host " + quote(host) + ")");
        return std::nullopt;
    }

    std::vector<std::string_view> segs;
    while (!path.empty()) {
        std::size_t next = path.find('/');
        std::string_view seg = path.substr(0, next);
        if (!seg.empty()) segs.push_back(seg);
        if (next == std::string_view::npos) break;
        path.remove_prefix(next + 1);
    }
    if (!segs.empty() && to_lower(segs[0]) == "mwlite") segs.erase(segs.begin());  // mobile lite
    if (segs.empty()) {
        set(why, "LinkedIn URL has no /in/ or /company/ path");
        return std::nullopt;
    }
    std::string section = to_lower(segs[0]);
    LinkedinKind k;
    if (section == "in") {
        k = LinkedinKind::profile;
    } else if (section == "company") {
        k = LinkedinKind::company;
    } else if (section == "sales") {
        set(why,
            "Sales Navigator URLs (/sales/...) depend on the viewer's session and are not a "
            "stable public identifier; use the profile's linkedin.com/in/ URL");
        return std::nullopt;
    } else if (section == "pub") {
        set(why, "legacy /pub/ URL: open it and use the linkedin.com/in/ URL it redirects to");
        return std::nullopt;
    } else if (section == "profile") {
        set(why, "legacy /profile/view URL: use the profile's linkedin.com/in/ URL");
        return std::nullopt;
    } else {
        set(why, "LinkedIn URL is not a profile (/in/) or company (/company/) page but /" +
                     section + "/");
        return std::nullopt;
    }
    if (segs.size() < 2) {
        set(why, std::string("LinkedIn URL has no name after /") + section + "/");
        return std::nullopt;
    }
    if (k == LinkedinKind::profile && segs[1].starts_with("ACoAA")) {
        set(why,
            "LinkedIn internal member id (/in/ACoAA...), not the public profile URL: open "
            "it and use the linkedin.com/in/ URL it shows");
        return std::nullopt;
    }
    auto slug = decode_slug(segs[1], why);
    if (!slug) return std::nullopt;
    if (kind) *kind = k;
    return std::string(k == LinkedinKind::profile ? "https://www.linkedin.com/in/"
                                                  : "https://www.linkedin.com/company/") +
           *slug;
}

}  // namespace relance::contacts
