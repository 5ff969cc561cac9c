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
// - Caps: a count hook for instructions, the allocator for memory. Both are reset at the start
//   of each evaluation; the hook becomes "fire on every instruction" once the cap is hit so a
//   script's own pcall cannot swallow the error and keep going.
// - string.find/match/gmatch/gsub run in C, out of the hook's sight, and Lua's own matcher
//   backtracks exponentially: they are replaced by lua_patterns.cpp (Lua patterns on RE2, linear
//   time), whose scanning is charged to the same instruction budget.
//
// Liblua5.4-c++ is Lua compiled as C++ (errors are C++ exceptions, so destructors run) but its
// API symbols keep C linkage, hence the extern "C" in <lua.hpp> is right.
#include "relance/expr/lua_sandbox.hpp"

#include "lua_patterns.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <lua.hpp>

namespace relance::expr {
namespace {

// Registry keys (addresses only).
char kEnvMeta;
char kSafe;
char kCache[2];  // [0] blocks, [1] expressions

constexpr int kMaxCachedChunks = 256;
constexpr int kMaxDepth = 100;  // JSON <-> Lua nesting; also catches cyclic Lua tables
constexpr const char* kChunkName = "=lua";
constexpr std::string_view kChunkPrefix = "lua:";
// Pattern matching budget: bytes the matcher may scan (weighted by pattern size) per instruction.
constexpr std::size_t kScanBytesPerInstruction = 16;

void pattern_budget_exhausted(lua_State* L);

// All sandbox state; LuaSandbox::Impl is this (the helpers below cannot name a private type).
struct Sandbox {
    lua_State* L = nullptr;
    LuaLimits limits;

    // Allocator accounting.
    std::size_t used = 0;
    std::size_t limit = SIZE_MAX;
    bool memory_exceeded = false;

    bool instructions_exceeded = false;
    int instructions_line = 0;

    detail::PatternEngine patterns{pattern_budget_exhausted};

    // The evaluation in progress; only valid inside evaluate().
    const json* scope = nullptr;
    std::string_view code;
    bool expression = false;
    int cached[2] = {0, 0};

    explicit Sandbox(LuaLimits l);
    ~Sandbox() {
        if (L != nullptr) lua_close(L);
    }

