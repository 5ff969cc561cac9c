// The audited library of the sandbox: see lua_library.hpp.
//
// The count hook sees Lua instructions only; a C function runs inside one instruction, however
// long it loops. So every function a script can reach is listed below with how its cost is
// bounded, and a function Lua provides that is not listed is removed (fail closed: a Lua upgrade
// that adds a function does not silently widen the sandbox). The treatments:
//
//   keep     O(1) work whatever the arguments (or work that only Lua code does: metamethods
//            and callbacks are counted by the hook), or work proportional to the bytes it
//            allocates, which the allocator charges (string.sub).
//   metered  bounded by its arguments (a string's length, the number of arguments or results):
//            charged before it runs, by the cost function named in the table.
//   replaced loops as long as a script asks (an integer argument, a __len result, a position):
//            reimplemented in lua_bounded.cpp, lua_random.cpp or lua_patterns.cpp, charging as
//            it goes so that the time limits hold inside it too.
//   removed  not offered (load, string.dump, collectgarbage, io, os, ...).
//
// What remains outside any charge is work the VM itself does in one instruction: comparing two
// long strings, converting a long string to a number in a 'for', copying a long vararg list.
// Each is bounded by the memory cap and is caught by the time limits, which the count hook checks
// more often as the heap grows (lua_budget.hpp).
#include "lua_library.hpp"

#include <cstring>
#include <lua.hpp>

#include "lua_bounded.hpp"
#include "lua_context.hpp"
#include "lua_patterns.hpp"

