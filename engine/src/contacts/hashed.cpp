#include <relance/base/digest.hpp>
#include <relance/contacts/hashed.hpp>

namespace relance::contacts {

std::string hashed_identity(std::string_view contact_key) {
    // The whole key, kind included: an email and a phone with the same text never share a hash.
    return sha256_hex(contact_key);
}

}  // namespace relance::contacts