    // Runs code under the caps; leaves exactly one result value on the stack, or throws.
    void evaluate(std::string_view text, bool as_expression, const json& scope_value);
    [[noreturn]] void fail(int status);
};

Sandbox* impl_of(lua_State* L) {
    void* ud = nullptr;
    lua_getallocf(L, &ud);
    return static_cast<Sandbox*>(ud);
}

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
    return block;
}

int panic(lua_State* L) {
    // Only reachable on a real out-of-memory outside a protected call.
    const char* msg = lua_tostring(L, -1);
    std::fprintf(stderr, "relance: unprotected Lua error: %s\n", msg != nullptr ? msg : "?");
    return 0;  // Lua aborts
}

void count_hook(lua_State* L, lua_Debug* ar) {
    auto* impl = impl_of(L);
    if (!impl->instructions_exceeded) {
        impl->instructions_exceeded = true;
        if (lua_getinfo(L, "l", ar) != 0 && ar->currentline > 0) {
            impl->instructions_line = ar->currentline;
        }
        // From now on every instruction raises, so pcall inside the script cannot absorb it.
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushliteral(L, "instruction limit exceeded");
    lua_error(L);
}

// The pattern functions ran out of scanning budget: the same error as the count hook's.
void pattern_budget_exhausted(lua_State* L) {
    auto* impl = impl_of(L);
    if (!impl->instructions_exceeded) {
        impl->instructions_exceeded = true;
        lua_Debug ar;
        if (lua_getstack(L, 1, &ar) != 0 && lua_getinfo(L, "l", &ar) != 0 && ar.currentline > 0) {
            impl->instructions_line = ar.currentline;
        }
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushliteral(L, "instruction limit exceeded");
    lua_error(L);
}

// --- JSON -> Lua (runs inside a protected call: may raise Lua errors, never C++ ones) ---

void push_json(lua_State* L, const json& value, int depth) {
    if (depth > kMaxDepth) luaL_error(L, "scope value nested too deeply");
    luaL_checkstack(L, 3, "scope value nested too deeply");
    switch (value.type()) {
        case json::value_t::null:
        case json::value_t::discarded:
            lua_pushnil(L);
            break;
        case json::value_t::boolean:
            lua_pushboolean(L, value.get<bool>());
            break;
        case json::value_t::number_integer:
            lua_pushinteger(L, static_cast<lua_Integer>(value.get<std::int64_t>()));
            break;
        case json::value_t::number_unsigned: {
            auto u = value.get<std::uint64_t>();
            if (u <= static_cast<std::uint64_t>(LUA_MAXINTEGER)) {
                lua_pushinteger(L, static_cast<lua_Integer>(u));
            } else {
                lua_pushnumber(L, static_cast<lua_Number>(u));
            }
            break;
        }
        case json::value_t::number_float:
            lua_pushnumber(L, value.get<double>());
            break;
        case json::value_t::string: {
            const auto& s = value.get_ref<const std::string&>();
            lua_pushlstring(L, s.data(), s.size());
            break;
        }
        case json::value_t::binary: {
            const auto& b = value.get_binary();
            lua_pushlstring(L, reinterpret_cast<const char*>(b.data()), b.size());
            break;
        }
        case json::value_t::array: {
            lua_createtable(L, static_cast<int>(std::min<std::size_t>(value.size(), INT_MAX)), 0);
            lua_Integer i = 1;
            for (const json& item : value) {
                push_json(L, item, depth + 1);
                lua_rawseti(L, -2, i++);  // null items leave holes; Lua has no array nil
            }
            break;
        }
        case json::value_t::object: {
            lua_createtable(L, 0, static_cast<int>(std::min<std::size_t>(value.size(), INT_MAX)));
            for (auto it = value.begin(); it != value.end(); ++it) {
                if (it.value().is_null()) continue;
                lua_pushlstring(L, it.key().data(), it.key().size());
                push_json(L, it.value(), depth + 1);
                lua_rawset(L, -3);
            }
            break;
        }
    }
}

// --- Lua -> JSON (runs outside protected calls: uses only non-raising API, may throw C++) ---

std::string number_text(lua_State* L, int idx) {
    if (lua_isinteger(L, idx)) return std::to_string(lua_tointeger(L, idx));
    char buf[64];
    std::snprintf(buf, sizeof buf, LUA_NUMBER_FMT, static_cast<double>(lua_tonumber(L, idx)));
    return buf;
}

json to_json(lua_State* L, int idx, int depth) {
    switch (lua_type(L, idx)) {
        case LUA_TNIL:
            return nullptr;
        case LUA_TBOOLEAN:
            return lua_toboolean(L, idx) != 0;
        case LUA_TNUMBER:
            if (lua_isinteger(L, idx)) return static_cast<std::int64_t>(lua_tointeger(L, idx));
            return static_cast<double>(lua_tonumber(L, idx));
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, idx, &len);
            return std::string(s, len);
        }
        case LUA_TTABLE:
            break;
        default:
            throw LuaError(std::string("cannot convert a ") + luaL_typename(L, idx) +
                           " value to JSON");
    }
    if (depth > kMaxDepth) throw LuaError("result table nested too deeply (or cyclic)");
    if (lua_checkstack(L, 4) == 0) throw LuaError("result table nested too deeply");
    idx = lua_absindex(L, idx);

    // A sequence 1..n (n > 0) is an array; anything else, including {}, is an object.
    lua_Integer count = 0;
    lua_Integer max_key = 0;
    bool sequence = true;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        ++count;
        if (sequence && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
            max_key = std::max(max_key, lua_tointeger(L, -1));
        } else {
            sequence = false;
        }
    }
    if (count > 0 && sequence && max_key == count) {
        json out = json::array();
        for (lua_Integer i = 1; i <= count; ++i) {
            lua_rawgeti(L, idx, i);
            out.push_back(to_json(L, -1, depth + 1));
            lua_pop(L, 1);
        }
        return out;
    }
    json out = json::object();
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        std::string key;
        switch (lua_type(L, -2)) {
            case LUA_TSTRING: {
                std::size_t len = 0;
                const char* s = lua_tolstring(L, -2, &len);  // a string: no in-place conversion
                key.assign(s, len);
                break;
            }
            case LUA_TNUMBER:
                key = number_text(L, -2);
                break;
            case LUA_TBOOLEAN:
                key = lua_toboolean(L, -2) != 0 ? "true" : "false";
                break;
            default:
                throw LuaError(std::string("cannot convert a table with a ") +
                               luaL_typename(L, -2) + " key to JSON");  // the guard pops
        }
        out[std::move(key)] = to_json(L, -1, depth + 1);
        lua_pop(L, 1);
    }
    return out;
}

