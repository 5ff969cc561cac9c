#include "relance/contacts/suppression.hpp"

#include <algorithm>

#include "relance/contacts/normalize.hpp"
#include "text.hpp"

namespace relance::contacts {

using namespace detail;

namespace {

constexpr std::array<Kind, 4> kKinds{Kind::email, Kind::domain, Kind::phone, Kind::linkedin};

std::size_t index(Kind kind) {
    return static_cast<std::size_t>(kind);
}

bool looks_like_phone(std::string_view s) {
    bool digit = false;
    for (char c : s) {
        if (is_digit(c))
            digit = true;
        else if (std::string_view(" .-()/+").find(c) == std::string_view::npos)
            return false;
    }
    return digit;
}

}  // namespace

std::string_view to_string(Kind kind) {
    switch (kind) {
        case Kind::email:
            return "email";
        case Kind::domain:
            return "domain";
        case Kind::phone:
            return "phone";
        case Kind::linkedin:
            return "linkedin";
    }
    return "?";
}

std::optional<Kind> parse_kind(std::string_view text) {
    std::string t = to_lower(trim(text));
    for (Kind k : kKinds) {
        if (to_string(k) == t) return k;
    }
    return std::nullopt;
}

std::optional<std::string> normalize_entry_value(Kind kind, std::string_view value,
                                                 std::string* why,
                                                 std::string_view default_country) {
    switch (kind) {
        case Kind::email:
            return normalize_email(value, why);
        case Kind::domain:
            return normalize_domain(value, why);
        case Kind::phone:
            return normalize_phone(value, default_country, why);
        case Kind::linkedin: {
            LinkedinKind lk{};
            auto url = normalize_linkedin(value, why, &lk);
            if (url && lk != LinkedinKind::profile) {
                set(why,
                    "a LinkedIn company page suppresses no one; block the company's email "
                    "domain instead");
                return std::nullopt;
            }
            return url;
        }
    }
    set(why, "unknown kind");
    return std::nullopt;
}

std::optional<Entry> parse_entry(const std::string& text, std::string* why,
                                 std::string_view default_country) {
    std::string_view s = trim(text);
    if (s.empty()) {
        set(why, "empty entry");
        return std::nullopt;
    }
    std::optional<Kind> kind;
    // Explicit "kind:" prefix, as written by identity_keys.
    if (std::size_t colon = s.find(':'); colon != std::string_view::npos) {
        if (auto k = parse_kind(s.substr(0, colon))) {
            kind = k;
            s = trim(s.substr(colon + 1));
        }
    }
    if (!kind) {
        std::string lower = to_lower(s);
        // A URL has a scheme or a path; "bob@linkedin.com" and "linkedin.com" are not URLs.
        bool url = lower.starts_with("http://") || lower.starts_with("https://") ||
                   (s.find('/') != std::string_view::npos && s.find('@') == std::string_view::npos);
        if (s.starts_with('@')) {
            kind = Kind::domain;
        } else if (url) {
            kind = Kind::linkedin;
        } else if (s.find('@') != std::string_view::npos || lower.starts_with("mailto:")) {
            kind = Kind::email;
        } else if (looks_like_phone(s) || lower.starts_with("tel:")) {
            kind = Kind::phone;
        } else if (s.find('.') != std::string_view::npos) {
            kind = Kind::domain;
        } else {
            set(why, "cannot tell what " + quote(s) +
                         " is: expected an email (a@acme.com), a domain (acme.com or "
                         "@acme.com), a phone number (+33 6 12 34 56 78) or a LinkedIn "
                         "profile URL");
            return std::nullopt;
        }
    }
    std::string reason;
    auto value = normalize_entry_value(*kind, s, &reason, default_country);
    if (!value) {
        set(why, std::string(to_string(*kind)) + " " + quote(s) + ": " + reason);
        return std::nullopt;
    }
    return Entry{*kind, std::move(*value), "", false};
}

std::string SuppressionList::key(Kind kind, const std::string& normalized) const {
    if (kind == Kind::email && fold_gmail_) {
        if (auto folded = normalize_email(normalized, nullptr, true)) return *folded;
    }
    return normalized;
}

const Entry* SuppressionList::lookup(Kind kind, std::string_view key) const {
    const Map& m = maps_[index(kind)];
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
}

AddResult SuppressionList::add(Entry entry, std::string* why) {
    auto value = normalize_entry_value(entry.kind, entry.value, why);
    if (!value) return AddResult::invalid;
    entry.value = std::move(*value);
    if (entry.source == "unsubscribe") entry.locked = true;
    Map& m = maps_[index(entry.kind)];
    std::string k = key(entry.kind, entry.value);
    auto it = m.find(k);
    if (it == m.end()) {
        m.emplace(std::move(k), std::move(entry));
        return AddResult::added;
    }
    if (entry.locked && !it->second.locked) {
        it->second = std::move(entry);
        return AddResult::locked_now;
    }
    return AddResult::already_present;
}

bool SuppressionList::remove(Kind kind, std::string_view value, bool by_operator,
                             std::string* why) {
    std::string reason;
    auto normalized = normalize_entry_value(kind, value, &reason);
    if (!normalized) {
        set(why, std::string(to_string(kind)) + " " + quote(value) + ": " + reason);
        return false;
    }
    Map& m = maps_[index(kind)];
    auto it = m.find(key(kind, *normalized));
    if (it == m.end()) {
        set(why,
            std::string(to_string(kind)) + " " + *normalized + " is not on the suppression list");
        return false;
    }
    if (by_operator && it->second.locked) {
        set(why, std::string(to_string(kind)) + " " + it->second.value +
                     " was suppressed by the person (" + it->second.source +
                     "); an operator cannot remove it, only the person can opt in again");
        return false;
    }
    m.erase(it);
    return true;
}

std::vector<Entry> SuppressionList::match_all(const Identity& identity) const {
    std::vector<Entry> out;
    if (identity.email) {
        if (const Entry* e = lookup(Kind::email, key(Kind::email, *identity.email)))
            out.push_back(*e);
        // The domain, then each parent with at least two labels: eu.acme.com, acme.com.
        std::string domain = email_domain(*identity.email);
        std::string_view d = domain;
        while (d.find('.') != std::string_view::npos) {
            if (const Entry* e = lookup(Kind::domain, d)) out.push_back(*e);
            d.remove_prefix(d.find('.') + 1);
        }
    }
    if (identity.phone) {
        if (const Entry* e = lookup(Kind::phone, *identity.phone)) out.push_back(*e);
    }
    if (identity.linkedin) {
        if (const Entry* e = lookup(Kind::linkedin, *identity.linkedin)) out.push_back(*e);
    }
    return out;
}

std::optional<Entry> SuppressionList::match(const Identity& identity) const {
    if (identity.email) {
        if (const Entry* e = lookup(Kind::email, key(Kind::email, *identity.email))) return *e;
        std::string domain = email_domain(*identity.email);
        std::string_view d = domain;
        while (d.find('.') != std::string_view::npos) {
            if (const Entry* e = lookup(Kind::domain, d)) return *e;
            d.remove_prefix(d.find('.') + 1);
        }
    }
    if (identity.phone) {
        if (const Entry* e = lookup(Kind::phone, *identity.phone)) return *e;
    }
    if (identity.linkedin) {
        if (const Entry* e = lookup(Kind::linkedin, *identity.linkedin)) return *e;
    }
    return std::nullopt;
}

std::optional<Entry> SuppressionList::find(Kind kind, std::string_view value) const {
    auto normalized = normalize_entry_value(kind, value);
    if (!normalized) return std::nullopt;
    if (const Entry* e = lookup(kind, key(kind, *normalized))) return *e;
    return std::nullopt;
}

std::size_t SuppressionList::size() const {
    std::size_t n = 0;
    for (const auto& m : maps_) n += m.size();
    return n;
}

std::vector<Entry> SuppressionList::entries() const {
    std::vector<Entry> out;
    out.reserve(size());
    for (Kind k : kKinds) {
        std::size_t start = out.size();
        for (const auto& [_, e] : maps_[index(k)]) out.push_back(e);
        std::sort(out.begin() + std::ptrdiff_t(start), out.end(),
                  [](const Entry& a, const Entry& b) { return a.value < b.value; });
    }
    return out;
}

}  // namespace relance::contacts
