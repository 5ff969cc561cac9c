// Bounded replacements for the library functions that loop in C: see lua_bounded.hpp.
//
// Arguments, results and error messages follow the Lua 5.4 manual and the behaviour of Lua 5.4's
// own lstrlib.c, ltablib.c and lutf8lib.c (MIT licence); what differs is that every iteration is
// charged to the evaluation's budget, and that table.sort neither recurses nor reads the clock
// (see Sorter).
#include "lua_bounded.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <lua.hpp>

#include "lua_context.hpp"

namespace relance::expr::detail {
namespace {

// What a table-like argument must offer (a table, or a value whose metatable has these fields).
constexpr int kRead = 1;
constexpr int kWrite = 2;
constexpr int kLength = 4;

bool has_field(lua_State* L, const char* key, int n) {
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

void check_table(lua_State* L, int arg, int what) {
    if (lua_type(L, arg) == LUA_TTABLE) return;
    int n = 1;  // values to pop: the metatable, then each field tested
    if (lua_getmetatable(L, arg) != 0 && (!(what & kRead) || has_field(L, "__index", ++n)) &&
        (!(what & kWrite) || has_field(L, "__newindex", ++n)) &&
        (!(what & kLength) || has_field(L, "__len", ++n))) {
        lua_pop(L, n);
        return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);  // raises the usual "table expected"
}

lua_Integer length_of(lua_State* L, int arg, int what) {
    check_table(L, arg, what | kLength);
    return luaL_len(L, arg);  // may call __len: Lua code, counted by the hook
}

bool is_continuation(const char* p) {
    return (static_cast<unsigned char>(*p) & 0xC0) == 0x80;
}

// A relative string position for utf8 functions: negative counts back from the end.
lua_Integer relative_position(lua_Integer pos, std::size_t len) {
    if (pos >= 0) return pos;
    if (0u - static_cast<std::size_t>(pos) > len) return 0;
    return static_cast<lua_Integer>(len) + pos + 1;
}

void add_field(lua_State* L, luaL_Buffer& b, lua_Integer i) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
                   static_cast<LUAI_UACINT>(i));
    }
    luaL_addvalue(&b);
}

// table.sort on list[1..n] (the list at index 1, the order function or nil at index 2).
//
// Stock Lua's quicksort (median of three, partition around a[up - 1]), with two changes: it is
// iterative (an explicit stack of pending ranges, the larger one pushed, so at most log2(n) of
// them), and where stock Lua reacts to a badly unbalanced partition by randomising its pivots
// with clock() and time(), this one heapsorts the rest of that range: deterministic (a replay
// sorts ties the same way), and O(n log n) comparisons whatever the input. On ordinary input it
// makes the same comparisons as stock Lua, so ties come out in the same order too.
class Sorter {
  public:
    explicit Sorter(lua_State* L) : L_(L), budget_(context_of(L).budget) {}

    void run(lua_Integer n) {
        struct Range {
            lua_Integer lo;
            lua_Integer up;
        };
        Range pending[64];  // larger halves: each at least twice the size of what follows it
        int count = 0;
        pending[count++] = {1, n};
        while (count > 0) {
            auto [lo, up] = pending[--count];
            while (lo < up) {
                const lua_Integer p = partition_step(lo, up);
                if (p == 0) break;  // a range of two or three: already sorted
                // Continue with the smaller side; the larger one waits (or is heapsorted when
                // the split was badly unbalanced).
                Range smaller{lo, p - 1};
                Range larger{p + 1, up};
                if (p - lo >= up - p) std::swap(smaller, larger);
                const lua_Integer small_size = smaller.up - smaller.lo + 1;
                if ((larger.up - larger.lo) / 128 > small_size) {
                    heapsort(larger.lo, larger.up);
                } else {
                    pending[count++] = larger;
                }
                lo = smaller.lo;
                up = smaller.up;
            }
        }
    }

