// Lua patterns translated to RE2 (see lua_patterns.hpp). Written from the Lua 5.4 reference
// manual's description of patterns and string.find/match/gmatch/gsub; no Lua source is copied.
//
// Why the results agree with Lua: a Lua pattern has no alternation and no repeated groups, and
// Lua's matcher tries, at each start position in turn, the alternatives in a fixed preference
// order (greedy '*' '+' '?' longest first, lazy '-' shortest first). That is exactly the
// leftmost-first ("Perl") semantics RE2 implements, so the first match RE2 reports from a start
// position is the match Lua's backtracking would find, with the same captures.
#include "lua_patterns.hpp"

#include <re2/re2.h>

#include <array>
#include <bitset>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <lua.hpp>
#include <unordered_map>

#include "lua_context.hpp"

namespace relance::expr::detail {
namespace {

constexpr int kMaxCaptures = 32;  // Lua's LUA_MAXCAPTURES
constexpr std::size_t kMaxPatternBytes = 4096;
constexpr std::size_t kMaxCachedPatterns = 32;
constexpr std::int64_t kMaxRegexMemory = 1 << 20;  // per compiled pattern (program + DFA cache)
constexpr int kProgramSizePerWeight = 32;          // scan cost weight: 1 + program size / this
constexpr std::size_t kCallCost = 8;               // per matcher call, in scanned-byte units
// Per compilation (a cache miss), in scanned-byte units: translating and compiling cost about as
// much as scanning a few bytes per pattern byte, plus a fixed part.
constexpr std::size_t kCompileCost = 4096;
constexpr std::size_t kCompileCostPerByte = 64;

using ByteSet = std::bitset<256>;

void add_range(ByteSet& set, int first, int last) {
    for (int c = first; c <= last; ++c) set.set(static_cast<std::size_t>(c));
}

// The set a class letter names (C locale, as Lua's <ctype.h> calls see it), or just the letter
// itself when it names no class (Lua: "%q" matches "q").
ByteSet class_set(unsigned char letter) {
    ByteSet set;
    const unsigned char lower = (letter >= 'A' && letter <= 'Z') ? letter + ('a' - 'A') : letter;
    switch (lower) {
        case 'a':  // letters
            add_range(set, 'A', 'Z');
            add_range(set, 'a', 'z');
            break;
        case 'c':  // control characters
            add_range(set, 0, 31);
            set.set(127);
            break;
        case 'd':
            add_range(set, '0', '9');
            break;
        case 'g':  // printable except space
            add_range(set, 33, 126);
            break;
        case 'l':
            add_range(set, 'a', 'z');
            break;
        case 'p':  // punctuation: printable, not alphanumeric, not space
            add_range(set, 33, 47);
            add_range(set, 58, 64);
            add_range(set, 91, 96);
            add_range(set, 123, 126);
            break;
        case 's':  // \t \n \v \f \r and space
            add_range(set, 9, 13);
            set.set(' ');
            break;
        case 'u':
            add_range(set, 'A', 'Z');
            break;
        case 'w':
            add_range(set, '0', '9');
            add_range(set, 'A', 'Z');
            add_range(set, 'a', 'z');
            break;
        case 'x':
            add_range(set, '0', '9');
            add_range(set, 'A', 'F');
            add_range(set, 'a', 'f');
            break;
        case 'z':  // deprecated in Lua 5.4 but still honoured: the zero byte
            set.set(0);
            break;
        default:
            set.set(letter);
            return set;
    }
    if (letter != lower) set.flip();  // upper case: the complement
    return set;
}

void append_byte(std::string& out, unsigned c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x{%02x}", c);
    out += buf;
}

// A set as one RE2 atom (Latin-1: code points 0-255 are the bytes).
void append_set(std::string& out, const ByteSet& set) {
    const std::size_t count = set.count();
    if (count == 0) {
        out += "[^\\x{00}-\\x{ff}]";  // matches nothing
        return;
    }
    if (count == 1) {
        for (unsigned c = 0; c < 256; ++c) {
            if (set.test(c)) append_byte(out, c);
        }
        return;
    }
    out += '[';
    for (unsigned c = 0; c < 256; ++c) {
        if (!set.test(c)) continue;
        unsigned last = c;
        while (last + 1 < 256 && set.test(last + 1)) ++last;
        append_byte(out, c);
        if (last > c) {
            out += '-';
            append_byte(out, last);
        }
        c = last;
    }
    out += ']';
}

struct Parser {
    std::string_view p;
    std::string error;

