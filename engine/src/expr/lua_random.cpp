// math.random and math.randomseed on a per-evaluation generator: see lua_random.hpp.
// Written from the Lua 5.4 reference manual (argument rules and results) and the published
// xoshiro256** and SplitMix64 algorithms; no Lua source is copied.
#include "lua_random.hpp"

#include <lua.hpp>

#include "lua_context.hpp"

namespace relance::expr::detail {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

// SplitMix64: spreads a seed over the 256 bits of xoshiro's state.
struct SplitMix {
    std::uint64_t x;
    std::uint64_t operator()() {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

// A uniform integer in [0, n]: mask to the smallest 2^k - 1 covering n, reject what falls above.
std::uint64_t project(EvalRandom& random, std::uint64_t draw, std::uint64_t n) {
    if ((n & (n + 1)) == 0) return draw & n;  // n + 1 is a power of two (or n is the maximum)
    std::uint64_t mask = n;
    for (int shift = 1; shift < 64; shift <<= 1) mask |= mask >> shift;
    while ((draw &= mask) > n) draw = random.next();  // fewer than two draws on average
    return draw;
}

}  // namespace

int sandbox_math_random(lua_State* L) {
    EvalRandom& random = context_of(L).random;
    const std::uint64_t draw = random.next();
    lua_Integer low = 1;
    lua_Integer up = 0;
    switch (lua_gettop(L)) {
        case 0:  // a float in [0, 1) from the top 53 bits
            lua_pushnumber(L, static_cast<lua_Number>(draw >> 11) * 0x1.0p-53);
            return 1;
        case 1:
            up = luaL_checkinteger(L, 1);
            if (up == 0) {  // math.random(0): all 64 bits
                lua_pushinteger(L, static_cast<lua_Integer>(draw));
                return 1;
            }
            break;
        case 2:
            low = luaL_checkinteger(L, 1);
            up = luaL_checkinteger(L, 2);
            break;
        default:
            return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, low <= up, 1, "interval is empty");
    const std::uint64_t span = static_cast<std::uint64_t>(up) - static_cast<std::uint64_t>(low);
    lua_pushinteger(
        L, static_cast<lua_Integer>(project(random, draw, span) + static_cast<std::uint64_t>(low)));
    return 1;
}

int sandbox_math_randomseed(lua_State* L) {
    EvalRandom& random = context_of(L).random;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (lua_isnone(L, 1)) {
        // "A seed with a weak attempt at randomness" in stock Lua reads the time: here it comes
        // from this evaluation's own stream, so a replay reseeds the same way.
        a = random.next();
        b = random.next();
    } else {
        a = static_cast<std::uint64_t>(luaL_checkinteger(L, 1));
        b = static_cast<std::uint64_t>(luaL_optinteger(L, 2, 0));
    }
    random.reseed(a, b);
    lua_pushinteger(L, static_cast<lua_Integer>(a));
    lua_pushinteger(L, static_cast<lua_Integer>(b));
    return 2;
}

std::uint64_t EvalRandom::next() {
    if (!seeded_) reseed(seed_, 0);
    std::uint64_t* s = s_;
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void EvalRandom::reseed(std::uint64_t a, std::uint64_t b) {
    SplitMix first{a};
    SplitMix second{b ^ 0x6a09e667f3bcc909ull};
    s_[0] = first();
    s_[1] = first();
    s_[2] = second();
    s_[3] = second();
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // xoshiro's one forbidden state
    seeded_ = true;
}

}  // namespace relance::expr::detail
