// What the running evaluation's C code (hook, library functions, pattern matcher) reaches from
// a lua_State: its work budget and its random generator (internal to relance_expr). The state's
// extra space holds a pointer to it, so finding it costs one load and needs no upvalue.
#pragma once

#include <lua.hpp>

#include "lua_budget.hpp"
#include "lua_random.hpp"

namespace relance::expr::detail {

struct EvalContext {
    WorkBudget budget;
    EvalRandom random;
};

inline void attach_context(lua_State* L, EvalContext* context) {
    *static_cast<EvalContext**>(lua_getextraspace(L)) = context;
}

inline EvalContext& context_of(lua_State* L) {
    return **static_cast<EvalContext**>(lua_getextraspace(L));
}

// Charges `bytes` of scanning (kScanBytesPerUnit per unit, at least one unit).
inline void charge_scan(lua_State* L, std::size_t bytes) {
    context_of(L).budget.charge(L, 1 + bytes / kScanBytesPerUnit);
}

}  // namespace relance::expr::detail
