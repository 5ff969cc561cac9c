// The Lua sandbox. One lua_State per LuaSandbox, reused across evaluations.
//
// Isolation model:
// - Chunks never see the real global table: each evaluation gets a fresh, empty environment
//   table (the chunk's _ENV upvalue) whose __index serves scope values (converted lazily, on
//   first access) and then a shared table of safe functions. Globals a script assigns die with
//   its environment.
// - The library tables (string, table, math, utf8) are shared, so scripts see them through
//   read-only proxies, rawset is not offered, and every metatable a script could reach
//   (string values, proxies, environments) is protected with __metatable.
// - setmetatable refuses __gc: a finalizer would run later, outside the evaluation that
//   created it.
// - Caps (lua_budget.hpp): a count hook charges instructions and checks the time; library
//   functions charge their own work (lua_library.cpp audits every one of them); the allocator
//   caps memory and charges the bytes it hands out. All are reset at the start of each
//   evaluation. Once a cap is hit, the evaluation ends: the hook fires on every instruction and
//   the sandbox's pcall re-raises, so a script cannot swallow the error and keep going.
// - math.random draws from a generator private to the evaluation (lua_random.hpp).
// - string.find/match/gmatch/gsub run in C, and Lua's own matcher backtracks exponentially:
//   they are replaced by lua_patterns.cpp (Lua patterns on RE2, linear time), charged too.
// - Scope values and results cross through lua_json.cpp, bounded in depth and size.
//
// Liblua5.4-c++ is Lua compiled as C++ (errors are C++ exceptions, so destructors run) but its
// API symbols keep C linkage, hence the extern "C" in <lua.hpp> is right.
#include "relance/expr/lua_sandbox.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <lua.hpp>

#include "byte_size.hpp"
#include "lua_context.hpp"
#include "lua_json.hpp"
#include "lua_library.hpp"
#include "lua_patterns.hpp"

namespace relance::expr {
namespace {

using detail::EvalContext;
using detail::WorkBudget;

// Registry keys (addresses only).
char kEnvMeta;
char kSafe;
char kCache[2];  // [0] blocks, [1] expressions

// The compile cache (per kind) keeps at most this many chunks and this much source text; larger
// chunks are compiled on every evaluation rather than evicting everything else.
constexpr int kMaxCachedChunks = 256;
constexpr std::size_t kMaxCachedBytes = 1u << 20;
constexpr std::size_t kMaxCachedChunkBytes = 16u << 10;
constexpr const char* kChunkName = "=lua";
constexpr std::string_view kChunkPrefix = "lua:";

// All sandbox state; LuaSandbox::Impl is this (the helpers below cannot name a private type).
struct Sandbox {
    lua_State* L = nullptr;
    LuaLimits limits;
    EvalContext context;  // reached from L through its extra space

    // Allocator accounting.
    std::size_t used = 0;
    std::size_t limit = SIZE_MAX;
    bool memory_exceeded = false;

    detail::PatternEngine patterns;
    detail::LuaJson json_bridge;

    // The evaluation in progress; only valid inside evaluate().
    const json* scope = nullptr;
    std::string_view code;
    bool expression = false;
    int cached[2] = {0, 0};
    std::size_t cached_bytes[2] = {0, 0};

    explicit Sandbox(LuaLimits l);
    ~Sandbox() {
        if (L != nullptr) lua_close(L);
    }

