// Normalisation of the three contact identifiers: email address, phone number, LinkedIn URL.
//
// Each normaliser takes free text as it comes from a CSV, a CRM or an operator, and returns the
// canonical form used as a key (dedupe, suppression), or std::nullopt when the text is not a
// valid identifier; `why`, when given, then receives a one-line reason ("email has no @"). The
// functions are pure (no I/O, no locale) and thread-safe. docs/contacts.md lists every rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relance::contacts {

// ---- email -------------------------------------------------------------------------------------

// Trims surrounding white space (including no-break spaces and a byte-order mark), drops a
// "mailto:" prefix and lower-cases the local part (ASCII letters; its UTF-8 bytes are kept). The
// domain gets one canonical form: lower-case ASCII, internationalised names as A-labels through
// libidn2 (IDNA2008, UTS #46 non-transitional mapping), so "anna@MÜLLER.de", "anna@müller.de"
// and "anna@xn--mller-kva.de" all give "anna@xn--mller-kva.de"; an invalid IDN is refused with
// the domain named. Rejects: no @ or more than one (quoted local parts are not supported), an
// empty local part or domain, white space or control characters, characters outside RFC 5322
// dot-atoms, leading/trailing/double dots in the local part, a domain without a dot, with an
// empty label, a label starting or ending with '-', an IP address or address literal, and
// over-long parts (64 / 253 / 63 octets).
//
// Lower-casing the local part: RFC 5321 lets a server treat "Bob" and "bob" as different
// mailboxes, but no mainstream provider does, and two spellings of one person must not escape
// dedupe or suppression.
//
// fold_gmail (off by default): for gmail.com and googlemail.com only, removes dots and a
// "+tag" from the local part and writes the domain as gmail.com, so j.doe+news@googlemail.com
// and jdoe@gmail.com give one key. It is off by default because the normalised address is also
// the one relance writes to: folding would silently change the address the person gave (and the
// +tag they filter on), it cannot cover Google Workspace domains (which look like any other
// domain), and on other domains dots and + are significant. Use it for dedupe keys only.
std::optional<std::string> normalize_email(std::string_view text, std::string* why = nullptr,
                                           bool fold_gmail = false);

// The domain of a normalised address (everything after the '@'); "" when there is no '@'.
std::string email_domain(std::string_view normalized_email);

// A domain name as in an email address: trimmed, a leading "@" or "*." dropped, validated with
// the email domain rules and written in the same canonical form (lower case, A-labels). Used for
// domain suppression entries.
std::optional<std::string> normalize_domain(std::string_view text, std::string* why = nullptr);

// ---- phone -------------------------------------------------------------------------------------

// To E.164 ("+33612345678"), with libphonenumber's numbering plans for every country. Strips
// spaces (also no-break spaces), dots, dashes, slashes and parentheses, and a "tel:" prefix;
// letters (extensions, vanity numbers) and other characters are rejected. International forms:
// "+CC..." and "00CC..." whatever the default country, and the default country's own
// international prefix ("011" in the US, "010" in Japan). A trunk prefix after the country code
// ("+44 (0)20 ...", "+33 06 ...") is dropped where the country has one (Italy keeps its 0).
//
// National numbers (no + or 00) are read with `default_country` (ISO 3166 alpha-2,
// case-insensitive, "UK" is GB); without one, or with a code libphonenumber does not know, gives
// std::nullopt with a reason asking for the international form. The number must have a length
// the country's plan allows and belong to a range in use; `why` says which check failed
// ("+33 numbers have 9 digits after the country code; got 8").
std::optional<std::string> normalize_phone(std::string_view text, std::string_view default_country,
                                           std::string* why = nullptr);

// Countries with numbering rules (libphonenumber's regions, about 245), sorted.
const std::vector<std::string>& phone_countries();

// ---- LinkedIn ----------------------------------------------------------------------------------

enum class LinkedinKind { profile, company };

// Accepts linkedin.com/in/<slug> and linkedin.com/company/<slug>, with or without http(s)://,
// www., m. or a country subdomain (fr.linkedin.com), a trailing slash, extra path segments
// (/details/experience/), a query string and a fragment. The slug is %-decoded and lower-cased
// (ASCII and Latin-1 letters). Returns "https://www.linkedin.com/in/<slug>" or
// "https://www.linkedin.com/company/<slug>" (the decoded slug is kept decoded: the result is a
// key, not a link to re-encode) and sets `kind` when given.
//
// Rejected with a reason: Sales Navigator URLs (/sales/...: tied to the viewer's session, not a
// stable public identifier), internal member ids (/in/ACoAA...), legacy /pub/ and
// /profile/view URLs, lnkd.in short links, other pages (/school/, /feed/, ...) and other hosts.
std::optional<std::string> normalize_linkedin(std::string_view url, std::string* why = nullptr,
                                              LinkedinKind* kind = nullptr);

}  // namespace relance::contacts
