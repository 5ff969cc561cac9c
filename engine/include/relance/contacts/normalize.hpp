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
// "mailto:" prefix and lower-cases the whole address (ASCII letters; bytes of internationalised
// names are kept as they are, IDN domains are not converted to punycode). Rejects: no @ or more
// than one (quoted local parts are not supported), an empty local part or domain, white space or
// control characters, characters outside RFC 5322 dot-atoms, leading/trailing/double dots in the
// local part, a domain without a dot, with an empty label, a label starting or ending with '-',
// an IP address or address literal, and over-long parts (64 / 253 / 63 octets).
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

// A domain name as in an email address: trimmed, a leading "@" or "*." dropped, lower-cased,
// validated with the email domain rules. Used for domain suppression entries.
std::optional<std::string> normalize_domain(std::string_view text, std::string* why = nullptr);

// ---- phone -------------------------------------------------------------------------------------

// To E.164 ("+33612345678"). Strips spaces (also no-break spaces), dots, dashes, slashes and
// parentheses, and a "tel:" prefix; letters (extensions) are rejected. International forms:
// "+CC...", "00CC..." and, when the default country is US or CA, "011CC...". In an international
// number a "(0)" after the country code ("+44 (0)20 ...") and a stray trunk 0 ("+33 06 ...") are
// dropped for the countries whose trunk prefix is 0 (Italy keeps its 0: +39 02 ...).
//
// National numbers (no + or 00) need `default_country` (ISO alpha-2, case-insensitive, "UK" is
// GB) from the table below; any other country, or "", gives std::nullopt with a reason asking
// for the international form.
//
//   FR +33, BE +32, CH +41, DE +49, GB +44: national numbers start with the trunk 0, dropped
//   LU +352, ES +34: no trunk prefix (a leading 0 is rejected); Spanish numbers start with 6-9
//   IT +39: the leading 0 of landlines is part of the number and kept
//   US, CA +1 (NANP): 10 digits, optionally preceded by 1; area code and exchange start 2-9
//
// Numbers for these calling codes are checked against the country's national length; every
// number must have 8 to 15 digits in all (E.164).
std::optional<std::string> normalize_phone(std::string_view text,
                                           std::string_view default_country,
                                           std::string* why = nullptr);

// Countries with national numbering rules, sorted: BE CA CH DE ES FR GB IT LU US.
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
