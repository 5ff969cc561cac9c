// Nothing a workflow author writes in a condition or a `lua:` block may hang or crash the worker
// (issue 8, point 3): library functions that loop in C are charged to the instruction budget, a
// wall-clock deadline stops what cannot be charged, limits cannot be caught by the script, and
// results are bounded. Each hostile script runs in a child process (hang_guard.hpp), so that on
// code without these fixes a hang shows as a failure naming the script.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hang_guard.hpp"
#include "relance/expr/lua_sandbox.hpp"

namespace relance::expr {
namespace {

const json kScope = json::parse(R"({"inputs": {"score": 72, "name": "Ada"}})");

struct Hostile {
    const char* what;
    const char* code;  // a block
};

// Each loops in C (or in the VM) for as long as the script asks, while running few Lua
// instructions: before the fixes, each hung the worker or ran for minutes.
const Hostile kChargedInC[] = {
    {"string.rep of 1e9 bytes", "return #string.rep('x', 1e9)"},
    {"string.rep of separators", "return #string.rep('', 1e9, 'y')"},
    {"table.move over 2^62 slots", "table.move({}, 1, 2^62, 2)"},
    {"table.concat in a loop",
     "local t = {} for i = 1, 5e4 do t[i] = '' end for i = 1, 1e6 do table.concat(t) end"},
    {"table.insert with a huge __len",
     "table.insert(setmetatable({}, {__len = function() return 2^53 end}), 1, 'x')"},
    {"table.remove with a huge __len",
     "table.remove(setmetatable({}, {__len = function() return 2^53 end}), 1)"},
    {"table.unpack in a loop", "for i = 1, 1e6 do table.unpack({}, 1, 9e5) end"},
    {"table.sort in a loop",
     "local t = {} for i = 1, 2e4 do t[i] = (i * 7919) % 20011 end "
     "for i = 1, 1e6 do table.sort(t) end"},
    {"utf8.char of many arguments",
     "local s = string.rep('a', 1e5) for i = 1, 1e6 do utf8.char(string.byte(s, 1, -1)) end"},
    {"string.format of a long format",
     "local f = string.rep('%%', 2e6) for i = 1, 1e6 do string.format(f) end"},
    {"tonumber of a long string",
     "local s = string.rep(' ', 8e6) for i = 1, 1e6 do tonumber(s) end"},
    {"utf8.offset over continuation bytes",
     "local s = string.rep('\\x80', 8e6) for i = 1, 1e6 do utf8.offset(s, 0, #s) end"},
    {"utf8.codes iterator over continuation bytes",
     "local s = string.rep('\\x80', 8e6) local f = utf8.codes(s) "
     "for i = 1, 1e6 do f(s, 0) end"},
    {"utf8.len in a loop", "local s = string.rep('a', 8e6) for i = 1, 1e6 do utf8.len(s) end"},
    {"pattern compilation in a loop",
     "local p = string.rep('a', 4000) for i = 1, 1e6 do string.find('x', p .. i) end"},
    {"arithmetic on a long numeric string",
     "local s = string.rep(' ', 8e6) .. '1' for i = 1, 1e6 do local _ = s + 1 end"},
    {"string.byte in a loop",
     "local s = string.rep('a', 9e5) for i = 1, 1e6 do string.byte(s, 1, -1) end"},
};

// Work the VM does inside one instruction: no charge is possible, the deadline stops it.
const Hostile kOnlyTheDeadline[] = {
    {"comparing two long strings",
     "local a = string.rep('x', 4e6) .. 'a' local b = string.rep('x', 4e6) .. 'b' "
     "while true do local _ = a == b end"},
    {"a 'for' converting a long string",
     "local s = string.rep(' ', 4e6) .. '1' while true do for j = s, 1 do end end"},
};

bool is_limit_error(const std::string& message) {
    for (const char* phrase : {"lua: instruction limit exceeded", "lua: memory limit exceeded",
                               "lua: evaluation took longer than", "result is larger than"}) {
        if (message.find(phrase) != std::string::npos) return true;
    }
    return false;
}

// Runs `code` in a fresh sandbox in a child process; returns "error: ..." or "ok: <json>",
// then whether the sandbox still evaluates an ordinary condition afterwards.
test::Outcome guarded(const std::string& code, const LuaLimits& limits = {}) {
    return test::run_guarded([&] {
        LuaSandbox lua(limits);
        std::string out;
        try {
            out = "ok: " + lua.run_block(code, kScope).dump();
        } catch (const LuaError& e) {
            out = std::string("error: ") + e.what();
        }
        bool after = false;
        try {
            after = lua.eval_condition("inputs.score > 50 and #inputs.name == 3", kScope);
        } catch (const std::exception& e) {
            out += std::string(" | afterwards: ") + e.what();
        }
        return out + (after ? " | still works" : " | broken afterwards");
    });
}

void expect_limit(const Hostile& h, const test::Outcome& o, const char* phrase = nullptr) {
    ASSERT_TRUE(o.ended) << h.what << ": " << o.problem << "\n  " << h.code;
    EXPECT_EQ(o.output.rfind("error: ", 0), 0u) << h.what << ": " << o.output;
    if (phrase != nullptr) {
        EXPECT_NE(o.output.find(phrase), std::string::npos) << h.what << ": " << o.output;
    } else {
        EXPECT_TRUE(is_limit_error(o.output)) << h.what << ": " << o.output;
    }
    EXPECT_NE(o.output.find(" | still works"), std::string::npos) << h.what << ": " << o.output;
}

// Default limits, as the worker runs them.
TEST(LuaLimits, HostileScriptsEndWithALimitError) {
    for (const Hostile& h : kChargedInC) expect_limit(h, guarded(h.code));
    for (const Hostile& h : kOnlyTheDeadline) expect_limit(h, guarded(h.code));
    // Copying nothing 2^62 times is nothing: stock Lua looped 2^62 times to find out.
    const test::Outcome o = guarded("return #string.rep('', 2^62) + #string.rep('', 2^62, '')");
    ASSERT_TRUE(o.ended) << o.problem;
    EXPECT_EQ(o.output, "ok: 0 | still works");
}

// With the deadline off, C work alone exhausts the instruction budget: the limit is
// deterministic (the same script fails the same way on any machine), not a matter of timing.
// Both clocks are off: with the wall clock left on, a slow machine (a loaded CI, a sanitizer
// build) ended "pattern compilation in a loop" on the clock before the budget.
TEST(LuaLimits, LibraryWorkIsChargedToTheInstructionBudget) {
    LuaLimits limits;
    limits.max_time = std::chrono::milliseconds{0};
    limits.max_wall_time = std::chrono::milliseconds{0};
    for (const Hostile& h : kChargedInC) {
        expect_limit(h, guarded(h.code, limits), "lua: instruction limit exceeded");
    }
}

// With the instruction cap off, the deadline still holds: in Lua loops, in the VM's own
// expensive instructions, and inside library functions that loop in C.
TEST(LuaLimits, TheDeadlineHoldsEverywhere) {
    LuaLimits limits;
    limits.max_instructions = 0;
    limits.max_time = std::chrono::milliseconds{50};
    const Hostile cases[] = {
        {"an endless Lua loop", "local a = 1\nwhile true do a = a + 1 end"},
        {"table.move over 2^62 slots (inside one C call)", "table.move({}, 1, 2^62, 2)"},
        {"table.insert with a huge __len",
         "table.insert(setmetatable({}, {__len = function() return 2^53 end}), 1, 'x')"},
        {"table.concat of a huge range",
         "table.concat(setmetatable({}, {__index = "
         "function() return '' end}), '', 1, 2^62)"},
        kOnlyTheDeadline[0],
        kOnlyTheDeadline[1],
    };
    for (const Hostile& h : cases) {
        expect_limit(h, guarded(h.code, limits), "lua: evaluation took longer than 50 ms");
    }
    // The error names the line the script was on.
    const test::Outcome o = guarded(cases[0].code, limits);
    EXPECT_NE(o.output.find("50 ms (line 2)"), std::string::npos) << o.output;
    // The wall-clock cap holds on its own.
    LuaLimits wall;
    wall.max_instructions = 0;
    wall.max_time = std::chrono::milliseconds{0};
    wall.max_wall_time = std::chrono::milliseconds{50};
    for (const Hostile& h : cases) {
        expect_limit(h, guarded(h.code, wall),
                     "lua: evaluation took longer than 50 ms of wall-clock time");
    }
}

// The time limit counts the CPU time of the evaluating thread: a worker the machine deschedules
// (here: stopped with SIGSTOP, as a loaded host would) does not fail scripts that did little
// work, while the wall-clock cap still bounds them.
TEST(LuaLimits, ADescheduledWorkerDoesNotFailShortScripts) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        LuaLimits limits;
        limits.max_instructions = 0;
        limits.max_time = std::chrono::milliseconds{100};
        limits.max_wall_time = std::chrono::milliseconds{30'000};
        LuaSandbox lua(limits);
        int failures = 0;
        for (int i = 0; i < 60; ++i) {  // about 10 ms of CPU each
            try {
                lua.run_block("local n = 0 for i = 1, 1e6 do n = n + 1 end return n", kScope);
            } catch (const LuaError&) {
                ++failures;
            }
        }
        const std::string out = std::to_string(failures);
        (void)!write(fds[1], out.data(), out.size());
        _exit(0);
    }
    close(fds[1]);
    // Stop the child three times for 300 ms while it evaluates: each time, one evaluation spans
    // far more than 100 ms of wall-clock time.
    for (int i = 0; i < 3; ++i) {
        usleep(100'000);
        kill(pid, SIGSTOP);
        usleep(300'000);
        kill(pid, SIGCONT);
    }
    char buf[32] = {};
    const ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_GT(n, 0);
    EXPECT_STREQ(buf, "0") << "evaluations failed because the worker was descheduled";
}

// A limit ends the evaluation: the script's own pcall or xpcall cannot catch it and go on.
TEST(LuaLimits, LimitsCannotBeCaughtByTheScript) {
    LuaLimits small;
    small.max_instructions = 100'000;
    small.max_memory_bytes = 4u << 20;
    const Hostile cases[] = {
        {"pcall around a loop", "pcall(function() while true do end end) return 'survived'"},
        {"xpcall around a loop",
         "xpcall(function() while true do end end, function(m) return m end) return 'survived'"},
        {"a looping message handler",
         "xpcall(error, function() while true do end end) return 'survived'"},
        {"pcall around an allocation over the memory cap",
         "local ok = pcall(string.rep, 'x', 1e7) return 'survived'"},
        {"pcall around a growing table",
         "local ok = pcall(function() local t = {} for i = 1, 1e7 do t[i] = i end end) "
         "return 'survived'"},
        {"pcall in a loop around string.rep",
         "for i = 1, 1e7 do pcall(string.rep, 'x', 1e9) end return 'survived'"},
    };
    for (const Hostile& h : cases) expect_limit(h, guarded(h.code, small));
    // Ordinary errors are still the script's to handle.
    LuaSandbox lua(small);
    EXPECT_EQ(lua.run_block("local ok, e = pcall(error, 'boom', 0) return {ok, e}", kScope),
              json::parse(R"([false, "boom"])"));
    EXPECT_EQ(lua.run_block("return select('#', pcall(function() return 1, 2, 3 end))", kScope),
              json(4));
    EXPECT_EQ(lua.run_block("return {xpcall(function(a) return a * 2 end, print, 21)}", kScope),
              json::parse("[true, 42]"));
}

// Results cross into JSON bounded in depth and size, with an error naming where.
TEST(LuaLimits, ResultsAreBoundedAndNamed) {
    // A table referenced 2^60 times through 60 levels: before, the conversion never ended.
    test::Outcome o = guarded("local a = {1} for i = 1, 60 do a = {a, a} end return a");
    ASSERT_TRUE(o.ended) << o.problem;
    EXPECT_NE(o.output.find("result is larger than 4 MiB as JSON"), std::string::npos) << o.output;

    LuaSandbox lua;
    auto error_of = [&](const std::string& code) -> std::string {
        try {
            lua.run_block(code, kScope);
        } catch (const LuaError& e) {
            return e.what();
        }
        return "no error";
    };
    EXPECT_EQ(error_of("local t = {a = {b = {}}} t.a.b.c = t return t")
                  .rfind("result is nested deeper than 64 levels (or cyclic) (at "
                         "result.a.b.c.a.b.c.a.b.c.",
                         0),
              0u);
    EXPECT_EQ(error_of("return {list = {1, 2, function() end}}"),
              "cannot convert a function value to JSON (at result.list[3])");
    EXPECT_EQ(error_of("return {x = {[{}] = 1}}"),
              "cannot convert a table with a table key to JSON (at result.x)");
    EXPECT_EQ(error_of("return string.rep('x', 5 << 20)"), "result is larger than 4 MiB as JSON");
    // Depth 64 is fine; invalid UTF-8 is repaired rather than stored broken.
    EXPECT_NO_THROW(lua.run_block(
        "local t = {} local c = t for i = 1, 63 do c.x = {} c = c.x end return t", kScope));
    EXPECT_EQ(lua.run_block("return {s = 'caf\\xe9', ['k\\xff'] = 1}", kScope),
              json::parse(R"({"s": "caf\ufffd", "k\ufffd": 1})"));
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
}

// Scope values cross into Lua bounded too, with the variable named.
TEST(LuaLimits, ScopeValuesAreBoundedAndNamed) {
    json deep = json::object();
    for (int i = 0; i < 100; ++i) deep = json{{"x", std::move(deep)}};
    LuaSandbox lua;
    try {
        lua.eval_condition("deep ~= nil", json{{"deep", deep}});
        ADD_FAILURE() << "no error for a deep scope value";
    } catch (const LuaError& e) {
        EXPECT_NE(std::string(e.what()).find("scope value 'deep' is nested deeper than 64 levels"),
                  std::string::npos)
            << e.what();
    }
    // A wide value is converted and charged like any other work.
    json wide = json::array();
    for (int i = 0; i < 100'000; ++i) wide.push_back(i);
    EXPECT_EQ(lua.eval_expression("#wide", json{{"wide", wide}}), json(100'000));
    LuaLimits small;
    small.max_instructions = 10'000;
    LuaSandbox tight(small);
    EXPECT_THROW(tight.eval_expression("#wide", json{{"wide", wide}}), LuaError);
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
}

// Long text, long names, deep nesting in the code itself: clear errors or correct results.
TEST(LuaLimits, LongAndDeepCodeIsHandled) {
    LuaSandbox lua;
    const std::string long_string(20'000, 'x');
    EXPECT_EQ(lua.eval_expression("#'" + long_string + "'", kScope), json(20'000));
    EXPECT_EQ(lua.eval_expression("('" + long_string + "'):match('^x+$') ~= nil", kScope),
              json(true));
    const std::string name(100'000, 'n');
    EXPECT_EQ(lua.run_block("local " + name + " = 7 return " + name, kScope), json(7));
    EXPECT_EQ(lua.eval_expression(name, json{{name, "found"}}), json("found"));
    // Nesting in the source is bounded by Lua's parser (C levels), not by our stack.
    std::string nested(100'000, '(');
    nested += "1";
    nested += std::string(100'000, ')');
    const std::string message = lua.check_syntax(nested, true);
    EXPECT_NE(message.find("C stack overflow"), std::string::npos) << message;
    EXPECT_THROW(lua.eval_expression(nested, kScope), LuaError);
    std::string tables = "return ";
    for (int i = 0; i < 100'000; ++i) tables += "{";
    EXPECT_THROW(lua.run_block(tables, kScope), LuaError);
    // Code over the size cap is refused before compiling, with the size named.
    const std::string huge = "return 1 --" + std::string(300 << 10, '-');
    EXPECT_NE(lua.check_syntax(huge, false).find("code is larger than 256 KiB"), std::string::npos);
    EXPECT_THROW(lua.run_block(huge, kScope), LuaError);
    EXPECT_TRUE(lua.eval_condition("inputs.score > 50", kScope));
}

// The memory cap counts C-side buffers (luaL_Buffer) and strings built by replacements.
TEST(LuaLimits, MemoryCapCountsLibraryBuffers) {
    LuaLimits limits;
    limits.max_memory_bytes = 1u << 20;
    LuaSandbox lua(limits);
    for (const char* code : {
             "local s = string.rep('x', 300000) return #table.concat({s, s, s, s})",
             "local s = string.rep('x', 300000) return #string.format('%s%s%s%s', s, s, s, s)",
             "return #string.rep('ab', 600000)",
             "return #string.rep('a', 300000, string.rep('b', 10))",
             "local s = string.rep('x', 300000) return #(s .. s .. s .. s)",
             "local s = string.rep('x', 400000) return #s:upper() + #s:reverse() + #s:lower()",
         }) {
        try {
            lua.run_block(code, kScope);
            ADD_FAILURE() << "no error for: " << code;
        } catch (const LuaError& e) {
            EXPECT_NE(std::string(e.what()).find("memory limit exceeded: more than 1 MiB"),
                      std::string::npos)
                << code << " -> " << e.what();
        }
    }
    EXPECT_EQ(lua.run_block("return #table.concat({'a', 'b', 'c'}, ', ')", kScope), json(7));
}

}  // namespace
}  // namespace relance::expr
