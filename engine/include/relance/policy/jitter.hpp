// Deterministic jitter for the policy area. Every random-looking delay (the gap jitter of a
// sender, the jitter of a retry backoff) is derived from a caller-supplied seed, never from a
// random device or the clock, so a replay, a `simulate` run and a test always get the same
// numbers (DESIGN invariant 3).
#pragma once

#include "relance/base/clock.hpp"

#include <cstdint>

namespace relance::policy {

// SplitMix64 (Steele, Lea, Flood 2014): a cheap, well-mixed 64-bit hash of `x`.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// A duration in [0, span] (both ends included) chosen by `seed`; 0 when span <= 0.
constexpr Millis uniform_jitter(Millis span, std::uint64_t seed) {
    if (span.count() <= 0) return Millis{0};
    auto range = static_cast<std::uint64_t>(span.count()) + 1;
    return Millis{static_cast<Millis::rep>(splitmix64(seed) % range)};
}

}  // namespace relance::policy
