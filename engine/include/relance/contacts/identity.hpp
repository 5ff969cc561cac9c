// Who a contact is: the normalised identifiers read from an imported record, and the keys the
// store indexes to recognise the same person across workflows (dedupe).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace relance::contacts {

// Normalised identifiers (see normalize.hpp); each is optional, a contact may have none.
// `linkedin` is always a person's profile URL, never a company page.
struct Identity {
    std::optional<std::string> email;     // normalize_email, without Gmail folding
    std::optional<std::string> phone;     // E.164
    std::optional<std::string> linkedin;  // https://www.linkedin.com/in/<slug>

    bool empty() const { return !email && !phone && !linkedin; }
    friend bool operator==(const Identity&, const Identity&) = default;
};

// Reads the identifiers of one record (a CSV row, a JSON object's string fields). Column names
// are matched case-insensitively, ignoring surrounding white space and a byte-order mark, with
// ' ' and '-' read as '_'. Recognised names, in order of preference:
//   email:    email, e_mail, email_address, work_email, mail
//   phone:    phone, phone_number, mobile, mobile_phone
//   linkedin: linkedin, linkedin_url, linkedin_profile, linkedin_profile_url
// For each identifier the first column (in that order) holding a valid value wins; empty values
// are ignored. Each invalid value adds one line to `problems` naming the column, the value and
// the reason ("work_email: \"bob@\" is not a valid email: email has an empty domain (after
// @)"), and the next column is tried. Phone numbers without a country code use
// `default_country` (see normalize_phone).
Identity identify(const std::map<std::string, std::string>& record,
                  const std::string& default_country, std::vector<std::string>* problems = nullptr);

// The keys under which the store indexes a contact: "email:<email>", "phone:<E.164>",
// "linkedin:<url>", in that order, for the identifiers present. Two records are the same person
// when they share a key. With fold_gmail the email key uses normalize_email's Gmail folding.
std::vector<std::string> identity_keys(const Identity& identity, bool fold_gmail = false);

// A key's two halves, as suppression entries store them: "email:ana@acme.test" -> "email" and
// "ana@acme.test". A text without ':' is all kind and no value.
std::string key_kind(const std::string& key);
std::string key_value(const std::string& key);

}  // namespace relance::contacts
