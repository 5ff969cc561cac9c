// Lua string patterns in the sandbox run on RE2 (engine/src/expr/lua_patterns.cpp): the results
// must be Lua's, and no pattern may hang a worker.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "relance/expr/lua_sandbox.hpp"

namespace relance::expr {
namespace {

const json kScope = json::parse(R"({
    "inputs": {"email": "ada@example.com", "text": "  many   spaces  here ", "id": "x-42"}
})");

// Formats every value an expression returns, as the reference Lua 5.4 interpreter does below.
constexpr std::string_view kShow = R"(
local function show(...)
  local t = table.pack(...)
  local out = {}
  for i = 1, t.n do
    out[i] = type(t[i]) == 'string' and string.format('%q', t[i]) or tostring(t[i])
  end
  return table.concat(out, ',')
end
return show()";

std::string show(LuaSandbox& lua, const std::string& expression) {
    return lua.run_block(std::string(kShow) + expression + "\n)", kScope).get<std::string>();
}

std::string error_of(LuaSandbox& lua, const std::string& code) {
    try {
        lua.run_block(code, kScope);
    } catch (const LuaError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no LuaError for: " << code;
    return {};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Case {
    const char* expression;
    const char* expected;  // what `show(expression)` gives in the stock lua5.4 interpreter
};

// Expected values were produced by the reference interpreter (lua5.4, Debian 12).
const Case kCases[] = {
    {R"~(string.find("hello world", "o w"))~", R"~(5,7)~"},
    {R"~(string.find("hello world", "o", 6))~", R"~(8,8)~"},
    {R"~(string.find("hello world", "l+"))~", R"~(3,4)~"},
    {R"~(string.find("hello", "xyz"))~", R"~(nil)~"},
    {R"~(string.find("hello", ""))~", R"~(1,0)~"},
    {R"~(string.find("hello", "", 10))~", R"~(nil)~"},
    {R"~(string.find("hello", "", 6))~", R"~(6,5)~"},
    {R"~(string.find("hello", "l", -2))~", R"~(4,4)~"},
    {R"~(string.find("hello", "h", -100))~", R"~(1,1)~"},
    {R"~(string.find("a+b", "+", 1, true))~", R"~(2,2)~"},
    {R"~(string.find("a.b", ".", 1, true))~", R"~(2,2)~"},
    {R"~(string.find("a.b", "%."))~", R"~(2,2)~"},
    {R"~(string.find("key = value", "(%w+)%s*=%s*(%w+)"))~", R"~(1,11,"key","value")~"},
    {R"~(string.find("abc", "^b", 2))~", R"~(2,2)~"},
    {R"~(string.find("abc", "^b"))~", R"~(nil)~"},
    {R"~(string.find("abc", "c$"))~", R"~(3,3)~"},
    {R"~(string.find("abc$", "c$"))~", R"~(nil)~"},
    {R"~(string.find("a$b", "$b"))~", R"~(2,3)~"},
    {R"~(string.find("ab", "b$", 1))~", R"~(2,2)~"},
    {R"~(string.find("x^y", "^", 2))~", R"~(2,1)~"},
    {R"~(string.find("x^y", "x^y"))~", R"~(1,3)~"},
    {R"~(string.find("  trim  ", "^%s*(.-)%s*$"))~", R"~(1,8,"trim")~"},
    {R"~(string.match("ada@example.com", "@(.+)$"))~", R"~("example.com")~"},
    {R"~(string.match("ada@example.com", "^([^@]+)@"))~", R"~("ada")~"},
    {R"~(string.match("2024-05-17", "(%d+)-(%d+)-(%d+)"))~", R"~("2024","05","17")~"},
    {R"~(string.match("  hi  ", "^%s*(.-)%s*$"))~", R"~("hi")~"},
    {R"~(string.match("hello", "()ll()"))~", R"~(3,5)~"},
    {R"~(string.match("hello", "(h)(e)(l)(l)(o)"))~", R"~("h","e","l","l","o")~"},
    {R"~(string.match("hello", ".-l"))~", R"~("hel")~"},
    {R"~(string.match("hello", ".*l"))~", R"~("hell")~"},
    {R"~(string.match("hello", "l-o"))~", R"~("llo")~"},
    {R"~(string.match("aaab", "a-b"))~", R"~("aaab")~"},
    {R"~(string.match("aaa", "a-"))~", R"~("")~"},
    {R"~(string.match("aaa", "a*"))~", R"~("aaa")~"},
    {R"~(string.match("aaa", "a+"))~", R"~("aaa")~"},
    {R"~(string.match("baaa", "ba?"))~", R"~("ba")~"},
    {R"~(string.match("bc", "ba?c"))~", R"~("bc")~"},
    {R"~(string.match("x = 10", "^(%a+)%s*=%s*(%d+)$"))~", R"~("x","10")~"},
    {R"~(string.match("[tag]", "%[(.-)%]"))~", R"~("tag")~"},
    {R"~(string.match("a]b", "[]]"))~", R"~("]")~"},
    {R"~(string.match("a-b", "[a-]+"))~", R"~("a-")~"},
    {R"~(string.match("a^b", "[%^b]+", 2))~", R"~("^b")~"},
    {R"~(string.match("abc123", "[^%d]+"))~", R"~("abc")~"},
    {R"~(string.match("ABCdef", "[A-Z]+"))~", R"~("ABC")~"},
    {R"~(string.match("xyz", "[^a-x]+"))~", R"~("yz")~"},
    {R"~(string.match("f0A9", "%x+"))~", R"~("f0A9")~"},
    {R"~(string.match("hello, world!", "%p"))~", R"~(",")~"},
    {R"~(string.match("tab\there", "%s"))~", R"~("\9")~"},
    {R"~(string.match("abc", "%A"))~", R"~(nil)~"},
    {R"~(string.match("ab12", "%D+"))~", R"~("ab")~"},
    {R"~(string.match("Hello", "%l+"))~", R"~("ello")~"},
    {R"~(string.match("Hello", "%u"))~", R"~("H")~"},
    {R"~(string.match("ab_c1", "[%w_]+"))~", R"~("ab_c1")~"},
    {R"~(string.match("a\0b", "%z"))~", R"~("\0")~"},
    {R"~(string.match("a\0b", "%Z+"))~", R"~("a")~"},
    {R"~(string.match("\1\2x", "%c+"))~", R"~("\1\2")~"},
    {R"~(string.match(" a~", "%g+"))~", R"~("a~")~"},
    {R"~(string.match("q", "%q"))~", R"~("q")~"},
    {R"~(string.match("%", "%%"))~", R"~("%")~"},
    {R"~(string.match("a.b", "[.]"))~", R"~(".")~"},
    {R"~(string.byte(string.match("é", ".")))~", R"~(195)~"},
    {R"~(#string.match("\200\201x", "[\128-\255]+"))~", R"~(2)~"},
    {R"~(string.match("hello", "(l)(l)", 1))~", R"~("l","l")~"},
    {R"~(string.match("hello", "((l)(l))"))~", R"~("ll","l","l")~"},
    {R"~(string.match("hello", "()"))~", R"~(1)~"},
    {R"~(string.match("hello", "()", 6))~", R"~(6)~"},
    {R"~(string.match("hello", "o()", 4))~", R"~(6)~"},
    {R"~(string.match("a*b", "a*%*b"))~", R"~("a*b")~"},
    {R"~(string.match("**", "**"))~", R"~("**")~"},
    {R"~(string.match("a-b", "%a%-%a"))~", R"~("a-b")~"},
    {R"~(string.match("12-34", "%d+-%d+"))~", R"~("12-34")~"},
    {R"~(string.match("12--34", "%d+--%d+"))~", R"~("12--34")~"},
    {R"~(string.gsub("hello world", "o", "0"))~", R"~("hell0 w0rld",2)~"},
    {R"~(string.gsub("hello world", "o", "0", 1))~", R"~("hell0 world",1)~"},
    {R"~(string.gsub("hello world", "o", "0", 0))~", R"~("hello world",0)~"},
    {R"~(string.gsub("hello world", "o", "0", -1))~", R"~("hello world",0)~"},
    {R"~(string.gsub("hello  world", "%s+", " "))~", R"~("hello world",1)~"},
    {R"~(string.gsub("hello world", "(%w+)", "<%1>"))~", R"~("<hello> <world>",2)~"},
    {R"~(string.gsub("hello world", "%w+", "%0 %0"))~", R"~("hello hello world world",2)~"},
    {R"~(string.gsub("hello world", "(%w+) (%w+)", "%2 %1"))~", R"~("world hello",1)~"},
    {R"~(string.gsub("abc", "%w", "%1"))~", R"~("abc",3)~"},
    {R"~(string.gsub("abc", "", "-"))~", R"~("-a-b-c-",4)~"},
    {R"~(string.gsub("hello world", "o*", "X"))~", R"~("XhXeXlXlX XwXrXlXdX",10)~"},
    {R"~(string.gsub("abc", "()", "%1"))~", R"~("1a2b3c4",4)~"},
    {R"~(string.gsub("abc", "b*", "-"))~", R"~("-a-c-",3)~"},
    {R"~(string.gsub("abc", "^a", "X"))~", R"~("Xbc",1)~"},
    {R"~(string.gsub("aaa", "^a", "X"))~", R"~("Xaa",1)~"},
    {R"~(string.gsub("abc", "^", ">"))~", R"~(">abc",1)~"},
    {R"~(string.gsub("abc", "$", "<"))~", R"~("abc<",1)~"},
    {R"~(string.gsub("a.b.c", "%.", "%%"))~", R"~("a%b%c",2)~"},
    {R"~(string.gsub("abc", ".", {a = 1, b = 2.5}))~", R"~("12.5c",3)~"},
    {R"~(string.gsub("abc", ".", {a = "A", c = false}))~", R"~("Abc",3)~"},
    {R"~(string.gsub("k=v, x=y", "(%w+)=(%w+)", function(k, v) return v .. "=" .. k end))~",
     R"~("v=k, y=x",2)~"},
    {R"~(string.gsub("abc", "%w", function(c) if c == "b" then return nil end return c:upper() end))~",
     R"~("AbC",3)~"},
    {R"~(string.gsub("abc", "()(%w)", function(p, c) return p .. c end))~", R"~("1a2b3c",3)~"},
    {R"~(string.gsub("$name is $age", "%$(%w+)", {name = "Ada", age = 36}))~",
     R"~("Ada is 36",2)~"},
    {R"~(string.gsub("abc", "b", 5))~", R"~("a5c",1)~"},
    {R"~(string.gsub("abc", "x", "y"))~", R"~("abc",0)~"},
    {R"~(string.gsub("", "", "e"))~", R"~("e",1)~"},
    {R"~(string.gsub("abc", ".-", "-"))~", R"~("-a-b-c-",4)~"},
    {R"~(string.gsub("one two", "(%w+)", "%%1"))~", R"~("%1 %1",2)~"},
    {R"~((function() local t = {} for k, v in string.gmatch("k=v, x=y", "(%w+)=(%w+)") do t[#t+1] = k .. ":" .. v end return table.concat(t, ";") end)())~",
     R"~("k:v;x:y")~"},
    {R"~((function() local t = {} for w in string.gmatch("one two  three", "%a+") do t[#t+1] = w end return table.concat(t, ",") end)())~",
     R"~("one,two,three")~"},
    {R"~((function() local t = {} for w in string.gmatch("abc", "") do t[#t+1] = "[" .. w .. "]" end return #t end)())~",
     R"~(4)~"},
    {R"~((function() local t = {} for w in string.gmatch("hello world", "o*") do t[#t+1] = "[" .. w .. "]" end return table.concat(t) end)())~",
     R"~("[][][][][o][][o][][][]")~"},
    {R"~((function() local t = {} for p in string.gmatch("abc", "()") do t[#t+1] = p end return table.concat(t, ",") end)())~",
     R"~("1,2,3,4")~"},
    {R"~((function() local t = {} for w in string.gmatch("^a^a", "^a") do t[#t+1] = w end return table.concat(t, ",") end)())~",
     R"~("^a,^a")~"},
    {R"~((function() local t = {} for w in string.gmatch("a1b2c3", "%a(%d)", 3) do t[#t+1] = w end return table.concat(t, ",") end)())~",
     R"~("2,3")~"},
    {R"~((function() local t = {} for w in string.gmatch("abc", ".", 10) do t[#t+1] = w end return #t end)())~",
     R"~(0)~"},
    {R"~((function() local t = {} for a, p in string.gmatch("x=1 y=2", "(%a)=()") do t[#t+1] = a .. p end return table.concat(t, ",") end)())~",
     R"~("x3,y7")~"},
    {R"~((function() local n = 0 for line in string.gmatch("a\nb\n\nc", "[^\n]*") do n = n + 1 end return n end)())~",
     R"~(4)~"},
};

