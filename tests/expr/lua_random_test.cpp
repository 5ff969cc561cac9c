// math.random in the sandbox: one generator per evaluation, seeded by the caller, so that a
// replay draws the same numbers and no evaluation can observe another's draws (issue 8, point 3).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "relance/expr/lua_sandbox.hpp"

namespace relance::expr {
namespace {

const json kScope = json::object();
constexpr std::string_view kDraws =
    "return {math.random(), math.random(1, 1000000), math.random(0), math.random(6)}";

EvalOptions seeded(std::uint64_t seed) {
    EvalOptions options;
    options.seed = seed;
    return options;
}

// Evaluating the same code twice (a replay) draws the same numbers, whatever ran in between
// and on whichever sandbox (another worker) it runs.
TEST(LuaRandom, AReplayDrawsTheSameNumbers) {
    LuaSandbox lua;
    const json first = lua.run_block(kDraws, kScope);
    lua.run_block("for i = 1, 100 do math.random() end", kScope);  // another run's script
    EXPECT_EQ(lua.run_block(kDraws, kScope), first);
    LuaSandbox other_worker;
    EXPECT_EQ(other_worker.run_block(kDraws, kScope), first);
    // The same holds per seed.
    const json with_seed = lua.run_block(kDraws, kScope, seeded(42));
    lua.run_block("return math.random()", kScope, seeded(7));
    EXPECT_EQ(lua.run_block(kDraws, kScope, seeded(42)), with_seed);
    EXPECT_EQ(other_worker.run_block(kDraws, kScope, seeded(42)), with_seed);
    // Conditions and expressions draw the same way.
    EXPECT_EQ(lua.eval_expression("math.random()", kScope, seeded(42)), with_seed[0]);
    EXPECT_TRUE(lua.eval_condition(
        "math.random() and math.random(1, 1000000) == " + with_seed[1].dump(), kScope, seeded(42)));
}

// Different seeds (different runs or steps) draw different numbers.
TEST(LuaRandom, SeedsSeparateRunsAndSteps) {
    LuaSandbox lua;
    std::set<std::string> seen;
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        seen.insert(lua.run_block(kDraws, kScope, seeded(seed)).dump());
    }
    EXPECT_EQ(seen.size(), 50u);
}

// math.randomseed changes only the evaluation that calls it.
TEST(LuaRandom, RandomseedDoesNotLeak) {
    LuaSandbox lua;
    const json fresh = LuaSandbox().run_block(kDraws, kScope);
    lua.run_block("math.randomseed(42)", kScope);
    EXPECT_EQ(lua.run_block(kDraws, kScope), fresh);
    // Within the evaluation it reseeds, deterministically, and returns the seed used.
    EXPECT_EQ(lua.run_block("math.randomseed(9, 1) local a = math.random(0) "
                            "math.randomseed(9, 1) return a == math.random(0)",
                            kScope),
              json(true));
    EXPECT_EQ(lua.run_block("return {math.randomseed(5)}", kScope), json::parse("[5, 0]"));
    // Without arguments, the new seed comes from the evaluation's own stream: a replay agrees.
    const std::string reseed = "math.randomseed() return math.random(0)";
    EXPECT_EQ(lua.run_block(reseed, kScope, seeded(3)), lua.run_block(reseed, kScope, seeded(3)));
    EXPECT_NE(lua.run_block(reseed, kScope, seeded(3)), lua.run_block(reseed, kScope, seeded(4)));
}

// The values follow the Lua manual: ranges, types and errors.
TEST(LuaRandom, RangesAndErrorsFollowTheManual) {
    LuaSandbox lua;
    EXPECT_EQ(lua.run_block(R"(
        local counts = {0, 0, 0, 0, 0, 0}
        for i = 1, 6000 do
          local f = math.random(6)
          counts[f] = counts[f] + 1
        end
        for face = 1, 6 do
          if counts[face] < 800 or counts[face] > 1200 then return 'face ' .. face end
        end
        for i = 1, 1000 do
          local x = math.random()
          if math.type(x) ~= 'float' or x < 0 or x >= 1 then return 'float ' .. x end
          local n = math.random(-3, 3)
          if math.type(n) ~= 'integer' or n < -3 or n > 3 then return 'range ' .. n end
        end
        if math.random(5, 5) ~= 5 then return 'single' end
        if math.type(math.random(0)) ~= 'integer' then return 'zero' end
        local big = math.random(math.mininteger, math.maxinteger)
        if math.type(big) ~= 'integer' then return 'full range' end
        return 'ok'
    )",
                            kScope),
              json("ok"));
    for (const char* code : {"math.random(2, 1)", "math.random(0, -1)", "math.random(1, 2, 3)",
                             "math.random(1.5)", "math.random('x')", "math.randomseed(1.5)"}) {
        EXPECT_THROW(lua.eval_expression(code, kScope), LuaError) << code;
    }
    try {
        lua.eval_expression("math.random(2, 1)", kScope);
    } catch (const LuaError& e) {
        EXPECT_NE(std::string(e.what()).find("interval is empty"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace relance::expr
