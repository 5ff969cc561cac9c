// The hashed form of a contact key, kept on the suppression list once a person is erased (GDPR):
// no address is left, and the same address, given again by any import or webhook, hashes to the
// same entry, so the person is never contacted again.
#pragma once

#include <string>
#include <string_view>

namespace relance::contacts {

// The suppression kind of hashed entries: "hashed".
inline constexpr std::string_view kHashedKind = "hashed";

// The hex SHA-256 of a normalised contact key ("email:anna@x.test", "phone:+33612345678",
// "linkedin:https://www.linkedin.com/in/anna"): 64 lower-case hex characters.
std::string hashed_identity(std::string_view contact_key);

}  // namespace relance::contacts
