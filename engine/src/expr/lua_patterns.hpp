// Lua string patterns on a linear-time engine, for the sandbox (internal to relance_expr).
//
// Lua's own matcher (string.find/match/gmatch/gsub) backtracks in C, where the instruction count
// hook never fires: a pattern like '.-.-.-b' on a few thousand bytes runs for minutes. The
// sandbox replaces those four functions with these, which translate each Lua pattern to an RE2
// regular expression (Latin-1, so one byte is one character, as in Lua) and keep Lua's results:
// same positions, captures (including position captures), gmatch iteration and gsub
// replacements. Not available: %b, %f and back-references (%1-%9 in a pattern); they raise
// "pattern feature ... is not available in the sandbox". A malformed pattern is an error even
// where Lua would have returned nil before reaching the malformed part.
//
// Cost: each matcher call is charged the bytes it scans plus a fixed overhead, weighted by the
// compiled pattern's size, and each compilation its pattern's size, to the evaluation's work
// budget (lua_budget.hpp: kScanBytesPerUnit bytes per instruction unit), so the instruction cap
// and the time limits hold inside the matcher.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct lua_State;

namespace relance::expr::detail {

struct TranslatedPattern {
    std::string regex;      // RE2 syntax, Latin-1
    bool anchored = false;  // a leading '^' (never in gmatch, where it is a plain character)
    int captures = 0;
    unsigned position_captures = 0;  // bit i: capture i + 1 is a position capture "()"
};

// Translates a Lua pattern; returns an error message (Lua's wording where Lua has one), or empty.
std::string translate_lua_pattern(std::string_view pattern, bool allow_anchor,
                                  TranslatedPattern& out);

class PatternEngine {
  public:
    PatternEngine();
    ~PatternEngine();
    PatternEngine(const PatternEngine&) = delete;
    PatternEngine& operator=(const PatternEngine&) = delete;

    // Replaces find, match, gmatch and gsub in the table at the top of the stack.
    void install(lua_State* L);

    // Starts an evaluation: `max_subject` is the longest subject it accepts (SIZE_MAX: no cap).
    void reset(std::size_t max_subject);

    struct State;  // internal

  private:
    std::unique_ptr<State> state_;
};

}  // namespace relance::expr::detail
