// Library functions the sandbox replaces because stock Lua loops in C for as long as a script
// asks (internal to relance_expr). Each keeps the Lua 5.4 manual's arguments, results and error
// messages, and charges its loop to the evaluation's work budget as it goes, so both the
// instruction cap and the time limits hold inside it. See lua_library.cpp for the whole audit.
#pragma once

struct lua_State;

namespace relance::expr::detail {

int bounded_string_rep(lua_State* L);    // string.rep("", 2^62) looped 2^62 times doing nothing
int bounded_table_concat(lua_State* L);  // one element per iteration, range from the caller
int bounded_table_insert(lua_State* L);  // shifts #t elements; #t may come from __len
int bounded_table_remove(lua_State* L);
int bounded_table_move(lua_State* L);  // table.move({}, 1, 2^62, 2): 2^62 nil moves
int bounded_table_unpack(lua_State* L);
int bounded_table_sort(lua_State* L);   // also deterministic: stock sort randomises by clock
int bounded_utf8_offset(lua_State* L);  // scans continuation bytes without allocating
// utf8.codes: upvalue 1 is the stock utf8.codes; its iterator is wrapped so that skipping a run
// of continuation bytes (from any position a script passes) is charged.
int bounded_utf8_codes(lua_State* L);

}  // namespace relance::expr::detail
