#pragma once

#include "relance/base/clock.hpp"

#include <chrono>

namespace relance::policy::test {

using namespace std::chrono_literals;

// Monday 2 March 2026, 00:00 UTC.
inline TimePoint t0() {
    return TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 3 / 2}};
}

}  // namespace relance::policy::test
