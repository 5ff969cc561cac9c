#include "relance/policy/retry.hpp"

#include "relance/policy/jitter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace relance::policy {

Millis backoff(int attempt, Millis base, double factor, Millis max, Millis retry_after,
               double jitter_ratio, std::uint64_t seed) {
    if (base < Millis{0}) throw std::invalid_argument("backoff: base must be >= 0");
    if (max < Millis{0}) throw std::invalid_argument("backoff: max must be >= 0");
    if (!(factor >= 1.0)) throw std::invalid_argument("backoff: factor must be >= 1");
    if (attempt < 1) attempt = 1;
    double ratio = std::isnan(jitter_ratio) ? 0.0 : std::clamp(jitter_ratio, 0.0, 1.0);

    // In floating point so that large attempts saturate at `max` instead of overflowing.
    double raw_ms = static_cast<double>(base.count()) * std::pow(factor, attempt - 1);
    Millis::rep raw = raw_ms >= static_cast<double>(max.count())
                          ? max.count()
                          : static_cast<Millis::rep>(raw_ms);
    auto span = static_cast<Millis::rep>(static_cast<double>(raw) * ratio);
    std::uint64_t draw = seed ^ splitmix64(static_cast<std::uint64_t>(attempt));
    Millis delay = Millis{raw - span} + uniform_jitter(Millis{span}, draw);
    return std::max(delay, retry_after);
}

}  // namespace relance::policy
