// JSON <-> Lua conversion: see lua_json.hpp. Both directions walk an explicit stack of frames.
#include "lua_json.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <relance/base/utf8.hpp>

#include "byte_size.hpp"
#include "lua_context.hpp"
#include "relance/expr/lua_sandbox.hpp"

namespace relance::expr::detail {
namespace {

// Pushes a JSON scalar; returns false (pushing nothing) for an array or an object.
[[gnu::always_inline]] inline bool push_scalar(lua_State* L, const json& value) {
    switch (value.type()) {
        case json::value_t::null:
        case json::value_t::discarded:
            lua_pushnil(L);
            return true;
        case json::value_t::boolean:
            lua_pushboolean(L, value.get<bool>());
            return true;
        case json::value_t::number_integer:
            lua_pushinteger(L, static_cast<lua_Integer>(value.get<std::int64_t>()));
            return true;
        case json::value_t::number_unsigned: {
            const auto u = value.get<std::uint64_t>();
            if (u <= static_cast<std::uint64_t>(LUA_MAXINTEGER)) {
                lua_pushinteger(L, static_cast<lua_Integer>(u));
            } else {
                lua_pushnumber(L, static_cast<lua_Number>(u));
            }
            return true;
        }
        case json::value_t::number_float:
            lua_pushnumber(L, value.get<double>());
            return true;
        case json::value_t::string: {
            const auto& s = value.get_ref<const std::string&>();
            lua_pushlstring(L, s.data(), s.size());
            return true;
        }
        case json::value_t::binary: {
            const auto& b = value.get_binary();
            lua_pushlstring(L, reinterpret_cast<const char*>(b.data()), b.size());
            return true;
        }
        case json::value_t::array:
        case json::value_t::object:
            break;
    }
    return false;
}

std::string number_text(lua_State* L, int idx) {
    if (lua_isinteger(L, idx)) return std::to_string(lua_tointeger(L, idx));
    char buf[64];
    std::snprintf(buf, sizeof buf, LUA_NUMBER_FMT, static_cast<double>(lua_tonumber(L, idx)));
    return buf;
}

bool is_ascii(std::string_view text) {
    unsigned char any = 0;
    for (const char c : text) any |= static_cast<unsigned char>(c);
    return any < 0x80;
}

// A Lua string as JSON text: invalid UTF-8 replaced, so that storing it can never fail later.
std::string utf8_text(const char* s, std::size_t len) {
    const std::string_view text(s, len);
    if (is_ascii(text) || !find_invalid_utf8(text)) return std::string(text);
    return to_valid_utf8(text);
}

// The key at `idx` as JSON object key text; empty optional-like flag through `ok`.
bool key_text(lua_State* L, int idx, std::string& out) {
    switch (lua_type(L, idx)) {
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, idx, &len);  // a string: no in-place conversion
            out = utf8_text(s, len);
            return true;
        }
        case LUA_TNUMBER:
            out = number_text(L, idx);
            return true;
        case LUA_TBOOLEAN:
            out = lua_toboolean(L, idx) != 0 ? "true" : "false";
            return true;
        default:
            return false;
    }
}

}  // namespace

void LuaJson::push(lua_State* L, const json& value, std::string_view name) {
    if (push_scalar(L, value)) return;
    WorkBudget& budget = context_of(L).budget;
    std::vector<PushFrame>& frames = push_frames_;
    frames.clear();
    // The containers are walked through their own std::map and std::vector: nlohmann's generic
    // iterators switch on the value type at every step, and this runs on every evaluation.
    auto open = [&](const json& container) {
        if (frames.size() >= max_depth_) {
            const std::string label(name);  // luaL_error needs a terminated string
            luaL_error(L, "scope value '%s' is nested deeper than %d levels", label.c_str(),
                       static_cast<int>(std::min<std::size_t>(max_depth_, INT_MAX)));
        }
        luaL_checkstack(L, 3, "scope value nested too deeply");
        budget.charge(L, 1 + container.size());  // every element is converted below
        PushFrame frame;
        if (container.is_array()) {
            frame.array = &container.get_ref<const json::array_t&>();
            lua_createtable(
                L, static_cast<int>(std::min<std::size_t>(frame.array->size(), INT_MAX)), 0);
        } else {
            frame.object = &container.get_ref<const json::object_t&>();
            lua_createtable(L, 0,
                            static_cast<int>(std::min<std::size_t>(frame.object->size(), INT_MAX)));
            frame.member = frame.object->begin();
        }
        frames.push_back(frame);
    };

    open(value);
    while (!frames.empty()) {
        PushFrame& frame = frames.back();
        const json* item = nullptr;
        if (frame.array != nullptr) {
            if (frame.index < frame.array->size()) item = &(*frame.array)[frame.index++];
        } else {
            const auto end = frame.object->end();
            while (frame.member != end && frame.member->second.is_null()) {
                ++frame.member;  // null members are absent keys
            }
            if (frame.member != end) {
                const std::string& key = frame.member->first;
                lua_pushlstring(L, key.data(), key.size());
                item = &frame.member->second;
                ++frame.member;
            }
        }
        if (item == nullptr) {  // finished: its table is at the top
            frames.pop_back();
            if (frames.empty()) break;
            const PushFrame& parent = frames.back();
            if (parent.array != nullptr) {
                lua_rawseti(L, -2, static_cast<lua_Integer>(parent.index));
            } else {
                lua_rawset(L, -3);
            }
            continue;
        }
        if (!push_scalar(L, *item)) {
            open(*item);  // may grow `frames`: `frame` is not used after this
            continue;
        }
        if (frame.array != nullptr) {
            lua_rawseti(L, -2, static_cast<lua_Integer>(frame.index));  // nil (null): a hole
        } else {
            lua_rawset(L, -3);
        }
    }
}

