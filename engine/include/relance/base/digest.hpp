// Digests the engine relies on being the same everywhere: one SHA-256 (content ids, workflow
// versions, idempotency keys) and one stable 64-bit hash for bucketing (A/B variants, jitter,
// scenario draws). Both are frozen: a replayed or re-simulated run must draw what it drew the
// first time, so stable_hash must never change its algorithm (FNV-1a, 64-bit).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace relance {

// Lower-case hex of SHA-256(text); `hex_chars` keeps only that many leading characters
// (0 = all 64).
std::string sha256_hex(std::string_view text, std::size_t hex_chars = 0);

// FNV-1a, 64-bit: the same on every platform and build.
constexpr std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t h = 14695981039346656037ull;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace relance