    unsigned char at(std::size_t i) const { return static_cast<unsigned char>(p[i]); }

    // One single-character class starting at i ('.', "%x", "[...]" or a plain byte); sets
    // `next` to the index after it. Returns false (with `error`) on a malformed class.
    bool single(std::size_t i, ByteSet& set, std::size_t& next) {
        const std::size_t n = p.size();
        const unsigned char c = at(i);
        if (c == '.') {
            set.set();
            next = i + 1;
            return true;
        }
        if (c == '%') {
            if (i + 1 >= n) {
                error = "malformed pattern (ends with '%')";
                return false;
            }
            set = class_set(at(i + 1));
            next = i + 2;
            return true;
        }
        if (c != '[') {
            set.set(c);
            next = i + 1;
            return true;
        }
        // Find the closing ']': the first character (after an optional '^') never closes the
        // set, and "%x" pairs are skipped.
        std::size_t k = i + 1;
        if (k < n && at(k) == '^') ++k;
        std::size_t close = 0;
        for (;;) {
            if (k >= n) {
                error = "malformed pattern (missing ']')";
                return false;
            }
            const unsigned char ch = at(k++);
            if (ch == '%' && k < n) ++k;
            if (k < n && at(k) == ']') {
                close = k;
                break;
            }
        }
        // Members between '[' (or "[^") and the closing ']'.
        bool negate = false;
        std::size_t q = i;
        if (at(q + 1) == '^') {
            negate = true;
            ++q;
        }
        while (++q < close) {
            if (at(q) == '%') {
                ++q;
                set |= class_set(at(q));
            } else if (at(q + 1) == '-' && q + 2 < close) {
                add_range(set, at(q), at(q + 2));
                q += 2;
            } else {
                set.set(at(q));
            }
        }
        if (negate) set.flip();
        next = close + 1;
        return true;
    }
};

}  // namespace

std::string translate_lua_pattern(std::string_view pattern, bool allow_anchor,
                                  TranslatedPattern& out) {
    out = TranslatedPattern{};
    if (pattern.size() > kMaxPatternBytes) {
        return "pattern too long for the sandbox (more than " + std::to_string(kMaxPatternBytes) +
               " bytes)";
    }
    Parser parser{pattern, {}};
    const std::size_t n = pattern.size();
    std::size_t i = 0;
    if (allow_anchor && n > 0 && pattern[0] == '^') {
        out.anchored = true;
        i = 1;
    }
    int open = 0;  // captures opened and not yet closed
    std::string& re = out.regex;
    re.reserve(n * 8);
    while (i < n) {
        const char c = pattern[i];
        if (c == '(') {
            if (out.captures >= kMaxCaptures) return "too many captures";
            ++out.captures;
            if (i + 1 < n && pattern[i + 1] == ')') {  // position capture
                out.position_captures |= 1u << (out.captures - 1);
                re += "()";
                i += 2;
            } else {
                ++open;
                re += '(';
                ++i;
            }
            continue;
        }
        if (c == ')') {
            if (open == 0) return "invalid pattern capture";
            --open;
            re += ')';
            ++i;
            continue;
        }
        if (c == '$' && i + 1 == n) {  // only the last character anchors
            re += "\\z";
            ++i;
            continue;
        }
        if (c == '%' && i + 1 < n) {
            const char d = pattern[i + 1];
            if (d == 'b') return "pattern feature %b is not available in the sandbox";
            if (d == 'f') return "pattern feature %f is not available in the sandbox";
            if (d >= '0' && d <= '9') {
                return std::string("pattern feature %") + d +
                       " (back-reference) is not available in the sandbox";
            }
        }
        ByteSet set;
        std::size_t next = i;
        if (!parser.single(i, set, next)) return parser.error;
        append_set(re, set);
        if (next < n) {
            switch (pattern[next]) {
                case '*':
                    re += '*';
                    ++next;
                    break;
                case '+':
                    re += '+';
                    ++next;
                    break;
                case '-':
                    re += "*?";
                    ++next;
                    break;
                case '?':
                    re += '?';
                    ++next;
                    break;
                default:
                    break;
            }
        }
        i = next;
    }
    if (open != 0) return "unfinished capture";
    return {};
}

namespace {

struct Compiled {
    Compiled(TranslatedPattern t, const RE2::Options& options)
        : pattern(std::move(t)), re(pattern.regex, options) {
        if (re.ok())
            weight = 1 + static_cast<std::size_t>(re.ProgramSize()) / kProgramSizePerWeight;
    }
    TranslatedPattern pattern;
    RE2 re;
    std::size_t weight = 1;
};

using Groups = std::array<re2::StringPiece, kMaxCaptures + 1>;

}  // namespace

struct PatternEngine::State {
    std::size_t pending = 0;  // scanned-byte units not yet charged (less than one budget unit)
    std::size_t max_subject = SIZE_MAX;
    RE2::Options options;
    std::unordered_map<std::string, std::shared_ptr<const Compiled>> cache;
};

namespace {

using State = PatternEngine::State;

State& state_of(lua_State* L, int upvalue) {
    return *static_cast<State*>(lua_touserdata(L, lua_upvalueindex(upvalue)));
}

// Charges `cost` scanned-byte units to the evaluation's budget (may raise a limit error).
void charge_bytes(lua_State* L, State& st, std::size_t cost) {
    st.pending = cost > SIZE_MAX - st.pending ? SIZE_MAX : st.pending + cost;
    const std::size_t units = st.pending / kScanBytesPerUnit;
    st.pending %= kScanBytesPerUnit;
    if (units > 0) context_of(L).budget.charge(L, units);
}

// The compiled pattern, from the cache or compiled now; raises a Lua error for a bad pattern.
std::shared_ptr<const Compiled> compile(lua_State* L, State& st, std::string_view pattern,
                                        bool allow_anchor) {
    std::string error;
    std::shared_ptr<const Compiled> compiled;
    try {
        std::string key;
        key.reserve(pattern.size() + 1);
        key += allow_anchor ? 'a' : 'g';
        key += pattern;
        auto it = st.cache.find(key);
        if (it != st.cache.end()) return it->second;
        // Charged before the work. A limit error raised here is a C++ exception in
        // liblua5.4-c++ (a pointer, not a std::exception: the handler below lets it through),
        // so `key` is freed on the way out.
        charge_bytes(L, st, kCompileCost + pattern.size() * kCompileCostPerByte);
        TranslatedPattern t;
        error = translate_lua_pattern(pattern, allow_anchor, t);
        if (error.empty()) {
            auto made = std::make_shared<const Compiled>(std::move(t), st.options);
            if (made->re.error_code() == RE2::ErrorPatternTooLarge) {
                error = "pattern too complex for the sandbox";
            } else if (!made->re.ok()) {
                error = "cannot compile pattern: " + made->re.error();
            } else {
                compiled = made;
                // Dropping everything is crude but bounds memory and costs nothing on hits.
                if (st.cache.size() >= kMaxCachedPatterns) st.cache.clear();
                st.cache.emplace(std::move(key), std::move(made));
            }
        }
    } catch (const std::exception& e) {
        error = e.what();  // allocation failure: reported below, outside the handler
    }
    if (!compiled) luaL_error(L, "%s", error.c_str());
    return compiled;
}

void charge(lua_State* L, State& st, std::size_t scanned, std::size_t weight) {
    const std::size_t units = scanned + kCallCost;
    charge_bytes(L, st, units > SIZE_MAX / weight ? SIZE_MAX : units * weight);
}

void check_subject(lua_State* L, const State& st, std::size_t length) {
    if (length > st.max_subject) {
        luaL_error(L, "string too long for pattern matching in the sandbox");
    }
}

// Searches from `start` (or only at `start` when anchored); charges the bytes it went through.
bool search(lua_State* L, State& st, const Compiled& c, std::string_view text, std::size_t start,
            bool anchored, Groups& groups) {
    const re2::StringPiece subject(text.data(), text.size());
    const bool found =
        c.re.Match(subject, start, text.size(), anchored ? RE2::ANCHOR_START : RE2::UNANCHORED,
                   groups.data(), 1 + c.pattern.captures);
    const std::size_t end =
        found ? static_cast<std::size_t>(groups[0].data() - text.data()) + groups[0].size()
              : text.size();
    charge(L, st, end - start, c.weight);
    return found;
}

std::size_t offset_of(std::string_view text, const re2::StringPiece& piece) {
    return piece.data() == nullptr ? 0 : static_cast<std::size_t>(piece.data() - text.data());
}

// Pushes capture `index` (1-based); with no captures, index 1 is the whole match.
void push_capture(lua_State* L, const Compiled& c, std::string_view text, const Groups& groups,
                  int index) {
    if (c.pattern.captures == 0) {
        lua_pushlstring(L, groups[0].data(), groups[0].size());
        return;
    }
    const re2::StringPiece& g = groups[static_cast<std::size_t>(index)];
    if ((c.pattern.position_captures >> (index - 1)) & 1u) {
        lua_pushinteger(L, static_cast<lua_Integer>(offset_of(text, g)) + 1);
    } else {
        lua_pushlstring(L, g.data() == nullptr ? "" : g.data(), g.size());
    }
}

int push_captures(lua_State* L, const Compiled& c, std::string_view text, const Groups& groups,
                  bool whole_if_none) {
    const int n = c.pattern.captures == 0 ? (whole_if_none ? 1 : 0) : c.pattern.captures;
    luaL_checkstack(L, n, "too many captures");
    for (int i = 1; i <= n; ++i) push_capture(L, c, text, groups, i);
    return n;
}

// Lua's rule for a start position: negative counts from the end, 0 and below-start mean 1.
std::size_t start_position(lua_Integer pos, std::size_t len) {
    if (pos > 0) return static_cast<std::size_t>(pos);
    if (pos == 0) return 1;
    if (pos < -static_cast<lua_Integer>(len)) return 1;
    return len + static_cast<std::size_t>(pos) + 1;  // wraps as intended: len - |pos| + 1
}

bool has_specials(std::string_view p) {
    return p.find_first_of(std::string_view("^$*+?.([%-", 10)) != std::string_view::npos;
}

std::string_view check_string(lua_State* L, int arg) {
    std::size_t len = 0;
    const char* s = luaL_checklstring(L, arg, &len);
    return {s, len};
}

std::string_view upvalue_string(lua_State* L, int upvalue) {
    std::size_t len = 0;
    const char* s = lua_tolstring(L, lua_upvalueindex(upvalue), &len);
    return {s, len};
}

int find_or_match(lua_State* L, bool find) {
    State& st = state_of(L, 1);
    const std::string_view s = check_string(L, 1);
    const std::string_view p = check_string(L, 2);
    const std::size_t init = start_position(luaL_optinteger(L, 3, 1), s.size()) - 1;
    if (init > s.size()) {
        lua_pushnil(L);
        return 1;
    }
    check_subject(L, st, s.size());
    if (find && (lua_toboolean(L, 4) || !has_specials(p))) {
        // Plain search: glibc's memmem is linear (two-way algorithm).
        charge(L, st, s.size() - init + p.size(), 1);
        if (p.empty()) {
            lua_pushinteger(L, static_cast<lua_Integer>(init) + 1);
            lua_pushinteger(L, static_cast<lua_Integer>(init));
            return 2;
        }
        const void* hit = memmem(s.data() + init, s.size() - init, p.data(), p.size());
        if (hit == nullptr) {
            lua_pushnil(L);
            return 1;
        }
        const auto at = static_cast<lua_Integer>(static_cast<const char*>(hit) - s.data());
        lua_pushinteger(L, at + 1);
        lua_pushinteger(L, at + static_cast<lua_Integer>(p.size()));
        return 2;
    }
    const auto compiled = compile(L, st, p, true);
    Groups groups;
    if (!search(L, st, *compiled, s, init, compiled->pattern.anchored, groups)) {
        lua_pushnil(L);
        return 1;
    }
    if (!find) return push_captures(L, *compiled, s, groups, true);
    const std::size_t start = offset_of(s, groups[0]);
    lua_pushinteger(L, static_cast<lua_Integer>(start) + 1);
    lua_pushinteger(L, static_cast<lua_Integer>(start + groups[0].size()));
    return 2 + push_captures(L, *compiled, s, groups, false);
}

int str_find(lua_State* L) {
    return find_or_match(L, true);
}

int str_match(lua_State* L) {
    return find_or_match(L, false);
}

// Upvalues: subject, pattern, next start, end of the last match (-1: none), state.
int gmatch_step(lua_State* L) {
    State& st = state_of(L, 5);
    const std::string_view s = upvalue_string(L, 1);
    const std::string_view p = upvalue_string(L, 2);
    auto src = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(3)));
    const lua_Integer last = lua_tointeger(L, lua_upvalueindex(4));
    const auto compiled = compile(L, st, p, false);
    Groups groups;
    while (src <= s.size()) {
        if (!search(L, st, *compiled, s, src, false, groups)) break;
        const std::size_t start = offset_of(s, groups[0]);
        const std::size_t end = start + groups[0].size();
        if (static_cast<lua_Integer>(end) == last) {  // empty match where the last one ended
            src = start + 1;
            continue;
        }
        lua_pushinteger(L, static_cast<lua_Integer>(end));
        lua_replace(L, lua_upvalueindex(3));
        lua_pushinteger(L, static_cast<lua_Integer>(end));
        lua_replace(L, lua_upvalueindex(4));
        return push_captures(L, *compiled, s, groups, true);
    }
    lua_pushinteger(L, static_cast<lua_Integer>(s.size()) + 1);
    lua_replace(L, lua_upvalueindex(3));
    return 0;
}

