// Retry delays for temporary provider errors (outbound.md §6 row 25).
#pragma once

#include "relance/base/clock.hpp"

#include <cstdint>

namespace relance::policy {

// The delay before retry number `attempt` (1 = the first retry; values < 1 count as 1):
//
//   raw    = min(max, base * factor^(attempt - 1))
//   span   = raw * jitter_ratio              (jitter_ratio clamped to [0, 1])
//   delay  = raw - span + U[0, span]         (U deterministic from seed and attempt)
//   result = max(delay, retry_after)
//
// jitter_ratio 0.5 is "equal jitter": half fixed, half random in [0, half]; 0 gives the plain
// exponential sequence, 1 "full jitter". The random part is drawn from
// splitmix64(seed ^ splitmix64(attempt)), so one seed per step yields a reproducible, different
// draw per attempt. A provider's Retry-After (`retry_after`) is a floor and wins over `max`.
// Throws std::invalid_argument for a negative base or max, or a factor < 1 (or NaN).
Millis backoff(int attempt, Millis base, double factor, Millis max, Millis retry_after,
               double jitter_ratio, std::uint64_t seed);

}  // namespace relance::policy