    // Runs code under the caps; leaves exactly one result value on the stack, or throws.
    void evaluate(std::string_view text, bool as_expression, const json& scope_value,
                  const EvalOptions& options);
    [[noreturn]] void fail(int status);
    void check_code_size(std::string_view text) const;
};

void* sandbox_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
    auto* impl = static_cast<Sandbox*>(ud);
    // When ptr is null, osize encodes the object type, not a size.
    const std::size_t old = ptr != nullptr ? osize : 0;
    if (nsize == 0) {
        std::free(ptr);
        impl->used -= old;
        return nullptr;
    }
    if (nsize > old && impl->used + (nsize - old) > impl->limit) {
        // Lua runs an emergency collection and retries before raising LUA_ERRMEM.
        impl->memory_exceeded = true;
        return nullptr;
    }
    void* block = std::realloc(ptr, nsize);
    if (block == nullptr) return nullptr;
    impl->used = impl->used - old + nsize;
    // Allocating is work too (copying, collecting later): charged at the next budget check.
    if (nsize > old) impl->context.budget.allocated(impl->L, nsize - old);
    return block;
}

int panic(lua_State* L) {
    // Only reachable on a real out-of-memory outside a protected call.
    const char* msg = lua_tostring(L, -1);
    std::fprintf(stderr, "relance: unprotected Lua error: %s\n", msg != nullptr ? msg : "?");
    return 0;  // Lua aborts
}

// --- the environment of an evaluation ---

// __index of every evaluation environment: scope first, then the safe functions.
int env_index(lua_State* L) {
    auto* impl = static_cast<Sandbox*>(lua_touserdata(L, lua_upvalueindex(1)));
    if (lua_type(L, 2) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, 2, &len);
        std::string_view key(s, len);
        if (impl->scope != nullptr && impl->scope->is_object()) {
            auto it = impl->scope->find(key);
            if (it != impl->scope->end() && !it->is_null()) {
                impl->json_bridge.push(L, *it, key);
                // Cache in the environment: later reads are plain table hits, and mutations
                // of the converted table by the script stay visible to the script.
                lua_pushvalue(L, 2);
                lua_pushvalue(L, -2);
                lua_rawset(L, 1);
                return 1;
            }
        }
        if (key == "_G") {
            lua_pushvalue(L, 1);
            return 1;
        }
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(2));
    return 1;
}

int setup(lua_State* L) {
    auto* impl = static_cast<Sandbox*>(lua_touserdata(L, 1));
    detail::open_sandbox_library(L, impl->patterns);  // leaves the safe table
    const int safe = lua_gettop(L);

    lua_pushvalue(L, safe);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kSafe);

    lua_createtable(L, 0, 2);  // environment metatable
    lua_pushlightuserdata(L, impl);
    lua_pushvalue(L, safe);
    lua_pushcclosure(L, env_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kEnvMeta);

    for (char& key : kCache) {
        lua_newtable(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &key);
    }
    return 0;
}

// Feeds "return (" text "\n)" to the parser without building the string. The newline lets a
// trailing "-- comment" in an expression end before the closing parenthesis.
struct ExpressionReader {
    std::string_view parts[3];
    int next = 0;
};

const char* read_parts(lua_State*, void* data, std::size_t* size) {
    auto* reader = static_cast<ExpressionReader*>(data);
    while (reader->next < 3) {
        std::string_view part = reader->parts[reader->next++];
        if (!part.empty()) {
            *size = part.size();
            return part.data();
        }
    }
    *size = 0;
    return nullptr;
}

int load_chunk(lua_State* L, std::string_view code, bool expression) {
    if (expression) {
        ExpressionReader reader{{"return (", code, "\n)"}};
        return lua_load(L, read_parts, &reader, kChunkName, "t");
    }
    return luaL_loadbufferx(L, code.data(), code.size(), kChunkName, "t");
}

// Pushes the compiled chunk for impl->code, compiling and caching it on a miss.
void push_chunk(lua_State* L, Sandbox* impl) {
    const int which = impl->expression ? 1 : 0;
    const std::string_view code = impl->code;
    if (code.size() > kMaxCachedChunkBytes) {  // rare and large: not worth evicting the cache
        if (load_chunk(L, code, impl->expression) != LUA_OK) lua_error(L);
        return;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kCache[which]);
    lua_pushlstring(L, code.data(), code.size());
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TFUNCTION) {
        lua_replace(L, -3);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (load_chunk(L, code, impl->expression) != LUA_OK) lua_error(L);
    if (impl->cached[which] >= kMaxCachedChunks ||
        impl->cached_bytes[which] + code.size() > kMaxCachedBytes) {
        // Dropping the whole cache is crude but keeps memory bounded and costs nothing on hits.
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &kCache[which]);
        lua_replace(L, -4);
        impl->cached[which] = 0;
        impl->cached_bytes[which] = 0;
    }
    lua_pushvalue(L, -2);  // key
    lua_pushvalue(L, -2);  // chunk
    lua_rawset(L, -5);
    ++impl->cached[which];
    impl->cached_bytes[which] += code.size();
    lua_replace(L, -3);
    lua_pop(L, 1);
}