int str_gmatch(lua_State* L) {
    State& st = state_of(L, 1);
    const std::string_view s = check_string(L, 1);
    const std::string_view p = check_string(L, 2);
    std::size_t init = start_position(luaL_optinteger(L, 3, 1), s.size()) - 1;
    if (init > s.size()) init = s.size() + 1;
    check_subject(L, st, s.size());
    compile(L, st, p, false);  // report a bad pattern now rather than at the first step
    lua_settop(L, 2);
    lua_pushinteger(L, static_cast<lua_Integer>(init));
    lua_pushinteger(L, -1);
    lua_pushlightuserdata(L, &st);
    lua_pushcclosure(L, gmatch_step, 5);
    return 1;
}

// Appends the expansion of a replacement string ("%0"-"%9", "%%").
void add_replacement_string(lua_State* L, luaL_Buffer& b, const Compiled& c, std::string_view text,
                            const Groups& groups) {
    std::size_t len = 0;
    const char* r = lua_tolstring(L, 3, &len);
    for (std::size_t i = 0; i < len; ++i) {
        if (r[i] != '%') {
            luaL_addchar(&b, r[i]);
            continue;
        }
        ++i;
        const char d = i < len ? r[i] : '\0';
        if (d == '%') {
            luaL_addchar(&b, '%');
        } else if (d == '0') {
            luaL_addlstring(&b, groups[0].data(), groups[0].size());
        } else if (d >= '1' && d <= '9') {
            const int index = d - '0';
            if (index > c.pattern.captures && !(index == 1 && c.pattern.captures == 0)) {
                luaL_error(L, "invalid capture index %%%d", index);
            }
            push_capture(L, c, text, groups, index);
            luaL_addvalue(&b);  // a position capture is an integer: added as its text
        } else {
            luaL_error(L, "invalid use of '%%' in replacement string");
        }
    }
}

