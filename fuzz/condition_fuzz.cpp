// Any text as a condition, an expression or a `lua:` block: the sandbox answers or raises
// LuaError, within its limits, the result converts to JSON that serialises, and the sandbox still
// works afterwards. A hang shows as a libFuzzer timeout, a crash as a crash.
// Input: one byte choosing the entry point and the seed, then the code.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/expr/lua_sandbox.hpp>
#include <string_view>

namespace {

using relance::expr::json;

const json& scope() {
    static const json value = json::parse(R"({
        "inputs": {"score": 72, "name": "Ada", "ratio": 0.25, "tags": ["a", "b", null, "d"],
                   "big": 9007199254740993, "neg": -5, "text": "  many   spaces  ",
                   "utf8": "h\u00e9llo \u20ac", "nested": {"a": {"b": {"c": [1, [2, [3]]]}}}},
        "contact": {"email": "ada@example.com", "vip": false, "company": null},
        "steps": {"enrich": {"output": {"company": "Acme", "employees": 120}}},
        "vars": {"count": 3}, "run": {"id": "r1"},
        "history": {"intro": {"opened": {"count": 2}}}
    })");
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace expr = relance::expr;
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view code(reinterpret_cast<const char*>(data) + 1, size - 1);

    expr::LuaLimits limits;
    limits.max_instructions = 200'000;
    limits.max_memory_bytes = 8u << 20;
    // Generous under the sanitizers, far below libFuzzer's own -timeout.
    limits.max_time = std::chrono::milliseconds{500};
    limits.max_code_bytes = 64u << 10;
    limits.max_result_bytes = 1u << 20;
    expr::LuaSandbox lua(limits);
    expr::EvalOptions options;
    options.seed = mode >> 2;

    (void)lua.check_syntax(code, (mode & 3) != 2);
    try {
        switch (mode & 3) {
            case 0:
            case 3:
                (void)lua.eval_condition(code, scope(), options);
                break;
            case 1:
                // Strict dump: results must already be valid UTF-8 (the sandbox repairs them).
                (void)lua.eval_expression(code, scope(), options).dump();
                break;
            case 2:
                (void)lua.run_block(code, scope(), options).dump();
                break;
        }
    } catch (const expr::LuaError&) {
    }
    // Whatever the script did, the next evaluation starts clean.
    if (!lua.eval_condition(
            "inputs.score > 50 and #inputs.tags == 4 and string.rep('a', 3) == 'aaa'", scope())) {
        std::abort();
    }
    return 0;
}