int protected_eval(lua_State* L) {
    auto* impl = static_cast<Sandbox*>(lua_touserdata(L, 1));
    push_chunk(L, impl);
    lua_createtable(L, 0, 4);  // this evaluation's globals
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvMeta);
    lua_setmetatable(L, -2);
    lua_setupvalue(L, -2, 1);  // the chunk's only upvalue is _ENV
    lua_pushvalue(L, -1);
    lua_call(L, 0, 1);
    // Detach the environment so the cached chunk does not keep this run's scope data alive.
    lua_pushnil(L);
    lua_setupvalue(L, -3, 1);
    return 1;
}

std::size_t count_lines(std::string_view text) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// "lua:12: msg" -> ("line 12: msg", 12). Messages without a position pass through.
LuaError make_error(std::string message, std::string_view code, bool expression) {
    int line = 0;
    if (message.compare(0, kChunkPrefix.size(), kChunkPrefix) == 0) {
        const char* first = message.data() + kChunkPrefix.size();
        const char* last = message.data() + message.size();
        auto [ptr, ec] = std::from_chars(first, last, line);
        if (ec == std::errc() && ptr != last && *ptr == ':') {
            std::string rest(ptr + 1);
            if (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
            // An expression is wrapped as "return (" text "\n)": an error at the closing
            // parenthesis belongs to the last line of the text.
            if (expression) line = std::min<int>(line, static_cast<int>(count_lines(code)));
            message = "line " + std::to_string(line) + ": " + rest;
        } else {
            line = 0;
        }
    }
    return LuaError(message, line);
}

std::string error_text(lua_State* L, int idx) {
    switch (lua_type(L, idx)) {
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, idx, &len);
            return std::string(s, len);
        }
        case LUA_TNUMBER:
            return lua_isinteger(L, idx) ? std::to_string(lua_tointeger(L, idx))
                                         : std::to_string(lua_tonumber(L, idx));
        default:
            return std::string("(error object is a ") + luaL_typename(L, idx) + " value)";
    }
}

std::string at_line(int line) {
    return line > 0 ? " (line " + std::to_string(line) + ")" : "";
}

// Restores the stack on scope exit, also when a conversion throws.
struct StackGuard {
    lua_State* L;
    int top;
    explicit StackGuard(lua_State* s) : L(s), top(lua_gettop(s)) {}
    ~StackGuard() { lua_settop(L, top); }
    StackGuard(const StackGuard&) = delete;
    StackGuard& operator=(const StackGuard&) = delete;
};

Sandbox::Sandbox(LuaLimits l)
    : limits(l),
      json_bridge(l.max_depth == 0 ? SIZE_MAX : l.max_depth,
                  l.max_result_bytes == 0 ? SIZE_MAX : l.max_result_bytes) {
    L = lua_newstate(sandbox_alloc, this);
    if (L == nullptr) throw LuaError("cannot create a Lua state");
    detail::attach_context(L, &context);
    lua_atpanic(L, panic);
    lua_pushcfunction(L, setup);
    lua_pushlightuserdata(L, this);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        std::string message = error_text(L, -1);
        lua_close(L);
        L = nullptr;
        throw LuaError("cannot set up the Lua sandbox: " + message);
    }
}

void Sandbox::check_code_size(std::string_view text) const {
    if (limits.max_code_bytes != 0 && text.size() > limits.max_code_bytes) {
        throw LuaError("lua: code is larger than " + detail::describe_bytes(limits.max_code_bytes) +
                       " (" + std::to_string(text.size()) + " bytes)");
    }
}

