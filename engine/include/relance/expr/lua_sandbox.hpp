// The Lua sandbox for conditions (`if:`, `when:`) and `lua:` blocks.
//
// Only base (without load/loadfile/dofile/require/collectgarbage), string, table, math and utf8
// are available; no io, os, package, debug, and only text chunks load (no bytecode). Each
// evaluation is capped in instructions and memory; exceeding a cap is a LuaError, never a hang or
// an abort. The scope (inputs, contact, steps, vars, run) is visible as read-only globals.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relance::expr {

using json = nlohmann::json;

class LuaError : public std::runtime_error {
public:
    LuaError(const std::string& message, int line = 0)
        : std::runtime_error(message), line_(line) {}
    int line() const { return line_; }  // line within the chunk, 0 if unknown

private:
    int line_;
};

struct LuaLimits {
    std::size_t max_instructions = 1'000'000;
    std::size_t max_memory_bytes = 16u << 20;
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
    json eval_expression(std::string_view expression, const json& scope);
    // Evaluates an expression for truth (Lua truthiness: only nil and false are false).
    bool eval_condition(std::string_view expression, const json& scope);
    // Runs a block; its returned table (or value) is the result; nil becomes {}.
    json run_block(std::string_view code, const json& scope);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::expr