void LuaJson::read_error(lua_State* L, const std::string& what, bool with_key) const {
    // Where: "result", then .key or [index] for each level entered (the keys of object levels
    // are on the Lua stack, just below the table they lead to, or at the top for the last one).
    std::string where = "result";
    for (std::size_t level = 0; level < read_frames_.size(); ++level) {
        const ReadFrame& frame = read_frames_[level];
        if (frame.array) {
            where += "[" + std::to_string(frame.next - 1) + "]";
            continue;
        }
        const bool last = level + 1 == read_frames_.size();
        if (last && !with_key) break;
        const int key_index = last ? lua_gettop(L) - 1 : read_frames_[level + 1].table - 1;
        std::string key;
        if (key_index > frame.table && key_text(L, key_index, key)) {
            where += "." + std::string(cut_utf8(key, 64));
        } else {
            where += ".?";
        }
        if (where.size() > 256) {
            where += "...";
            break;
        }
    }
    throw LuaError(what + " (at " + where + ")");
}

json LuaJson::read(lua_State* L, int idx) {
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
            if (len > max_bytes_) {
                throw LuaError("result is larger than " + describe_bytes(max_bytes_) + " as JSON");
            }
            return utf8_text(s, len);
        }
        case LUA_TTABLE:
            break;
        default:
            throw LuaError(std::string("cannot convert a ") + luaL_typename(L, idx) +
                           " value to JSON");
    }

    std::vector<ReadFrame>& frames = read_frames_;
    frames.clear();
    // About the size of the JSON text produced so far, counting at least kValueBytes per value
    // and key (closer to what a JSON node costs in memory than "1," is).
    constexpr std::size_t kValueBytes = 8;
    std::size_t bytes = 0;
    auto add_bytes = [&](std::size_t n) {
        bytes += n;
        if (bytes > max_bytes_) {
            read_error(L, "result is larger than " + describe_bytes(max_bytes_) + " as JSON");
        }
    };
    // Opens the table at the top of the stack, to be converted into *out.
    auto open = [&](json* out) {
        if (frames.size() >= max_depth_) {
            read_error(L, "result is nested deeper than " + std::to_string(max_depth_) +
                              " levels (or cyclic)");
        }
        if (lua_checkstack(L, 4) == 0) read_error(L, "result is nested too deeply");
        const int table = lua_gettop(L);
        // A sequence 1..n (n > 0) is an array; anything else, including {}, is an object.
        lua_Integer count = 0;
        lua_Integer max_key = 0;
        bool sequence = true;
        lua_pushnil(L);
        while (lua_next(L, table) != 0) {
            lua_pop(L, 1);
            ++count;
            if (sequence && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
                max_key = std::max(max_key, lua_tointeger(L, -1));
            } else {
                sequence = false;
            }
        }
        const bool array = count > 0 && sequence && max_key == count;
        *out = array ? json::array() : json::object();
        frames.push_back(ReadFrame{table, out, array, 1, count});
        if (!array) lua_pushnil(L);  // the first key for lua_next
    };

    json result;
    lua_pushvalue(L, idx);
    open(&result);
    while (!frames.empty()) {
        ReadFrame& frame = frames.back();
        json* target = nullptr;
        if (frame.array) {
            if (frame.next > frame.count) {
                lua_pop(L, 1);  // the table
                frames.pop_back();
                continue;
            }
            lua_rawgeti(L, frame.table, frame.next++);
            frame.out->push_back(nullptr);
            target = &frame.out->back();
        } else {
            if (lua_next(L, frame.table) == 0) {  // popped the last key
                lua_pop(L, 1);                    // the table
                frames.pop_back();
                continue;
            }
            std::string key;
            if (!key_text(L, -2, key)) {
                read_error(L,
                           std::string("cannot convert a table with a ") + luaL_typename(L, -2) +
                               " key to JSON",
                           false);
            }
            add_bytes(key.size() + kValueBytes);
            target = &(*frame.out)[std::move(key)];  // map nodes do not move
        }
        add_bytes(kValueBytes);
        // The value is at the top; an object's key is just below it.
        switch (lua_type(L, -1)) {
            case LUA_TTABLE:
                open(target);  // `frame` is not used after this
                continue;
            case LUA_TSTRING: {
                std::size_t len = 0;
                const char* s = lua_tolstring(L, -1, &len);
                add_bytes(len);
                *target = utf8_text(s, len);
                break;
            }
            case LUA_TNIL:
            case LUA_TBOOLEAN:
            case LUA_TNUMBER:
                *target = read(L, -1);
                break;
            default:
                read_error(
                    L, std::string("cannot convert a ") + luaL_typename(L, -1) + " value to JSON");
        }
        lua_pop(L, 1);
    }
    return result;
}

}  // namespace relance::expr::detail