// Appends the replacement for one match; returns whether it differs from the match itself.
bool add_replacement(lua_State* L, luaL_Buffer& b, const Compiled& c, std::string_view text,
                     const Groups& groups) {
    switch (lua_type(L, 3)) {
        case LUA_TFUNCTION: {
            lua_pushvalue(L, 3);
            const int n = push_captures(L, c, text, groups, true);
            lua_call(L, n, 1);  // Lua code: counted by the instruction hook
            break;
        }
        case LUA_TTABLE:
            push_capture(L, c, text, groups, 1);
            lua_gettable(L, 3);
            break;
        default:
            add_replacement_string(L, b, c, text, groups);
            return true;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(&b, groups[0].data(), groups[0].size());
        return false;
    }
    if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(&b);
    return true;
}

int str_gsub(lua_State* L) {
    State& st = state_of(L, 1);
    const std::string_view s = check_string(L, 1);
    const std::string_view p = check_string(L, 2);
    const int repl_type = lua_type(L, 3);
    const lua_Integer max_n = luaL_optinteger(L, 4, static_cast<lua_Integer>(s.size()) + 1);
    luaL_argexpected(L,
                     repl_type == LUA_TNUMBER || repl_type == LUA_TSTRING ||
                         repl_type == LUA_TFUNCTION || repl_type == LUA_TTABLE,
                     3, "string/function/table");
    check_subject(L, st, s.size());
    const auto compiled = compile(L, st, p, true);
    const bool anchored = compiled->pattern.anchored;

    luaL_Buffer b;
    luaL_buffinit(L, &b);
    Groups groups;
    std::size_t pos = 0;
    std::size_t last = SIZE_MAX;  // end of the last match: none yet
    lua_Integer n = 0;
    bool changed = false;
    while (n < max_n) {
        if (!search(L, st, *compiled, s, pos, anchored, groups)) break;
        const std::size_t start = offset_of(s, groups[0]);
        const std::size_t end = start + groups[0].size();
        if (end == last) {
            // An empty match where the last one ended (so start == pos): Lua moves on by one.
            if (pos >= s.size()) break;
            luaL_addchar(&b, s[pos]);
            ++pos;
            continue;
        }
        luaL_addlstring(&b, s.data() + pos, start - pos);
        ++n;
        changed = add_replacement(L, b, *compiled, s, groups) || changed;
        pos = last = end;
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, s.data() + pos, s.size() - pos);
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

}  // namespace

PatternEngine::PatternEngine() : state_(std::make_unique<State>()) {
    state_->options.set_encoding(RE2::Options::EncodingLatin1);
    state_->options.set_log_errors(false);
    state_->options.set_max_mem(kMaxRegexMemory);
}

PatternEngine::~PatternEngine() = default;

void PatternEngine::install(lua_State* L) {
    const int table = lua_gettop(L);
    struct Fn {
        const char* name;
        lua_CFunction fn;
    };
    for (Fn f : {Fn{"find", str_find}, Fn{"match", str_match}, Fn{"gmatch", str_gmatch},
                 Fn{"gsub", str_gsub}}) {
        lua_pushlightuserdata(L, state_.get());
        lua_pushcclosure(L, f.fn, 1);
        lua_setfield(L, table, f.name);
    }
}

void PatternEngine::reset(std::size_t max_subject) {
    state_->pending = 0;
    state_->max_subject = max_subject;
}

}  // namespace relance::expr::detail
