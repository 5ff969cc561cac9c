// The sandbox's library (engine/src/expr/lua_library.cpp): what a script can reach, and that the
// functions the sandbox replaces or meters still give stock Lua 5.4's results and errors,
// checked live against a plain Lua state from the same liblua.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "relance/expr/lua_sandbox.hpp"

namespace relance::expr {
namespace {

// Formats every value an expression returns (the same text in the sandbox and in stock Lua).
constexpr std::string_view kShow = R"(
local function show(...)
  local t = table.pack(...)
  local out = {}
  for i = 1, t.n do
    local v = t[i]
    if type(v) == 'string' then out[i] = string.format('%q', v)
    elseif type(v) == 'table' then
      local parts = {}
      for k = 1, #v do parts[k] = tostring(v[k]) end
      out[i] = '{' .. table.concat(parts, ' ') .. '}'
    else out[i] = tostring(v) end
  end
  return table.concat(out, ',')
end
return show()";

// "line 3: msg" (sandbox) and "[string \"...\"]:3: msg" (stock) both become "msg".
std::string without_position(const std::string& message) {
    if (message.rfind("line ", 0) == 0) {
        const auto colon = message.find(": ");
        if (colon != std::string::npos) return message.substr(colon + 2);
    }
    if (message.rfind("[string ", 0) == 0) {
        const auto close = message.find("]:");
        const auto colon = close == std::string::npos ? close : message.find(": ", close + 2);
        if (colon != std::string::npos) return message.substr(colon + 2);
    }
    return message;
}

std::string in_sandbox(LuaSandbox& lua, const std::string& expression) {
    try {
        return lua.run_block(std::string(kShow) + expression + "\n)", json::object())
            .get<std::string>();
    } catch (const LuaError& e) {
        return "error: " + without_position(e.what());
    }
}

std::string in_stock_lua(const std::string& expression) {
    lua_State* L = luaL_newstate();
    luaL_openlibs(L);
    const std::string code = std::string(kShow) + expression + "\n)";
    std::string out;
    if (luaL_loadstring(L, code.c_str()) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        out = "error: " + without_position(lua_tostring(L, -1));
    } else {
        out = lua_tostring(L, -1);
    }
    lua_close(L);
    return out;
}

// Each runs the same way in the sandbox and in stock Lua.
const char* const kSameAsStock[] = {
    // string.rep (replaced)
    "string.rep('ab', 3)",
    "string.rep('ab', 3, ',')",
    "string.rep('', 5)",
    "string.rep('x', 0)",
    "string.rep('x', -1)",
    "string.rep('x', 1, 'sep')",
    "string.rep('abc', 2, '')",
    "string.rep('', 3, '-')",
    "('x'):rep(4, '+')",
    "string.rep('é', 3, '|')",
    "string.rep()",
    "string.rep('x', 1.5)",
    "string.rep('x', 'three')",
    "string.rep('x', 2^31)",
    "string.rep('ab', 2^30, ',')",
    // table.concat (replaced)
    "table.concat({1, 2, 3}, ', ')",
    "table.concat({}, 'x')",
    "table.concat({'a', 'b', 'c'}, '-', 2)",
    "table.concat({'a', 'b', 'c'}, '-', 2, 3)",
    "table.concat({'a', 'b', 'c'}, '-', 3, 2)",
    "table.concat({1, 2.5, 'x'})",
    "table.concat({'a', {}, 'c'})",
    "table.concat({'a'}, '', 1, 2)",
    "table.concat(setmetatable({}, {__index = function(t, i) return 'v' .. i end, "
    "__len = function() return 3 end}), '.')",
    "table.concat('abc')",
    "table.concat({'a', 'b'}, {})",
    // table.insert and table.remove (replaced)
    "(function() local t = {1, 2, 3} table.insert(t, 'x') table.insert(t, 1, 'y') "
    "table.insert(t, #t + 1, 'z') return t end)()",
    "(function() local t = {1, 2} table.insert(t, 0, 'x') end)()",
    "(function() local t = {1, 2} table.insert(t, 4, 'x') end)()",
    "table.insert({}, 1, 2, 3)",
    "table.insert({})",
    "table.insert(nil, 1)",
    "(function() local t = {1, 2, 3, 4} local a = table.remove(t) local b = table.remove(t, 1) "
    "return a, b, t end)()",
    "table.remove({})",
    "table.remove({}, 0)",
    "table.remove({1, 2}, 3)",
    "(function() local t = {1, 2, 3} return table.remove(t, #t + 1), t end)()",
    "table.remove({1, 2}, 5)",
    "table.remove({1, 2}, -1)",
    // table.move (replaced)
    "table.move({1, 2, 3}, 1, 3, 2)",
    "table.move({1, 2, 3}, 2, 3, 1)",
    "table.move({1, 2, 3}, 1, 3, 1, {})",
    "table.move({1, 2, 3}, 3, 1, 1)",
    "table.move({1, 2, 3}, 1, 3, 3, {'a', 'b'})",
    "table.move({}, -1, math.maxinteger, 1)",
    "table.move({1, 2}, 1, 2, math.maxinteger)",
    "table.move({1}, 1, 1, 1, 'x')",
    // table.unpack (replaced)
    "table.unpack({1, 2, 3})",
    "table.unpack({1, 2, 3}, 2)",
    "table.unpack({1, 2, 3}, 2, 3)",
    "table.unpack({}, 1, 0)",
    "table.unpack({1, 2}, -1, 1)",
    "table.unpack({}, 1, 1e8)",
    "table.unpack({}, math.mininteger, math.maxinteger)",
    "table.unpack(setmetatable({}, {__index = function(t, i) return i * 10 end}), 1, 3)",
    // table.sort (replaced: a heapsort; same results for total orders)
    "(function() local t = {5, 2, 8, 1, 9, 3} table.sort(t) return t end)()",
    "(function() local t = {'pear', 'apple', 'fig'} table.sort(t) return t end)()",
    "(function() local t = {5, 2, 8, 1} table.sort(t, function(a, b) return a > b end) "
    "return t end)()",
    "(function() local t = {} for i = 1, 200 do t[i] = (i * 37) % 211 end table.sort(t) "
    "local ok = true for i = 2, 200 do ok = ok and t[i - 1] <= t[i] end return ok, t[1], t[200] "
    "end)()",
    "(function() local t = {3, 1, 2} table.sort(t, function(a, b) error('no') end) end)()",
    "table.sort({1, 2}, 3)",
    "(function() local t = {1} table.sort(t) return t end)()",
    "(function() local t = {} for i = 1, 300 do t[i] = i end "
    "table.sort(t, function(a, b) return true end) end)()",
    "(function() local t = {} for i = 1, 100 do t[i] = {k = i % 7, id = i} end "
    "table.sort(t, function(a, b) return a.k < b.k end) local ids = {} "
    "for i = 1, 100 do ids[i] = t[i].id end return table.concat(ids, ' ') end)()",
    "(function() local t = {3, 'x', 1} table.sort(t) end)()",
    "(function() local t = {} table.sort(t) return #t end)()",
    // utf8.offset (replaced) and utf8.codes (wrapped)
    "utf8.offset('héllo', 3)",
    "utf8.offset('héllo', -1)",
    "utf8.offset('héllo', 0, 3)",
    "utf8.offset('héllo', 10)",
    "utf8.offset('héllo', 1, 3)",
    "utf8.offset('abc', 5)",
    "utf8.offset('abc', 4)",
    "utf8.offset('', 1)",
    "utf8.offset('abc', 1, 5)",
    "utf8.offset('a€b', -2)",
    "utf8.offset('a€b', 0, 4)",
    "utf8.offset('abc', -4)",
    "(function() local t = {} for p, c in utf8.codes('hé€!') do t[#t + 1] = p .. ':' .. c end "
    "return t end)()",
    "(function() for p, c in utf8.codes('a\\xffb') do end end)()",
    "(function() local n = 0 for p, c in utf8.codes('\\xed\\xa0\\x80', true) do n = n + 1 end "
    "return n end)()",
    "(function() local f, s, i = utf8.codes('a€') return f(s, 2) end)()",
    "(function() local f, s, i = utf8.codes('a€') return f(s, 10) end)()",
    // metered functions
    "string.byte('hello', 1, -1)",
    "string.byte('hello', 10)",
    "string.char(104, 105)",
    "string.char(256)",
    "string.format('%5.1f|%d|%s|%q', 3.14159, 42, 'x', 'a\\nb')",
    "string.format('%d', 'x')",
    "('MiXeD'):lower(), ('MiXeD'):upper(), ('abc'):reverse()",
    "string.pack('i4', 7):len(), string.unpack('i4', string.pack('i4', 7))",
    "string.packsize('i4i8')",
    "string.unpack('z', 'ab\\0cd')",
    "tonumber('0x1F'), tonumber(' 12 ')",
    "tonumber('z', 36), tonumber('12', 100)",
    "select('#', 1, 2, 3), select(2, 'a', 'b', 'c')",
    "select(-1, 'a', 'b')",
    "select(0, 'a')",
    "assert(1, 2, 3)",
    "assert(false, 'why')",
    "math.max(3, 9, 2), math.min(3, 9, 2)",
    "math.max()",
    "utf8.char(72, 233, 8364)",
    "utf8.codepoint('héllo', 1, -1)",
    "utf8.len('héllo'), utf8.len('\\xff')",
    "'10' + 1, '0x10' * 2, '7' // 2, -'3', '2' ^ 3",
    "'a' + 1",
    // pcall and xpcall (replaced)
    "pcall(error, 'x', 0)",
    "pcall(function(...) return ... end, 1, 2)",
    "xpcall(error, function(m) return 'handled: ' .. m end, 'e', 0)",
    "xpcall(function(a, b) return a + b end, print, 1, 2)",
    "pcall()",
    "xpcall(print)",
};

TEST(LuaLibrary, ReplacedAndMeteredFunctionsMatchStockLua) {
    LuaSandbox lua;
    for (const char* expression : kSameAsStock) {
        EXPECT_EQ(in_sandbox(lua, expression), in_stock_lua(expression)) << expression;
    }
}

// The sandbox's sort is deterministic (stock Lua randomises pivots by the clock when a partition
// is unbalanced), and stays O(n log n) against an adversary: McIlroy's "antiqsort" comparator,
// which decides the values as the sort asks, drives any plain quicksort to n^2 / 2 comparisons.
TEST(LuaLibrary, SortIsDeterministicAndNeverQuadratic) {
    const std::string ties = R"(
        local t = {}
        for i = 1, 500 do t[i] = {key = (i * 13) % 7, id = i} end
        table.sort(t, function(a, b) return a.key < b.key end)
        local ids = {}
        for i = 1, #t do ids[i] = t[i].id end
        return table.concat(ids, ',')
    )";
    LuaSandbox lua;
    const json first = lua.run_block(ties, json::object());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(LuaSandbox().run_block(ties, json::object()), first);