// --- sandbox library functions ---

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
                push_json(L, *it, 0);
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

int readonly_newindex(lua_State* L) {
    return luaL_error(L, "attempt to modify a read-only library table");
}

// __pairs of a library proxy: iterate the real table.
int proxy_pairs(lua_State* L) {
    lua_pushcfunction(L, [](lua_State* S) -> int {
        lua_settop(S, 2);
        return lua_next(S, 1) != 0 ? 2 : (lua_pushnil(S), 1);
    });
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

int safe_setmetatable(lua_State* L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
        }
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));  // the original setmetatable
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

int noop(lua_State*) {
    return 0;
}

// Pushes a read-only proxy for the table at the top of the stack (replacing it).
void make_proxy(lua_State* L) {
    int real = lua_gettop(L);
    lua_newtable(L);           // proxy
    lua_createtable(L, 0, 4);  // its metatable
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, real);
    lua_pushcclosure(L, proxy_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_replace(L, real);
}

int setup(lua_State* L) {
    auto* impl = static_cast<Sandbox*>(lua_touserdata(L, 1));
    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);  // leaves the base table (the globals)
    int base = lua_gettop(L);

    lua_newtable(L);  // the safe table
    int safe = lua_gettop(L);
    for (const char* name :
         {"assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal",
          "rawget", "rawlen", "select", "tonumber", "tostring", "type", "xpcall", "_VERSION"}) {
        lua_getfield(L, base, name);
        lua_setfield(L, safe, name);
    }
    lua_pushcfunction(L, noop);  // print: scripts with debug output keep working, silently
    lua_setfield(L, safe, "print");
    lua_getfield(L, base, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setfield(L, safe, "setmetatable");

    struct Lib {
        const char* name;
        lua_CFunction open;
    };
    for (Lib lib : {Lib{LUA_STRLIBNAME, luaopen_string}, Lib{LUA_TABLIBNAME, luaopen_table},
                    Lib{LUA_MATHLIBNAME, luaopen_math}, Lib{LUA_UTF8LIBNAME, luaopen_utf8}}) {
        luaL_requiref(L, lib.name, lib.open, 0);
        if (std::strcmp(lib.name, LUA_STRLIBNAME) == 0) {
            lua_pushnil(L);  // string.dump produces bytecode
            lua_setfield(L, -2, "dump");
            impl->patterns.install(L);  // find, match, gmatch, gsub in linear time
        }
        make_proxy(L);
        lua_setfield(L, safe, lib.name);
    }

    // Hide the string metatable: its __index is the real (writable) string table.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

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
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kCache[which]);
    lua_pushlstring(L, impl->code.data(), impl->code.size());
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TFUNCTION) {
        lua_replace(L, -3);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (load_chunk(L, impl->code, impl->expression) != LUA_OK) lua_error(L);
    if (impl->cached[which] >= kMaxCachedChunks) {
        // Dropping the whole cache is crude but keeps memory bounded and costs nothing on hits.
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &kCache[which]);
        lua_replace(L, -4);
        impl->cached[which] = 0;
    }
    lua_pushvalue(L, -2);  // key
    lua_pushvalue(L, -2);  // chunk
    lua_rawset(L, -5);
    ++impl->cached[which];
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
            return number_text(L, idx);
        default:
            return std::string("(error object is a ") + luaL_typename(L, idx) + " value)";
    }
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

