// Secrets at rest: what the store keeps of a plugin credential, a webhook secret or an outbound
// subscription's signing secret is sealed with libsodium's secretbox (XSalsa20-Poly1305, a random
// nonce per seal) under the workspace's master key. A copy of the database alone (a backup, a
// file left on a laptop) gives none of them away.
//
// The master key (32 bytes) comes, in this order, from:
//   1. a key file: WorkspaceOptions::master_key_file (`--master-key-file`, env
//      RELANCE_MASTER_KEY_FILE), which must exist;
//   2. the environment variable RELANCE_MASTER_KEY (base64 or 64 hex digits);
//   3. the file beside the SQLite database, `<database>.key`, created (mode 0600, a random key)
//      the first time something is sealed. Fine on one machine; in production put the key
//      elsewhere (docs/operations.md, "Secrets").
//
// A sealed value reads "rls1.<key id>.<base64 of nonce and ciphertext>"; the key id (the first 4
// bytes of a BLAKE2b hash of the key, in hex) tells "sealed under another key" from "damaged".
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace relance::app {

class SecretSeal {
  public:
    using Key = std::array<unsigned char, 32>;
    explicit SecretSeal(const Key& key);
    ~SecretSeal();
    SecretSeal(const SecretSeal&) = delete;
    SecretSeal& operator=(const SecretSeal&) = delete;

    // A new random nonce each time: sealing the same text twice gives two different values.
    std::string seal(std::string_view plain) const;
    // Throws app::Error (failure) when the value was sealed under another key, is damaged or is
    // not a sealed value; the message never quotes the value.
    std::string open(std::string_view sealed) const;
    // Whether `text` has the shape of a sealed value (whatever its key).
    static bool looks_sealed(std::string_view text);

    const std::string& key_id() const { return key_id_; }

    // A random key, for a private (in-memory) store that lives as long as the process.
    static Key random_key();

  private:
    Key key_;
    std::string key_id_;
};

// Reads a master key from the text of a key file or of RELANCE_MASTER_KEY: base64 of 32 bytes or
// 64 hex digits, surrounding whitespace ignored. Throws app::Error (invalid, naming `origin`).
SecretSeal::Key parse_master_key(std::string_view text, const std::string& origin);

// Loads the key file, or creates it with a random key (mode 0600, never overwriting one that
// appears meanwhile) when `create` and it does not exist. Throws app::Error.
SecretSeal::Key load_key_file(const std::string& path, bool create);

}  // namespace relance::app
