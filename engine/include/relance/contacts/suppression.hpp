// The global suppression (do-not-contact) list: emails, whole domains, phone numbers and
// LinkedIn profiles that no workflow may contact. In-memory and pure; the store persists the
// entries and the runtime checks match() before every send.
#pragma once

#include "relance/contacts/identity.hpp"

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace relance::contacts {

enum class Kind { email, domain, phone, linkedin };

// "email", "domain", "phone", "linkedin".
std::string_view to_string(Kind kind);
std::optional<Kind> parse_kind(std::string_view text);

struct Entry {
    Kind kind = Kind::email;
    std::string value;   // normalised: email, domain, E.164 phone, LinkedIn profile URL
    std::string source;  // "unsubscribe", "bounce", "operator", "import"
    bool locked = false; // came from the person (unsubscribe): an operator cannot remove it

    friend bool operator==(const Entry&, const Entry&) = default;
};

// Normalises `value` as an entry of `kind`: normalize_email, normalize_domain, normalize_phone
// (national numbers need `default_country`) or normalize_linkedin (person profiles only: a
// company page suppresses no one; block the company's domain instead).
std::optional<std::string> normalize_entry_value(Kind kind, std::string_view value,
                                                 std::string* why = nullptr,
                                                 std::string_view default_country = {});

// Reads one entry as typed for `relance suppress add` or found in an import file, guessing its
// kind: "email:", "domain:", "phone:" or "linkedin:" prefixes (the identity_keys form) force a
// kind; otherwise a LinkedIn or http(s) URL is linkedin, "@acme.com" is a domain, "a@b.c" (or
// "mailto:a@b.c") an email, "+33 6..." or digits with separators a phone, and "acme.com" a
// domain. Returns an Entry with kind and normalised value set, source "" and locked false (the
// caller sets them), or std::nullopt with `why` naming the problem.
std::optional<Entry> parse_entry(const std::string& text, std::string* why = nullptr,
                                 std::string_view default_country = {});

enum class AddResult {
    added,            // a new entry
    already_present,  // the same value was on the list; it is unchanged
    locked_now,       // the value was on the list unlocked; the person's entry replaced it
    invalid,          // the value is not a valid identifier of its kind (see `why`)
};

class SuppressionList {
public:
    // fold_gmail: match Gmail addresses with normalize_email's folding (dots and +tags), so an
    // unsubscribe of j.doe@gmail.com also blocks jdoe+x@googlemail.com. Off by default.
    explicit SuppressionList(bool fold_gmail = false) : fold_gmail_(fold_gmail) {}

    // Normalises entry.value for its kind and inserts it. An entry whose source is
    // "unsubscribe" is always locked. Adding a value that is already present keeps one entry:
    // a locked entry replaces an unlocked one (locked_now), anything else leaves it as it was.
    AddResult add(Entry entry, std::string* why = nullptr);

    // Removes the entry for `value` (normalised first, so any spelling works). Refuses, with a
    // reason in `why`, when it is not on the list, and when by_operator and the entry is locked
    // (an unsubscribe can only be lifted by the person, e.g. through a preference page).
    bool remove(Kind kind, std::string_view value, bool by_operator, std::string* why = nullptr);

    // The entry blocking `identity`, checked in this order: the exact email, the email's domain
    // then each parent domain (a@eu.acme.com is blocked by eu.acme.com and by acme.com, never
    // by notacme.com), the phone, the LinkedIn profile. `identity` holds normalised values
    // (identify() output). O(1) per identifier, O(labels) for the domain.
    std::optional<Entry> match(const Identity& identity) const;
    // Every entry blocking `identity`, in the same order (for explanations and audit).
    std::vector<Entry> match_all(const Identity& identity) const;

    // The entry for `value` of `kind` (normalised first), if any. No parent-domain walk.
    std::optional<Entry> find(Kind kind, std::string_view value) const;

    std::size_t size() const;
    // All entries sorted by kind (email, domain, phone, linkedin) then value.
    std::vector<Entry> entries() const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;

    std::string key(Kind kind, const std::string& normalized) const;
    const Entry* lookup(Kind kind, std::string_view key) const;

    bool fold_gmail_;
    std::array<Map, 4> maps_;  // indexed by Kind
};

}  // namespace relance::contacts
