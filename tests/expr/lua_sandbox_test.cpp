#include "relance/expr/lua_sandbox.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace relance::expr {
namespace {

const json kScope = json::parse(R"({
    "inputs": {"score": 72, "name": "Ada", "ratio": 0.25, "tags": ["a", "b", null, "d"]},
    "contact": {"email": "ada@example.com", "vip": false},
    "steps": {"enrich": {"output": {"company": "Acme"}}},
    "vars": {},
    "run": {"id": "r1"}
})");

LuaError error_of(LuaSandbox& lua, std::string_view code, bool expression = false) {
    try {
        if (expression) {
            lua.eval_expression(code, kScope);
        } else {
            lua.run_block(code, kScope);
        }
    } catch (const LuaError& e) {
        return e;
    }
    ADD_FAILURE() << "no LuaError for: " << code;
    return LuaError("none");
}

TEST(LuaSandbox, Conditions) {
    LuaSandbox lua;
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
    EXPECT_FALSE(lua.eval_condition("inputs.score > 80", kScope));
    EXPECT_TRUE(lua.eval_condition("inputs.name == 'Ada' and not contact.vip", kScope));
    EXPECT_FALSE(lua.eval_condition("contact.missing", kScope));  // nil is false
    EXPECT_TRUE(lua.eval_condition("0", kScope));                 // Lua truthiness
    EXPECT_TRUE(lua.eval_condition("''", kScope));
    EXPECT_TRUE(
        lua.eval_condition("string.find(contact.email, '@example', 1, true) ~= nil -- c", kScope));
    EXPECT_TRUE(lua.eval_condition("#inputs.tags == 4", kScope));
    EXPECT_TRUE(lua.eval_condition("inputs.tags[3] == nil", kScope));  // null -> nil hole
}

TEST(LuaSandbox, ExpressionValues) {
    LuaSandbox lua;
    EXPECT_EQ(lua.eval_expression("inputs.score + 1", kScope), json(73));
    EXPECT_EQ(lua.eval_expression("inputs.score / 2", kScope), json(36.0));
    EXPECT_EQ(lua.eval_expression("inputs.ratio", kScope), json(0.25));
    EXPECT_EQ(lua.eval_expression("steps.enrich.output.company:upper()", kScope), json("ACME"));
    EXPECT_EQ(lua.eval_expression("nil", kScope), json(nullptr));
    EXPECT_EQ(lua.eval_expression("math.max(1, 5)", kScope), json(5));
    EXPECT_EQ(lua.eval_expression("utf8.len('héllo')", kScope), json(5));
    EXPECT_EQ(lua.eval_expression("{}", kScope), json::object());
    EXPECT_EQ(lua.eval_expression("{1, 2, 'x'}", kScope), json::parse(R"([1, 2, "x"])"));
    EXPECT_EQ(lua.eval_expression("{[1]=1, [3]=3}", kScope), json::parse(R"({"1":1,"3":3})"));
}