TEST(LuaPatterns, MatchTheReferenceInterpreter) {
    LuaSandbox lua;
    for (const Case& c : kCases) {
        EXPECT_EQ(show(lua, c.expression), c.expected) << c.expression;
    }
}

TEST(LuaPatterns, OrdinaryUseOnScopeValues) {
    LuaSandbox lua;
    EXPECT_EQ(lua.eval_expression(R"~(inputs.email:match("@(.+)$"))~", kScope),
              json("example.com"));
    EXPECT_EQ(lua.eval_expression(R"~((inputs.text:gsub("%s+", " ")))~", kScope),
              json(" many spaces here "));
    EXPECT_EQ(lua.eval_expression(R"~(inputs.id:find("-", 1, true))~", kScope), json(2));
    EXPECT_TRUE(lua.eval_condition(R"~(inputs.email:find("@example%.com$") ~= nil)~", kScope));
    EXPECT_EQ(lua.run_block(R"~(
        local parts = {}
        for part in ("a,b,,c"):gmatch("([^,]*)") do parts[#parts + 1] = part end
        return parts
    )~",
                            kScope),
              json::parse(R"(["a", "b", "", "c"])"));
}

TEST(LuaPatterns, GsubReplacements) {
    LuaSandbox lua;
    EXPECT_EQ(show(lua, R"~(("John Smith"):gsub("(%w+) (%w+)", "%2, %1"))~"),
              R"~("Smith, John",1)~");
    EXPECT_EQ(show(lua, R"~(("a b c"):gsub("%a", {a = "1", c = 3}))~"), R"~("1 b 3",3)~");
    EXPECT_EQ(show(lua, R"~(("a b c"):gsub("%a", function(x) return x:rep(2) end, 2))~"),
              R"~("aa bb c",2)~");
    // A replacement function is Lua code: it counts against the instruction cap.
    LuaSandbox small(LuaLimits{.max_instructions = 10'000});
    const std::string message = error_of(
        small, R"~(return (("x"):rep(100):gsub(".", function(c) while true do end end)))~");
    EXPECT_NE(message.find("instruction limit"), std::string::npos) << message;
    // A replacement function may itself use patterns.
    EXPECT_EQ(show(lua, R"~(("a1 b2"):gsub("%w+", function(w) return (w:gsub("%d", "#")) end))~"),
              R"~("a# b#",2)~");
}

TEST(LuaPatterns, ErrorsAreLuaErrors) {
    LuaSandbox lua;
    struct {
        const char* code;
        const char* message;
    } cases[] = {
        {R"~(return string.find("a", "a%"))~", "malformed pattern (ends with '%')"},
        {R"~(return string.find("a", "[a"))~", "malformed pattern (missing ']')"},
        {R"~(return string.find("a", "(a"))~", "unfinished capture"},
        {R"~(return string.match("a", "a)"))~", "invalid pattern capture"},
        {R"~(return string.find("a", ("(a)"):rep(33)))~", "too many captures"},
        {R"~(return string.gsub("abc", "%w", "%2"))~", "invalid capture index %2"},
        {R"~(return string.gsub("abc", "(%w)", "%x"))~",
         "invalid use of '%' in replacement string"},
        {R"~(return string.gsub("abc", "%w", {a = true}))~",
         "invalid replacement value (a boolean)"},
        {R"~(return string.gsub("abc", "%w", function() return {} end))~",
         "invalid replacement value (a table)"},
        {R"~(return string.gsub("abc", "b", true))~", "string/function/table expected"},
        {R"~(return string.gsub("abc", "b", "x", 1.5))~", "number has no integer representation"},
        {R"~(return string.find("a", {}))~", "bad argument #2 to 'find'"},
        // Not available on a linear-time engine.
        {R"~(return string.find("(x)", "%b()"))~", "pattern feature %b is not available"},
        {R"~(return string.find("THE (quick) fox", "%f[%a]%a+"))~",
         "pattern feature %f is not available"},
        {R"~(return string.find("aa", "(a)%1"))~", "pattern feature %1 (back-reference)"},
        {R"~(return string.gmatch("x", "%b()"))~", "pattern feature %b is not available"},
        {R"~(return string.gsub("x", "%f[x]", ""))~", "pattern feature %f is not available"},
        {R"~(return string.match("x", ("x"):rep(5000)))~", "pattern too long"},
    };
    for (const auto& c : cases) {
        const std::string message = error_of(lua, c.code);
        EXPECT_NE(message.find(c.message), std::string::npos) << c.code << " -> " << message;
    }
    // The sandbox still works after pattern errors.
    EXPECT_EQ(lua.eval_expression(R"~(("ok"):match("o(.)"))~", kScope), json("k"));
}

TEST(LuaPatterns, BacktrackingPatternsDoNotHang) {
    LuaSandbox lua;
    const auto start = std::chrono::steady_clock::now();
    // Minutes with Lua's own matcher.
    EXPECT_EQ(lua.eval_expression("string.find(string.rep('a', 3000), '.-.-.-b')", kScope),
              json(nullptr));
    EXPECT_EQ(
        lua.eval_expression("string.match(string.rep('a', 100000), '(.-)(.-)(.-)(.-)b')", kScope),
        json(nullptr));
    EXPECT_EQ(lua.eval_expression("select(2, string.gsub(string.rep('a', 100000), "
                                  "'a-a-a-a-a-a-b', ''))",
                                  kScope),
              json(0));
    EXPECT_EQ(lua.run_block("local n = 0 for _ in string.rep('ab', 20000):gmatch('a.-.-.-c') "
                            "do n = n + 1 end return n",
                            kScope),
              json(0));
    EXPECT_EQ(
        lua.eval_expression("#string.match(string.rep('a', 100000) .. 'b', '.-.-.-b')", kScope),
        json(100001));
    EXPECT_LT(seconds_since(start), 1.0);
}

TEST(LuaPatterns, ScanningCountsAgainstTheInstructionCap) {
    LuaSandbox lua(LuaLimits{.max_instructions = 100'000});
    // Few instructions, much scanning: each call goes through a 1 MB subject.
    const auto start = std::chrono::steady_clock::now();
    for (const char* code : {
             "local s = string.rep('a', 1 << 20) for i = 1, 1e6 do s:find('b', 1, true) end",
             "local s = string.rep('a', 1 << 20) for i = 1, 1e6 do s:find('a-b') end",
             "local s = string.rep('a', 1 << 20) "
             "for i = 1, 1e6 do pcall(string.match, s, '(a+)b') end",
             "local s = string.rep('a', 1 << 20) for i = 1, 1e6 do s:gsub('b', 'c') end",
         }) {
        const std::string message = error_of(lua, code);
        EXPECT_NE(message.find("instruction limit exceeded"), std::string::npos)
            << code << " -> " << message;
    }
    EXPECT_LT(seconds_since(start), 2.0);
    // The budget is per evaluation.
    EXPECT_EQ(lua.eval_expression("select(2, string.rep('ab ', 1000):gsub('%a+', '%0'))", kScope),
              json(1000));
}

// Correctness, not limits: the clocks are off (300 RE2 compilations took longer than the 100 ms
// default deadline in a sanitizer build on a loaded machine).
TEST(LuaPatterns, ManyDistinctPatternsStayCorrect) {
    LuaLimits untimed;
    untimed.max_time = std::chrono::milliseconds{0};
    untimed.max_wall_time = std::chrono::milliseconds{0};
    LuaSandbox lua(untimed);
    EXPECT_EQ(lua.run_block(R"~(
        local n = 0
        for i = 1, 300 do
          local s = "id" .. i .. "x"
          if s:match("^id(" .. i .. ")x$") == tostring(i) then n = n + 1 end
        end
        return n
    )~",
                            kScope),
              json(300));
}

}  // namespace
}  // namespace relance::expr
