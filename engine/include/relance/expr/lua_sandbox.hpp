// The Lua sandbox for conditions (`if:`, `when:`) and `lua:` blocks.
//
// Only base (without load/loadfile/dofile/require/collectgarbage), string, table, math and utf8
// are available; no io, os, package, debug, and only text chunks load (no bytecode). Each
// evaluation is capped in instructions (library functions charge their work too), memory and
// time (CPU, and wall clock); exceeding a cap is a LuaError that the script cannot catch, never
// a hang or an abort. The scope (inputs, contact, steps, vars, run) is visible as read-only
// globals.
// math.random draws from a generator private to the evaluation, seeded by EvalOptions::seed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relance::expr {

using json = nlohmann::json;

class LuaError : public std::runtime_error {
  public:
    LuaError(const std::string& message, int line = 0) : std::runtime_error(message), line_(line) {}
    int line() const { return line_; }  // line within the chunk, 0 if unknown

  private:
    int line_;
};

// Per-evaluation limits; 0 turns a limit off.
struct LuaLimits {
    // Lua instructions, plus the work of library functions in instruction units (about one per
    // element they move or compare, per 16 bytes they scan, per 64 bytes allocated).
    std::size_t max_instructions = 1'000'000;
    std::size_t max_memory_bytes = 16u << 20;
    // Time one evaluation may take (a watchdog for the worker's thread, checked by the count
    // hook and inside library loops; resolution a few ms): `max_time` counts the CPU time the
    // evaluating thread spends, so that a busy machine descheduling the worker does not fail a
    // script that did little work; `max_wall_time` caps the wall-clock time however busy the
    // machine is.
    std::chrono::milliseconds max_time{100};
    std::chrono::milliseconds max_wall_time{1000};
    std::size_t max_code_bytes = 256u << 10;  // text of one condition or block
    std::size_t max_result_bytes = 4u << 20;  // the result, about, as JSON text
    std::size_t max_depth = 64;               // nesting of scope values and results
};

// What varies between evaluations of the same code.
struct EvalOptions {
    // Seeds math.random: the same seed draws the same numbers (a replay must), and no
    // evaluation sees another's draws. The executor derives it from the run and the step.
    std::uint64_t seed = 0;
};

// One Lua state, reused across evaluations (cheap per call); not thread-safe: one per thread.
class LuaSandbox {
  public:
    explicit LuaSandbox(LuaLimits limits = {});
    ~LuaSandbox();
    LuaSandbox(const LuaSandbox&) = delete;
    LuaSandbox& operator=(const LuaSandbox&) = delete;

    // Compile-only check: returns an error message, or empty if the chunk compiles.
    // `expression` true wraps the text as `return (<text>)`.
    std::string check_syntax(std::string_view code, bool expression) const;

    // Evaluates an expression ("inputs.score > 50") and returns its value as JSON.
    json eval_expression(std::string_view expression, const json& scope,
                         const EvalOptions& options = {});
    // Evaluates an expression for truth (Lua truthiness: only nil and false are false).
    bool eval_condition(std::string_view expression, const json& scope,
                        const EvalOptions& options = {});
    // Runs a block; its returned table (or value) is the result; nil becomes {}.
    json run_block(std::string_view code, const json& scope, const EvalOptions& options = {});

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::expr