  private:
    // Stack values at a and b (negative indices): a < b by the order function or by '<'.
    bool less(int a, int b) {
        budget_.charge(L_, 1);
        if (lua_isnil(L_, 2)) return lua_compare(L_, a, b, LUA_OPLT) != 0;
        lua_pushvalue(L_, 2);
        lua_pushvalue(L_, a - 1);
        lua_pushvalue(L_, b - 2);
        lua_call(L_, 2, 1);  // Lua code: counted by the hook
        const bool result = lua_toboolean(L_, -1) != 0;
        lua_pop(L_, 1);
        return result;
    }

    void get(lua_Integer i) { lua_geti(L_, 1, i); }

    // list[i] = top; list[j] = the value below it (pops both).
    void set2(lua_Integer i, lua_Integer j) {
        budget_.charge(L_, 1);
        lua_seti(L_, 1, i);
        lua_seti(L_, 1, j);
    }

    // Orders lo, middle and up; for a longer range, partitions it around the middle value and
    // returns the pivot's final index. Returns 0 when the range (2 or 3 values) is sorted.
    lua_Integer partition_step(lua_Integer lo, lua_Integer up) {
        get(lo);
        get(up);
        if (less(-1, -2)) {  // list[up] < list[lo]
            set2(lo, up);
        } else {
            lua_pop(L_, 2);
        }
        if (up - lo == 1) return 0;
        lua_Integer p = lo + (up - lo) / 2;
        get(p);
        get(lo);
        if (less(-2, -1)) {  // list[p] < list[lo]
            set2(p, lo);
        } else {
            lua_pop(L_, 1);
            get(up);
            if (less(-1, -2)) {  // list[up] < list[p]
                set2(p, up);
            } else {
                lua_pop(L_, 2);
            }
        }
        if (up - lo == 2) return 0;
        get(p);  // the pivot P, kept on the stack while partitioning
        lua_pushvalue(L_, -1);
        get(up - 1);
        set2(p, up - 1);  // list[p] = list[up - 1], list[up - 1] = P
        // Invariant: list[lo .. i] <= P <= list[j .. up]; list[up - 1] == P.
        lua_Integer i = lo;
        lua_Integer j = up - 1;
        for (;;) {
            while (get(++i), less(-1, -2)) {  // list[i] < P
                if (i == up - 1) luaL_error(L_, "invalid order function for sorting");
                lua_pop(L_, 1);
            }
            while (get(--j), less(-3, -1)) {  // P < list[j]
                if (j < i) luaL_error(L_, "invalid order function for sorting");
                lua_pop(L_, 1);
            }
            if (j < i) {
                lua_pop(L_, 1);   // list[j]
                set2(up - 1, i);  // list[up - 1] = list[i], list[i] = P
                return i;
            }
            set2(i, j);  // swap list[i] and list[j]
        }
    }

    // Heapsort of list[lo..up]: no recursion, O(n log n) comparisons for any order function.
    void heapsort(lua_Integer lo, lua_Integer up) {
        const lua_Integer n = up - lo + 1;
        for (lua_Integer root = n / 2; root >= 1; --root) sift_down(lo, root, n);
        for (lua_Integer end = n; end > 1; --end) {
            swap(lo, 1, end);
            sift_down(lo, 1, end - 1);
        }
    }
    // Heap positions k (1-based) map to list[lo + k - 1].
    bool heap_less(lua_Integer lo, lua_Integer a, lua_Integer b) {
        get(lo + a - 1);
        get(lo + b - 1);
        const bool result = less(-2, -1);
        lua_pop(L_, 2);
        return result;
    }
    void swap(lua_Integer lo, lua_Integer a, lua_Integer b) {
        get(lo + a - 1);
        get(lo + b - 1);
        set2(lo + a - 1, lo + b - 1);
    }
    void sift_down(lua_Integer lo, lua_Integer root, lua_Integer end) {
        for (;;) {
            lua_Integer child = 2 * root;
            if (child > end) return;
            if (child < end && heap_less(lo, child, child + 1)) ++child;
            if (!heap_less(lo, root, child)) return;
            swap(lo, root, child);
            root = child;
        }
    }