TEST(LuaSandbox, BlockReturnsTableAsJson) {
    LuaSandbox lua;
    json out = lua.run_block(R"(
        local t = {}
        for i, tag in ipairs(inputs.tags) do t[#t + 1] = tag:upper() end
        return {ok = true, n = #t, tags = t, nested = {a = {1.5}}, [10] = "ten"}
    )",
                             kScope);
    EXPECT_EQ(out, json::parse(R"({"ok": true, "n": 2, "tags": ["A", "B"],
                                   "nested": {"a": [1.5]}, "10": "ten"})"));
    EXPECT_EQ(lua.run_block("local x = 1", kScope), json::object());
    EXPECT_EQ(lua.run_block("return 'text'", kScope), json("text"));
    EXPECT_EQ(lua.run_block("return table.concat({'a','b'}, ',')", kScope), json("a,b"));
}

TEST(LuaSandbox, UnconvertibleResultsAreErrors) {
    LuaSandbox lua;
    EXPECT_THROW(lua.run_block("return function() end", kScope), LuaError);
    EXPECT_THROW(lua.run_block("return {f = print}", kScope), LuaError);
    EXPECT_THROW(lua.run_block("local t = {} t.self = t return t", kScope), LuaError);
    EXPECT_THROW(lua.run_block("return {[{}] = 1}", kScope), LuaError);
    EXPECT_EQ(lua.run_block("return {ok = 1}", kScope), json::parse(R"({"ok": 1})"));
}

TEST(LuaSandbox, DangerousFunctionsAreAbsent) {
    LuaSandbox lua;
    for (const char* name :
         {"io", "os", "package", "debug", "require", "load", "loadfile", "dofile", "collectgarbage",
          "loadstring", "rawset", "string.dump", "coroutine", "warn"}) {
        EXPECT_TRUE(lua.eval_condition(std::string(name) + " == nil", kScope)) << name;
    }
    EXPECT_THROW(lua.run_block("os.execute('true')", kScope), LuaError);
    EXPECT_THROW(lua.run_block("io.open('/etc/passwd')", kScope), LuaError);
    EXPECT_THROW(lua.run_block("require('os')", kScope), LuaError);
    EXPECT_THROW(lua.run_block("load('return 1')()", kScope), LuaError);
    EXPECT_THROW(lua.run_block("return string.dump(function() end)", kScope), LuaError);
    EXPECT_NO_THROW(lua.run_block("print('debug output is swallowed')", kScope));
}

TEST(LuaSandbox, BytecodeIsRefused) {
    LuaSandbox lua;
    std::string bytecode = "\x1bLua\x54";
    bytecode.append(32, '\0');
    LuaError e = error_of(lua, bytecode);
    EXPECT_NE(std::string(e.what()).find("binary"), std::string::npos) << e.what();
    EXPECT_FALSE(lua.check_syntax(bytecode, false).empty());
}

TEST(LuaSandbox, LibrariesCannotBeTamperedWith) {
    LuaSandbox lua;
    EXPECT_THROW(lua.run_block("string.upper = nil", kScope), LuaError);
    EXPECT_THROW(lua.run_block("setmetatable(string, {})", kScope), LuaError);
    EXPECT_THROW(lua.run_block("getmetatable('').__index.upper = nil", kScope), LuaError);
    EXPECT_THROW(lua.run_block("getmetatable(_ENV).__index = nil", kScope), LuaError);
    EXPECT_THROW(lua.run_block("setmetatable({}, {__gc = function() end})", kScope), LuaError);
    EXPECT_EQ(lua.eval_expression("('x'):upper()", kScope), json("X"));
    EXPECT_EQ(
        lua.run_block("local n = 0 for k in pairs(math) do n = n + 1 end return n > 10", kScope),
        json(true));
    EXPECT_EQ(
        lua.eval_expression("setmetatable({}, {__index = function() return 3 end}).x", kScope),
        json(3));
}

TEST(LuaSandbox, GlobalsDoNotLeakBetweenEvaluations) {
    LuaSandbox lua;
    lua.run_block("leaked = 1; _G.also = 2; tostring = nil; inputs.score = 0", kScope);
    EXPECT_TRUE(lua.eval_condition("leaked == nil and also == nil", kScope));
    EXPECT_EQ(lua.eval_expression("tostring(1)", kScope), json("1"));
    EXPECT_EQ(lua.eval_expression("inputs.score", kScope), json(72));
    EXPECT_EQ(kScope["inputs"]["score"], json(72));  // the scope itself is never written
    // A global assigned in a block is visible within that block.
    EXPECT_EQ(lua.run_block("x = 5 return x + inputs.score", kScope), json(77));
}

TEST(LuaSandbox, InstructionCapStopsLoopsAndStateSurvives) {
    LuaSandbox lua(LuaLimits{.max_instructions = 100'000});
    LuaError e = error_of(lua, "local a = 1\nwhile true do end");
    EXPECT_NE(std::string(e.what()).find("instruction limit"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 2);
    // The script's own pcall cannot swallow the cap.
    e = error_of(lua, "while true do pcall(function() while true do end end) end");
    EXPECT_NE(std::string(e.what()).find("instruction limit"), std::string::npos) << e.what();
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
    // The count restarts for each evaluation.
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(lua.run_block("local s = 0 for i = 1, 10000 do s = s + i end return s", kScope),
                  json(50005000));
    }
}

TEST(LuaSandbox, MemoryCapStopsBombsAndStateSurvives) {
    LuaSandbox lua(LuaLimits{.max_instructions = 0, .max_memory_bytes = 4u << 20});
    LuaError e = error_of(lua, "local t = {} for i = 1, 1e8 do t[i] = i end");
    EXPECT_NE(std::string(e.what()).find("memory limit"), std::string::npos) << e.what();
    e = error_of(lua, "local s = string.rep('x', 1 << 30)");
    EXPECT_NE(std::string(e.what()).find("memory limit"), std::string::npos) << e.what();
    e = error_of(lua, "local s = 'x' while true do s = s .. s end");
    EXPECT_NE(std::string(e.what()).find("memory limit"), std::string::npos) << e.what();
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
        EXPECT_EQ(lua.run_block("local t = {} for i = 1, 1000 do t[i] = i end return #t", kScope),
                  json(1000));
    }
}

TEST(LuaSandbox, RunawayRecursionAndNestingAreErrors) {
    LuaSandbox lua;
    EXPECT_THROW(lua.run_block("local function f(n) return f(n + 1) + 1 end return f(1)", kScope),
                 LuaError);
    EXPECT_THROW(
        lua.run_block("local t = {} local c = t for i = 1, 500 do c.x = {} c = c.x end return t",
                      kScope),
        LuaError);
    json deep = json::object();
    for (int i = 0; i < 500; ++i) deep = json{{"x", deep}};
    EXPECT_THROW(lua.eval_condition("deep ~= nil", json{{"deep", deep}}), LuaError);
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
}

TEST(LuaSandbox, ErrorsCarryLineNumbers) {
    LuaSandbox lua;
    LuaError e = error_of(lua, "local a = 1\nlocal b = nil\nreturn a + b");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(std::string(e.what()).rfind("line 3: ", 0), 0u) << e.what();
    e = error_of(lua, "local a = 1\nlocal = 2");
    EXPECT_EQ(e.line(), 2) << e.what();
    e = error_of(lua, "error('boom')");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(std::string(e.what()), "line 1: boom");
    e = error_of(lua, "error('plain', 0)");
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(std::string(e.what()), "plain");
    e = error_of(lua, "error({})");
    EXPECT_NE(std::string(e.what()).find("table"), std::string::npos);
    e = error_of(lua, "inputs.score >", true);
    EXPECT_EQ(e.line(), 1) << e.what();
    e = error_of(lua, "inputs.nope.x", true);
    EXPECT_EQ(e.line(), 1) << e.what();
}

TEST(LuaSandbox, CheckSyntax) {
    LuaSandbox lua;
    EXPECT_EQ(lua.check_syntax("inputs.score > 50", true), "");
    EXPECT_EQ(lua.check_syntax("inputs.score > 50 -- trailing comment", true), "");
    EXPECT_EQ(lua.check_syntax("local x = 1\nreturn x", false), "");
    EXPECT_NE(lua.check_syntax("inputs.score >", true), "");
    EXPECT_NE(lua.check_syntax("", true), "");
    EXPECT_NE(lua.check_syntax("x = 1", true), "");  // a statement is not an expression
    std::string message = lua.check_syntax("local x = 1\nif x then", false);
    EXPECT_EQ(message.rfind("line 2: ", 0), 0u) << message;
    // check_syntax never runs the code.
    EXPECT_EQ(lua.check_syntax("while true do end", false), "");
}

TEST(LuaSandbox, CompileCacheStaysCorrectPastItsBound) {
    LuaSandbox lua;
    for (int i = 0; i < 600; ++i) {
        EXPECT_EQ(lua.eval_expression("inputs.score + " + std::to_string(i), kScope), json(72 + i));
    }
    EXPECT_EQ(lua.eval_expression("inputs.score + 1", kScope), json(73));
    // Same text, different scope: the cached chunk sees the new scope.
    EXPECT_EQ(lua.eval_expression("inputs.score + 1", json::parse(R"({"inputs":{"score":1}})")),
              json(2));
    EXPECT_EQ(lua.eval_expression("inputs", json::object()), json(nullptr));
}

}  // namespace
}  // namespace relance::expr
