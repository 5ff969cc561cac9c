#include <openssl/rand.h>

#include <relance/signatures/random.hpp>
#include <stdexcept>

namespace relance::signatures {

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("OpenSSL's random generator failed (RAND_bytes)");
    return out;
}

}  // namespace relance::signatures