    lua_State* L_;
    WorkBudget& budget_;
};

// The iterator utf8.codes returns, wrapped: upvalue 1 is stock Lua's iterator.
int utf8_codes_step(lua_State* L) {
    std::size_t len = 0;
    const char* s = luaL_checklstring(L, 1, &len);
    auto n = static_cast<lua_Unsigned>(lua_tointeger(L, 2));
    if (n < len) {
        // Stock Lua skips continuation bytes from wherever the caller says, without bound: do it
        // here, charged, so that the stock iterator starts on a character.
        const lua_Unsigned from = n;
        while (n < len && is_continuation(s + n)) ++n;
        if (n != from) {
            charge_scan(L, static_cast<std::size_t>(n - from));
            lua_pushinteger(L, static_cast<lua_Integer>(n));
            lua_replace(L, 2);
        }
    }
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

}  // namespace

int bounded_string_rep(lua_State* L) {
    std::size_t len = 0;
    std::size_t sep_len = 0;
    const char* s = luaL_checklstring(L, 1, &len);
    const lua_Integer n = luaL_checkinteger(L, 2);
    const char* sep = luaL_optlstring(L, 3, "", &sep_len);
    const auto max_size = static_cast<std::size_t>(INT_MAX);  // as stock Lua: "too large" above
    if (n <= 0 || len + sep_len == 0) {                       // nothing to copy, however many times
        lua_pushliteral(L, "");
        return 1;
    }
    if (len + sep_len < len || len + sep_len > max_size / static_cast<std::size_t>(n)) {
        return luaL_error(L, "resulting string too large");
    }
    const std::size_t total =
        static_cast<std::size_t>(n) * len + static_cast<std::size_t>(n - 1) * sep_len;
    // Charged before allocating: a result the budget cannot pay for is refused before it exists.
    context_of(L).budget.charge(L, 1 + total / kAllocationBytesPerUnit);
    luaL_Buffer b;
    char* p = luaL_buffinitsize(L, &b, total);  // through the sandbox allocator: memory cap
    // One copy of "s .. sep", then doubling: log2(n) memcpy calls instead of n.
    const std::size_t first = std::min(total, len + sep_len);
    std::memcpy(p, s, std::min(len, first));
    if (first > len) std::memcpy(p + len, sep, first - len);
    for (std::size_t filled = first; filled < total;) {
        const std::size_t chunk = std::min(filled, total - filled);
        std::memcpy(p + filled, p, chunk);
        filled += chunk;
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

int bounded_table_concat(lua_State* L) {
    WorkBudget& budget = context_of(L).budget;
    lua_Integer last = length_of(L, 1, kRead);
    std::size_t sep_len = 0;
    const char* sep = luaL_optlstring(L, 2, "", &sep_len);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i < last; ++i) {
        budget.charge(L, 1);
        add_field(L, b, i);
        luaL_addlstring(&b, sep, sep_len);
    }
    if (i == last) add_field(L, b, i);
    luaL_pushresult(&b);
    return 1;
}

int bounded_table_insert(lua_State* L) {
    WorkBudget& budget = context_of(L).budget;
    lua_Integer end = length_of(L, 1, kRead | kWrite);
    end = luaL_intop(+, end, 1);  // the first empty slot
    lua_Integer pos = end;
    switch (lua_gettop(L)) {
        case 2:
            break;
        case 3:
            pos = luaL_checkinteger(L, 2);
            luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u < static_cast<lua_Unsigned>(end),
                          2, "position out of bounds");
            for (lua_Integer i = end; i > pos; --i) {
                budget.charge(L, 1);
                lua_geti(L, 1, i - 1);
                lua_seti(L, 1, i);
            }
            break;
        default:
            return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

int bounded_table_remove(lua_State* L) {
    WorkBudget& budget = context_of(L).budget;
    const lua_Integer size = length_of(L, 1, kRead | kWrite);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) {
        // Argument #1, as Lua 5.4.4 says (it means the position, #2).
        luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u <= static_cast<lua_Unsigned>(size), 1,
                      "position out of bounds");
    }
    lua_geti(L, 1, pos);  // the result
    for (; pos < size; ++pos) {
        budget.charge(L, 1);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

int bounded_table_move(lua_State* L) {
    WorkBudget& budget = context_of(L).budget;
    const lua_Integer f = luaL_checkinteger(L, 2);
    const lua_Integer e = luaL_checkinteger(L, 3);
    const lua_Integer t = luaL_checkinteger(L, 4);
    const int dest = !lua_isnoneornil(L, 5) ? 5 : 1;
    check_table(L, 1, kRead);
    check_table(L, dest, kWrite);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        const lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t <= f || (dest != 1 && lua_compare(L, 1, dest, LUA_OPEQ) == 0)) {
            for (lua_Integer i = 0; i < n; ++i) {
                budget.charge(L, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, dest, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; --i) {
                budget.charge(L, 1);
                lua_geti(L, 1, f + i);
                lua_seti(L, dest, t + i);
            }
        }
    }
    lua_pushvalue(L, dest);
    return 1;
}

int bounded_table_unpack(lua_State* L) {
    WorkBudget& budget = context_of(L).budget;
    lua_Integer i = luaL_optinteger(L, 2, 1);
    const lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > e) return 0;
    lua_Unsigned n = static_cast<lua_Unsigned>(e) - static_cast<lua_Unsigned>(i);
    if (n >= static_cast<lua_Unsigned>(INT_MAX) || lua_checkstack(L, static_cast<int>(++n)) == 0) {
        return luaL_error(L, "too many results to unpack");
    }
    for (; i < e; ++i) {  // up to e - 1, so that i never overflows
        budget.charge(L, 1);
        lua_geti(L, 1, i);
    }
    lua_geti(L, 1, e);
    return static_cast<int>(n);
}

