// math.random for the sandbox (internal to relance_expr): one generator per evaluation.
//
// Stock Lua keeps one generator per lua_State, seeded from the time at start-up. The sandbox
// reuses its state across runs and workflows, so one run could read numbers another run's script
// had drawn, and a replay drew different numbers. Here each evaluation starts a fresh generator
// from the seed its caller passes (the executor derives it from the run and the step), so a replay
// draws the same numbers and no evaluation can observe another's draws; math.randomseed reseeds
// only the running evaluation's generator. The algorithm is xoshiro256** (as in Lua 5.4), seeded
// through SplitMix64; seeding is lazy, so evaluations that never draw pay nothing.
#pragma once

#include <cstdint>

struct lua_State;

namespace relance::expr::detail {

class EvalRandom {
  public:
    // Starts an evaluation: the next draw comes from a generator seeded with `seed`.
    void start(std::uint64_t seed) {
        seed_ = seed;
        seeded_ = false;
    }

    std::uint64_t next();
    void reseed(std::uint64_t a, std::uint64_t b);

  private:
    std::uint64_t seed_ = 0;
    bool seeded_ = false;
    std::uint64_t s_[4] = {0, 0, 0, 0};
};

// math.random and math.randomseed, drawing from the running evaluation's generator.
int sandbox_math_random(lua_State* L);
int sandbox_math_randomseed(lua_State* L);

}  // namespace relance::expr::detail
