// Secret randomness: webhook secrets, API key tokens. From OpenSSL's RAND_bytes, the one source,
// never std::random_device or a seeded generator.
#pragma once

#include <cstddef>
#include <string>

namespace relance::signatures {

// `n` bytes from RAND_bytes. Throws std::runtime_error if OpenSSL cannot provide them.
std::string random_bytes(std::size_t n);

}  // namespace relance::signatures