int bounded_table_sort(lua_State* L) {
    const lua_Integer n = length_of(L, 1, kRead | kWrite);
    if (n > 1) {
        luaL_argcheck(L, n < INT_MAX, 1, "array too big");
        if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
        lua_settop(L, 2);
        Sorter(L).run(n);
    }
    return 0;
}

int bounded_utf8_offset(lua_State* L) {
    std::size_t len = 0;
    const char* s = luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    lua_Integer pos = n >= 0 ? 1 : static_cast<lua_Integer>(len) + 1;
    pos = relative_position(luaL_optinteger(L, 3, pos), len);
    luaL_argcheck(L, 1 <= pos && --pos <= static_cast<lua_Integer>(len), 3,
                  "position out of bounds");
    const lua_Integer start = pos;
    if (n == 0) {  // the start of the character holding byte pos
        while (pos > 0 && is_continuation(s + pos)) --pos;
    } else {
        if (is_continuation(s + pos))
            return luaL_error(L, "initial position is a continuation byte");
        if (n < 0) {
            while (n < 0 && pos > 0) {
                do {
                    --pos;
                } while (pos > 0 && is_continuation(s + pos));
                ++n;
            }
        } else {
            --n;  // the first character is the one at pos
            while (n > 0 && pos < static_cast<lua_Integer>(len)) {
                do {
                    ++pos;
                } while (is_continuation(s + pos));  // stops at the terminating '\0' at the latest
                --n;
            }
        }
    }
    // Bounded by the string's length: charged once, for the bytes actually visited.
    charge_scan(L, static_cast<std::size_t>(pos > start ? pos - start : start - pos));
    if (n == 0) {
        lua_pushinteger(L, pos + 1);
    } else {
        luaL_pushfail(L);
    }
    return 1;
}

int bounded_utf8_codes(lua_State* L) {
    const int results = lua_tocfunction(L, lua_upvalueindex(1))(L);  // checks the arguments
    if (results != 3) return results;
    lua_pushvalue(L, -3);  // stock iterator
    lua_pushcclosure(L, utf8_codes_step, 1);
    lua_replace(L, -4);
    return 3;
}

}  // namespace relance::expr::detail
