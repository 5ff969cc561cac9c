#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <relance/app/error.hpp>
#include <relance/app/secret_seal.hpp>
#include <relance/signatures/encoding.hpp>
#include <sstream>
#include <stdexcept>

namespace relance::app {

namespace {

constexpr std::string_view kTag = "rls1.";

void init_sodium() {
    // Idempotent and thread-safe; -1 only when no randomness source exists at all.
    if (sodium_init() < 0) throw Error(ErrorKind::failure, "libsodium could not start");
}

std::string key_id_of(const SecretSeal::Key& key) {
    unsigned char hash[4];
    crypto_generichash(hash, sizeof hash, key.data(), key.size(), nullptr, 0);
    return signatures::hex_encode(std::string_view(reinterpret_cast<const char*>(hash), 4));
}

std::string trim(std::string_view text) {
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

SecretSeal::SecretSeal(const Key& key) : key_(key) {
    init_sodium();
    key_id_ = key_id_of(key_);
}

SecretSeal::~SecretSeal() {
    sodium_memzero(key_.data(), key_.size());
}

SecretSeal::Key SecretSeal::random_key() {
    init_sodium();
    Key key;
    randombytes_buf(key.data(), key.size());
    return key;
}

std::string SecretSeal::seal(std::string_view plain) const {
    std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(box.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                          key_.data());
    return std::string(kTag) + key_id_ + "." + signatures::base64_encode(box);
}

bool SecretSeal::looks_sealed(std::string_view text) {
    return text.starts_with(kTag) && text.size() > kTag.size() + 9 && text[kTag.size() + 8] == '.';
}

std::string SecretSeal::open(std::string_view sealed) const {
    if (!looks_sealed(sealed))
        throw Error(ErrorKind::failure, "a stored secret is not a sealed value (damaged store?)");
    std::string_view id = sealed.substr(kTag.size(), 8);
    if (id != key_id_)
        throw Error(ErrorKind::failure,
                    "a stored secret was sealed under another master key (key id " +
                        std::string(id) + "; this workspace's key is " + key_id_ +
                        "): give the key it was sealed with (docs/operations.md, \"Secrets\")");
    auto box = signatures::base64_decode(sealed.substr(kTag.size() + 9));
    if (!box || box->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        throw Error(ErrorKind::failure, "a stored secret is damaged (it does not decode)");
    const auto* nonce = reinterpret_cast<const unsigned char*>(box->data());
    std::size_t cipher_size = box->size() - crypto_secretbox_NONCEBYTES;
    std::string plain(cipher_size - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                   nonce + crypto_secretbox_NONCEBYTES, cipher_size, nonce,
                                   key_.data()) != 0)
        throw Error(ErrorKind::failure,
                    "a stored secret is damaged (its authentication tag does not verify)");
    return plain;
}

SecretSeal::Key parse_master_key(std::string_view text, const std::string& origin) {
    std::string t = trim(text);
    std::optional<std::string> bytes;
    if (t.size() == 64) bytes = signatures::hex_decode(t);
    if (!bytes) bytes = signatures::base64_decode(t);
    if (!bytes || bytes->size() != 32)
        throw Error(ErrorKind::invalid,
                    origin + " must hold a 32-byte key as base64 (44 characters) or 64 hex digits",
                    origin);
    SecretSeal::Key key;
    std::memcpy(key.data(), bytes->data(), key.size());
    sodium_memzero(bytes->data(), bytes->size());
    return key;
}

SecretSeal::Key load_key_file(const std::string& path, bool create) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (!create || errno != ENOENT)
            throw Error(ErrorKind::failure,
                        "cannot read the master key file " + path + ": " + std::strerror(errno),
                        "master_key_file");
        SecretSeal::Key key = SecretSeal::random_key();
        // O_EXCL: two processes creating it at once both end up with the one that won.
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) return load_key_file(path, false);
            throw Error(ErrorKind::failure,
                        "cannot create the master key file " + path + ": " + std::strerror(errno),
                        "master_key_file");
        }
        std::string text = signatures::base64_encode(std::string_view(
                               reinterpret_cast<const char*>(key.data()), key.size())) +
                           "\n";
        bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        bool synced = ::fsync(fd) == 0;
        ::close(fd);
        if (!written || !synced) {
            ::unlink(path.c_str());
            throw Error(ErrorKind::failure, "cannot write the master key file " + path,
                        "master_key_file");
        }
        return key;
    }
    std::ifstream in(path);
    if (!in)
        throw Error(ErrorKind::failure,
                    "cannot read the master key file " + path + ": " + std::strerror(errno),
                    "master_key_file");
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    if (content.size() > 4096)
        throw Error(ErrorKind::invalid, "the master key file " + path + " is not a key",
                    "master_key_file");
    auto key = parse_master_key(content, "master_key_file");
    sodium_memzero(content.data(), content.size());
    return key;
}

}  // namespace relance::app
