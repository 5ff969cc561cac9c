#include <openssl/evp.h>

#include <relance/base/digest.hpp>

namespace relance {

std::string sha256_hex(std::string_view text, std::size_t hex_chars) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 15];
    }
    if (hex_chars > 0 && hex_chars < out.size()) out.resize(hex_chars);
    return out;
}

}  // namespace relance
