// JSON <-> Lua conversion for the sandbox (internal to relance_expr), bounded in depth and size
// and without recursion: a scope value or a script's result can be as deep, as wide or as
// shared (one table referenced a million times) as its author likes, and the worst it earns is a
// clear error naming where.
#pragma once

#include <cstddef>
#include <lua.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace relance::expr::detail {

using json = nlohmann::json;

class LuaJson {
  public:
    LuaJson(std::size_t max_depth, std::size_t max_bytes)
        : max_depth_(max_depth), max_bytes_(max_bytes) {}

    // Pushes `value` (a scope variable called `name`) as a Lua value. Runs inside a protected
    // call: raises Lua errors; charges one unit per node to the evaluation's budget (the
    // allocator charges the bytes). JSON null becomes nil (a hole in an array, an absent key).
    void push(lua_State* L, const json& value, std::string_view name);

    // Converts the Lua value at `idx` to JSON. Runs outside protected calls: uses only API calls
    // that cannot raise, and throws LuaError. A sequence 1..n (n > 0) becomes an array, any other
    // table (and {}) an object; numbers and booleans as keys become their text; invalid UTF-8 in
    // strings is replaced by U+FFFD. Errors past max_depth (which also catches cycles) or when
    // the result would take more than about max_bytes as JSON text (each value and key counted
    // as at least 8 bytes).
    json read(lua_State* L, int idx);

  private:
    struct PushFrame {
        const json::array_t* array = nullptr;  // one of these two
        const json::object_t* object = nullptr;
        json::object_t::const_iterator member;  // objects: the next member
        std::size_t index = 0;  // arrays: elements done (so the Lua index of the last one)
    };
    struct ReadFrame {
        int table = 0;  // stack index of the table being read
        json* out = nullptr;
        bool array = false;
        lua_Integer next = 1;  // arrays: the next index to read
        lua_Integer count = 0;
    };

    // Throws LuaError(what + where). `with_key`: the path ends with the key being converted
    // (false when that key is itself the problem).
    [[noreturn]] void read_error(lua_State* L, const std::string& what, bool with_key = true) const;

    std::size_t max_depth_;
    std::size_t max_bytes_;
    // Reused across calls: no allocation once they have grown.
    std::vector<PushFrame> push_frames_;
    std::vector<ReadFrame> read_frames_;
};

}  // namespace relance::expr::detail
