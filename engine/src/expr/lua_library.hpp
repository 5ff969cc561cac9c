// What a sandboxed script can call (internal to relance_expr): the audited subset of Lua's base,
// string, table, math and utf8 libraries.
#pragma once

struct lua_State;

namespace relance::expr::detail {

class PatternEngine;

// Opens the libraries into L and pushes the table of everything a script may reach by name
// (functions of the base library, read-only proxies of string, table, math and utf8). Also
// hardens the string metatable. Every function offered is in the audit of lua_library.cpp;
// a function Lua provides that the audit does not list is not offered.
void open_sandbox_library(lua_State* L, PatternEngine& patterns);

}  // namespace relance::expr::detail