void Sandbox::evaluate(std::string_view text, bool as_expression, const json& scope_value,
                       const EvalOptions& options) {
    check_code_size(text);
    scope = &scope_value;
    code = text;
    expression = as_expression;
    memory_exceeded = false;
    // The budget is relative to what the state already holds (libraries, cached chunks,
    // not-yet-collected garbage), so one evaluation cannot starve the next.
    limit = limits.max_memory_bytes == 0 ? SIZE_MAX : used + limits.max_memory_bytes;
    patterns.reset(limits.max_memory_bytes == 0 ? SIZE_MAX : limits.max_memory_bytes);
    context.random.start(options.seed);
    context.budget.start(L, limits.max_instructions, limits.max_time, limits.max_wall_time, &used);

    lua_pushcfunction(L, protected_eval);
    lua_pushlightuserdata(L, this);
    int status = lua_pcall(L, 1, 1, 0);
    context.budget.finish();

    limit = SIZE_MAX;
    scope = nullptr;
    // The hook stays armed between evaluations: no script code should run then, and if some
    // did, it would still be bounded.
    if (status != LUA_OK) fail(status);
}

void Sandbox::fail(int status) {
    std::string message = error_text(L, -1);
    lua_pop(L, 1);
    const WorkBudget::Limit limit_hit = context.budget.exceeded();
    const bool out_of_memory =
        status == LUA_ERRMEM || (memory_exceeded && message == "not enough memory");
    if (limit_hit != WorkBudget::Limit::none || out_of_memory) {
        // Reclaim what the runaway script built before the next evaluation measures from here.
        lua_gc(L, LUA_GCCOLLECT);
    }
    switch (limit_hit) {
        case WorkBudget::Limit::cpu_time:
            throw LuaError("lua: evaluation took longer than " +
                               std::to_string(limits.max_time.count()) + " ms" +
                               at_line(context.budget.line()),
                           context.budget.line());
        case WorkBudget::Limit::wall_time:
            throw LuaError("lua: evaluation took longer than " +
                               std::to_string(limits.max_wall_time.count()) +
                               " ms of wall-clock time" + at_line(context.budget.line()),
                           context.budget.line());
        case WorkBudget::Limit::instructions:
            throw LuaError("lua: instruction limit exceeded: more than " +
                               std::to_string(limits.max_instructions) + " instructions" +
                               at_line(context.budget.line()),
                           context.budget.line());
        case WorkBudget::Limit::none:
            break;
    }
    if (out_of_memory) {
        if (limits.max_memory_bytes == 0) throw LuaError("lua: out of memory");
        throw LuaError("lua: memory limit exceeded: more than " +
                       detail::describe_bytes(limits.max_memory_bytes));
    }
    throw make_error(std::move(message), code, expression);
}

}  // namespace

struct LuaSandbox::Impl : Sandbox {
    using Sandbox::Sandbox;
};

LuaSandbox::LuaSandbox(LuaLimits limits) : impl_(std::make_unique<Impl>(limits)) {}

LuaSandbox::~LuaSandbox() = default;

std::string LuaSandbox::check_syntax(std::string_view code, bool expression) const {
    lua_State* L = impl_->L;
    StackGuard guard(L);
    try {
        impl_->check_code_size(code);
    } catch (const LuaError& e) {
        return e.what();
    }
    impl_->limit = impl_->limits.max_memory_bytes == 0
                       ? SIZE_MAX
                       : impl_->used + impl_->limits.max_memory_bytes;
    int status = load_chunk(L, code, expression);  // lua_load is itself protected
    impl_->limit = SIZE_MAX;
    if (status == LUA_OK) return {};
    if (status == LUA_ERRMEM) return "memory limit exceeded while compiling";
    return make_error(error_text(L, -1), code, expression).what();
}

json LuaSandbox::eval_expression(std::string_view expression, const json& scope,
                                 const EvalOptions& options) {
    StackGuard guard(impl_->L);
    impl_->evaluate(expression, true, scope, options);
    return impl_->json_bridge.read(impl_->L, -1);
}

bool LuaSandbox::eval_condition(std::string_view expression, const json& scope,
                                const EvalOptions& options) {
    StackGuard guard(impl_->L);
    impl_->evaluate(expression, true, scope, options);
    return lua_toboolean(impl_->L, -1) != 0;
}

json LuaSandbox::run_block(std::string_view code, const json& scope, const EvalOptions& options) {
    StackGuard guard(impl_->L);
    impl_->evaluate(code, false, scope, options);
    if (lua_isnil(impl_->L, -1)) return json::object();
    return impl_->json_bridge.read(impl_->L, -1);
}

}  // namespace relance::expr