    LuaLimits generous;
    generous.max_instructions = 50'000'000;
    generous.max_time = std::chrono::milliseconds{0};
    LuaSandbox big(generous);
    const json result = big.run_block(R"(
        local n = 4000
        local gas = n + 1
        local value, items = {}, {}
        local solid, candidate, comparisons = 0, nil, 0
        for i = 1, n do items[i] = i value[i] = gas end
        local function freeze(x) value[x] = solid solid = solid + 1 end
        table.sort(items, function(x, y)
          comparisons = comparisons + 1
          if value[x] == gas and value[y] == gas then
            if x == candidate then freeze(x) else freeze(y) end
          end
          if value[x] == gas then candidate = x elseif value[y] == gas then candidate = y end
          return value[x] < value[y]
        end)
        for i = 2, n do
          if value[items[i - 1]] > value[items[i]] then return 'unsorted at ' .. i end
        end
        return comparisons
    )",
                                      json::object());
    ASSERT_TRUE(result.is_number()) << result;
    // n log2 n is about 48,000 here; a quadratic sort would make about 8,000,000.
    EXPECT_LT(result.get<int>(), 400'000) << result;
}

// What a script can reach: exactly the audited names (lua_library.cpp); anything else that
// Lua provides is removed.
TEST(LuaLibrary, OnlyAuditedFunctionsAreReachable) {
    LuaSandbox lua;
    const json names = lua.run_block(R"(
        local out = {}
        for _, lib in ipairs({'string', 'table', 'math', 'utf8'}) do
          local t = {}
          for k in pairs(_ENV[lib]) do t[#t + 1] = k end
          table.sort(t)
          out[lib] = table.concat(t, ' ')
        end
        return out
    )",
                                     json::object());
    EXPECT_EQ(names["string"],
              "byte char find format gmatch gsub len lower match pack packsize "
              "rep reverse sub unpack upper");
    EXPECT_EQ(names["table"], "concat insert move pack remove sort unpack");
    EXPECT_EQ(names["math"],
              "abs acos asin atan atan2 ceil cos cosh deg exp floor fmod frexp huge ldexp log "
              "log10 max maxinteger min mininteger modf pi pow rad random randomseed sin sinh "
              "sqrt tan tanh tointeger type ult");
    EXPECT_EQ(names["utf8"], "char charpattern codepoint codes len offset");
    for (const char* name : {"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
                             "print", "rawequal", "rawget", "rawlen", "select", "setmetatable",
                             "tonumber", "tostring", "type", "xpcall", "_VERSION"}) {
        EXPECT_TRUE(lua.eval_condition(std::string(name) + " ~= nil", json::object())) << name;
    }
    for (const char* name : {"collectgarbage", "dofile", "load", "loadfile", "rawset", "require",
                             "warn", "coroutine", "debug", "io", "os", "package", "string.dump"}) {
        EXPECT_TRUE(lua.eval_condition(std::string(name) + " == nil", json::object())) << name;
    }
    // Methods on strings go through the same audited table.
    EXPECT_EQ(lua.eval_expression("('ab'):rep(2, '-')", json::object()), json("ab-ab"));
    EXPECT_TRUE(lua.eval_condition("('x').dump == nil", json::object()));
}

}  // namespace
}  // namespace relance::expr