Sandbox::Sandbox(LuaLimits l) : limits(l) {
    L = lua_newstate(sandbox_alloc, this);
    if (L == nullptr) throw LuaError("cannot create a Lua state");
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

void Sandbox::evaluate(std::string_view text, bool as_expression, const json& scope_value) {
    scope = &scope_value;
    code = text;
    expression = as_expression;
    memory_exceeded = false;
    instructions_exceeded = false;
    instructions_line = 0;
    // The budget is relative to what the state already holds (libraries, cached chunks,
    // not-yet-collected garbage), so one evaluation cannot starve the next.
    limit = limits.max_memory_bytes == 0 ? SIZE_MAX : used + limits.max_memory_bytes;
    patterns.reset(limits.max_instructions == 0 ||
                           limits.max_instructions > SIZE_MAX / kScanBytesPerInstruction
                       ? SIZE_MAX
                       : limits.max_instructions * kScanBytesPerInstruction,
                   limits.max_memory_bytes == 0 ? SIZE_MAX : limits.max_memory_bytes);
    if (limits.max_instructions == 0) {
        lua_sethook(L, nullptr, 0, 0);
    } else {
        // lua_sethook also restarts the count.
        lua_sethook(L, count_hook, LUA_MASKCOUNT,
                    static_cast<int>(std::min<std::size_t>(limits.max_instructions, INT_MAX)));
    }

    lua_pushcfunction(L, protected_eval);
    lua_pushlightuserdata(L, this);
    int status = lua_pcall(L, 1, 1, 0);

    limit = SIZE_MAX;
    scope = nullptr;
    // The hook stays armed between evaluations: no script code should run then, and if some
    // did, it would still be bounded.
    if (status != LUA_OK) fail(status);
}

void Sandbox::fail(int status) {
    std::string message = error_text(L, -1);
    lua_pop(L, 1);
    const bool out_of_memory =
        status == LUA_ERRMEM || (memory_exceeded && message == "not enough memory");
    if (instructions_exceeded || (memory_exceeded && out_of_memory)) {
        // Reclaim what the runaway script built before the next evaluation measures from here.
        lua_gc(L, LUA_GCCOLLECT);
    }
    if (instructions_exceeded) {
        throw LuaError("instruction limit exceeded (" + std::to_string(limits.max_instructions) +
                           " instructions)",
                       instructions_line);
    }
    if (memory_exceeded && out_of_memory) {
        throw LuaError("memory limit exceeded (" + std::to_string(limits.max_memory_bytes) +
                       " bytes)");
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
    impl_->limit = impl_->limits.max_memory_bytes == 0
                       ? SIZE_MAX
                       : impl_->used + impl_->limits.max_memory_bytes;
    int status = load_chunk(L, code, expression);  // lua_load is itself protected
    impl_->limit = SIZE_MAX;
    if (status == LUA_OK) return {};
    if (status == LUA_ERRMEM) return "memory limit exceeded while compiling";
    return make_error(error_text(L, -1), code, expression).what();
}

json LuaSandbox::eval_expression(std::string_view expression, const json& scope) {
    StackGuard guard(impl_->L);
    impl_->evaluate(expression, true, scope);
    return to_json(impl_->L, -1, 0);
}

bool LuaSandbox::eval_condition(std::string_view expression, const json& scope) {
    StackGuard guard(impl_->L);
    impl_->evaluate(expression, true, scope);
    return lua_toboolean(impl_->L, -1) != 0;
}

json LuaSandbox::run_block(std::string_view code, const json& scope) {
    StackGuard guard(impl_->L);
    impl_->evaluate(code, false, scope);
    if (lua_isnil(impl_->L, -1)) return json::object();
    return to_json(impl_->L, -1, 0);
}

}  // namespace relance::expr