namespace relance::expr::detail {
namespace {

// --- cost functions: instruction units to charge, from the arguments (never raise) ---

using Cost = std::size_t (*)(lua_State*);

std::size_t string_bytes(lua_State* L, int arg) {
    return lua_type(L, arg) == LUA_TSTRING ? lua_rawlen(L, arg) : 0;
}

lua_Integer integer_or(lua_State* L, int arg, lua_Integer fallback) {
    if (lua_isnoneornil(L, arg)) return fallback;
    int ok = 0;
    const lua_Integer value = lua_tointegerx(L, arg, &ok);
    return ok != 0 ? value : fallback;  // not an integer: the function itself raises
}

// Bytes of a string slice [i, j] (Lua's relative positions), clipped to the string.
std::size_t slice_bytes(std::size_t len, lua_Integer i, lua_Integer j) {
    const auto n = static_cast<lua_Integer>(len);
    if (i < 0) i = i < -n ? 1 : n + i + 1;
    if (i == 0) i = 1;
    if (j < 0) j = j < -n ? 0 : n + j + 1;
    if (j > n) j = n;
    return j >= i ? static_cast<std::size_t>(j - i + 1) : 0;
}

// One unit per argument (or result): select, assert, math.min/max, string.char, utf8.char,
// table.pack. The arguments are already on the stack, at most LUAI_MAXSTACK of them.
std::size_t cost_arguments(lua_State* L) {
    return 1 + static_cast<std::size_t>(lua_gettop(L));
}

// A scan of the first argument: tonumber, string.lower/upper/reverse.
std::size_t cost_scan_first(lua_State* L) {
    return 1 + string_bytes(L, 1) / kScanBytesPerUnit;
}

// The string metatable's arithmetic (a string operand is converted to a number: a scan).
std::size_t cost_scan_operands(lua_State* L) {
    return 1 + (string_bytes(L, 1) + string_bytes(L, 2)) / kScanBytesPerUnit;
}

// string.format: a scan of the format; each item writes at most a few hundred bytes, or copies
// an argument (charged by the allocator).
std::size_t cost_format(lua_State* L) {
    return cost_scan_first(L) + static_cast<std::size_t>(lua_gettop(L));
}

// string.pack and string.packsize: one unit per format byte (each may be one option).
std::size_t cost_pack(lua_State* L) {
    return 1 + string_bytes(L, 1) + static_cast<std::size_t>(lua_gettop(L));
}

// string.unpack: one unit per format byte; a 'z' option scans the data for its terminator.
std::size_t cost_unpack(lua_State* L) {
    std::size_t cost = 1 + string_bytes(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* format = lua_tolstring(L, 1, &len);
        if (std::memchr(format, 'z', len) != nullptr)
            cost += string_bytes(L, 2) / kScanBytesPerUnit;
    }
    return cost;
}

// string.byte(s, i, j): one unit per value returned.
std::size_t cost_byte(lua_State* L) {
    const lua_Integer i = integer_or(L, 2, 1);
    return 1 + slice_bytes(string_bytes(L, 1), i, integer_or(L, 3, i));
}

// utf8.codepoint(s, i, j): at most one value per byte of the slice.
std::size_t cost_codepoint(lua_State* L) {
    return cost_byte(L);
}

// utf8.len(s, i, j): a scan of the slice.
std::size_t cost_utf8_len(lua_State* L) {
    return 1 + slice_bytes(string_bytes(L, 1), integer_or(L, 2, 1), integer_or(L, 3, -1)) /
                   kScanBytesPerUnit;
}

// Charges, then runs the stock function (upvalue 1) on the same stack.
template <Cost cost>
int metered(lua_State* L) {
    context_of(L).budget.charge(L, cost(L));
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

// --- replacements for base functions ---

// Limits are not errors a script may handle: a pcall that caught one raises it again, so the
// evaluation ends (the hook would also fire on the next instruction; this makes it immediate,
// and covers LUA_ERRMEM, which the hook does not see).
int finish_protected_call(lua_State* L, int status, int extra) {
    if (status != LUA_OK) {
        if (status == LUA_ERRMEM || context_of(L).budget.exceeded() != WorkBudget::Limit::none) {
            lua_error(L);
        }
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;  // false, message
    }
    return lua_gettop(L) - extra;  // true, results...
}

int safe_pcall(lua_State* L) {
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return finish_protected_call(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 0);
}

// xpcall's message handler, guarded (upvalue 1: the script's handler). Lua runs the handler at
// the point of the error; when the error is a limit raised by the count hook, that point is
// inside the hook, where Lua turns hooks off: the script's handler would run unmetered, and
// `xpcall(f, function() while true do end end)` would never end. A limit error therefore skips
// the script's handler.
int guarded_message_handler(lua_State* L) {
    if (context_of(L).budget.exceeded() != WorkBudget::Limit::none) return 1;  // unchanged
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

int safe_xpcall(lua_State* L) {
    const int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_message_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);  // f, handler, true, f, args...
    return finish_protected_call(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 2);
}

// setmetatable refuses __gc: a finalizer would run later, outside the evaluation (and the
// budget) that created it. Upvalue 1: the stock setmetatable.
int safe_setmetatable(lua_State* L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
        }
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

// print: scripts with debug output keep working, silently.
int noop(lua_State*) {
    return 0;
}

// --- the audit ---

enum class How { keep, metered, replaced, patterns, removed };

struct Audited {
    const char* name;
    How how;
    // For metered and replaced: installed as a closure whose upvalue 1 is the stock function.
    lua_CFunction fn = nullptr;
};

constexpr Audited kBase[] = {
    {"assert", How::metered, metered<cost_arguments>},  // returns all its arguments
    {"error", How::keep},
    {"getmetatable", How::keep},
    {"ipairs", How::keep},  // each step is one lua_geti (__index: Lua code, counted)
    {"next", How::keep},
    {"pairs", How::keep},  // __pairs: Lua code
    {"pcall", How::replaced, safe_pcall},
    {"print", How::replaced, noop},
    {"rawequal", How::keep},
    {"rawget", How::keep},
    {"rawlen", How::keep},
    {"select", How::metered, metered<cost_arguments>},
    {"setmetatable", How::replaced, safe_setmetatable},
    {"tonumber", How::metered, metered<cost_scan_first>},  // scans a string argument
    {"tostring", How::keep},                               // __tostring: Lua code
    {"type", How::keep},
    {"xpcall", How::replaced, safe_xpcall},
    {"_VERSION", How::keep},
    // Not offered: collectgarbage, dofile, load, loadfile, rawset, require, warn, _G (each
    // evaluation's _G is its own environment), coroutine, debug, io, os, package.
};

constexpr Audited kString[] = {
    {"byte", How::metered, metered<cost_byte>},
    {"char", How::metered, metered<cost_arguments>},
    {"dump", How::removed},  // bytecode
    {"find", How::patterns},
    {"format", How::metered, metered<cost_format>},
    {"gmatch", How::patterns},
    {"gsub", How::patterns},
    {"len", How::keep},
    {"lower", How::metered, metered<cost_scan_first>},
    {"match", How::patterns},
    {"pack", How::metered, metered<cost_pack>},
    {"packsize", How::metered, metered<cost_pack>},
    {"rep", How::replaced, bounded_string_rep},
    {"reverse", How::metered, metered<cost_scan_first>},
    {"sub", How::keep},  // copies its result: charged by the allocator
    {"unpack", How::metered, metered<cost_unpack>},
    {"upper", How::metered, metered<cost_scan_first>},
};

constexpr Audited kTable[] = {
    {"concat", How::replaced, bounded_table_concat},
    {"insert", How::replaced, bounded_table_insert},
    {"move", How::replaced, bounded_table_move},
    {"pack", How::metered, metered<cost_arguments>},
    {"remove", How::replaced, bounded_table_remove},
    {"sort", How::replaced, bounded_table_sort},
    {"unpack", How::replaced, bounded_table_unpack},
};

constexpr Audited kMath[] = {
    {"abs", How::keep},
    {"acos", How::keep},
    {"asin", How::keep},
    {"atan", How::keep},
    {"atan2", How::keep},
    {"ceil", How::keep},
    {"cos", How::keep},
    {"cosh", How::keep},
    {"deg", How::keep},
    {"exp", How::keep},
    {"floor", How::keep},
    {"fmod", How::keep},
    {"frexp", How::keep},
    {"huge", How::keep},
    {"ldexp", How::keep},
    {"log", How::keep},
    {"log10", How::keep},
    {"maxinteger", How::keep},
    {"mininteger", How::keep},
    {"modf", How::keep},
    {"pi", How::keep},
    {"pow", How::keep},
    {"rad", How::keep},
    {"sin", How::keep},
    {"sinh", How::keep},
    {"sqrt", How::keep},
    {"tan", How::keep},
    {"tanh", How::keep},
    {"tointeger", How::keep},
    {"type", How::keep},
    {"ult", How::keep},
    {"max", How::metered, metered<cost_arguments>},
    {"min", How::metered, metered<cost_arguments>},
    // One generator per evaluation, seeded by the caller: see lua_random.hpp.
    {"random", How::replaced, sandbox_math_random},
    {"randomseed", How::replaced, sandbox_math_randomseed},
};

constexpr Audited kUtf8[] = {
    {"char", How::metered, metered<cost_arguments>},
    {"charpattern", How::keep},
    {"codepoint", How::metered, metered<cost_codepoint>},
    {"codes", How::replaced, bounded_utf8_codes},
    {"len", How::metered, metered<cost_utf8_len>},
    {"offset", How::replaced, bounded_utf8_offset},
};

// The string metatable: arithmetic on strings converts them to numbers (a scan).
constexpr Audited kStringMeta[] = {
    {"__index", How::keep},  // the string table itself
    {"__add", How::metered, metered<cost_scan_operands>},
    {"__sub", How::metered, metered<cost_scan_operands>},
    {"__mul", How::metered, metered<cost_scan_operands>},
    {"__div", How::metered, metered<cost_scan_operands>},
    {"__mod", How::metered, metered<cost_scan_operands>},
    {"__pow", How::metered, metered<cost_scan_operands>},
    {"__unm", How::metered, metered<cost_scan_operands>},
    {"__idiv", How::metered, metered<cost_scan_operands>},
};

template <std::size_t N>
const Audited* find_entry(const Audited (&entries)[N], const char* name) {
    for (const Audited& entry : entries) {
        if (std::strcmp(entry.name, name) == 0) return &entry;
    }
    return nullptr;
}

// Pushes what a script gets for the value at the top of the stack (replacing it), or nil.
void treat(lua_State* L, const Audited* entry) {
    if (entry == nullptr || entry->how == How::removed) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return;
    }
    if (entry->how == How::metered || entry->how == How::replaced) {
        lua_pushcclosure(L, entry->fn, 1);  // the stock value becomes upvalue 1
    }
}

// Applies the audit to the library table at `table` in place.
template <std::size_t N>
void audit_table(lua_State* L, int table, const Audited (&entries)[N]) {
    lua_pushnil(L);
    while (lua_next(L, table) != 0) {
        const Audited* entry =
            lua_type(L, -2) == LUA_TSTRING ? find_entry(entries, lua_tostring(L, -2)) : nullptr;
        treat(L, entry);
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, table);  // assigning an existing field (or clearing it) during lua_next is
                               // allowed
    }
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

// Replaces the table at the top of the stack with a read-only proxy of it. The library tables
// are shared by every evaluation, so a script must not be able to change them.
void make_proxy(lua_State* L) {
    const int real = lua_gettop(L);
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

template <std::size_t N>
void add_library(lua_State* L, int safe, const char* name, lua_CFunction open,
                 const Audited (&entries)[N], PatternEngine* patterns) {
    luaL_requiref(L, name, open, 0);
    audit_table(L, lua_gettop(L), entries);
    if (patterns != nullptr) patterns->install(L);  // find, match, gmatch, gsub in linear time
    make_proxy(L);
    lua_setfield(L, safe, name);
}

}  // namespace

void open_sandbox_library(lua_State* L, PatternEngine& patterns) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);  // the base table (the real globals)
    const int base = lua_gettop(L);
    lua_newtable(L);  // the safe table
    const int safe = lua_gettop(L);
    for (const Audited& entry : kBase) {
        lua_getfield(L, base, entry.name);
        treat(L, &entry);
        lua_setfield(L, safe, entry.name);
    }

    add_library(L, safe, LUA_STRLIBNAME, luaopen_string, kString, &patterns);
    add_library(L, safe, LUA_TABLIBNAME, luaopen_table, kTable, nullptr);
    add_library(L, safe, LUA_MATHLIBNAME, luaopen_math, kMath, nullptr);
    add_library(L, safe, LUA_UTF8LIBNAME, luaopen_utf8, kUtf8, nullptr);

    // The string metatable: audited like a library, then hidden (its __index is the real,
    // writable string table).
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    audit_table(L, lua_gettop(L), kStringMeta);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    lua_remove(L, base);  // leaves the safe table on top
}

}  // namespace relance::expr::detail
