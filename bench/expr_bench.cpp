// Hot-path costs of the expr area (Google Benchmark): build/bin/expr_bench.
// The end-to-end figures (durable steps/s, runs/s, timer latency) come from `relance bench`.
#include <benchmark/benchmark.h>

#include "relance/expr/lua_sandbox.hpp"
#include "relance/expr/template.hpp"

namespace {

using relance::expr::json;

const json& scope() {
    static const json value = json::parse(R"({
        "inputs": {"score": 72, "name": "Ada"},
        "contact": {"email": "ada@example.com", "first_name": "Ada", "vip": false},
        "steps": {"enrich": {"output": {"company": "Acme", "employees": 120}}},
        "vars": {}, "run": {"id": "r1"}
    })");
    return value;
}

void BM_EvalCondition(benchmark::State& state) {
    relance::expr::LuaSandbox lua;
    for (auto _ : state) {
        benchmark::DoNotOptimize(lua.eval_condition("inputs.score > 50", scope()));
    }
}
BENCHMARK(BM_EvalCondition);

void BM_EvalConditionTwoTables(benchmark::State& state) {
    relance::expr::LuaSandbox lua;
    for (auto _ : state) {
        benchmark::DoNotOptimize(lua.eval_condition(
            "steps.enrich.output.employees > 50 and not contact.vip", scope()));
    }
}
BENCHMARK(BM_EvalConditionTwoTables);

void BM_RunBlock(benchmark::State& state) {
    relance::expr::LuaSandbox lua;
    for (auto _ : state) {
        benchmark::DoNotOptimize(lua.run_block(
            "return {greeting = 'Hi ' .. contact.first_name, big = inputs.score > 50}", scope()));
    }
}
BENCHMARK(BM_RunBlock);

void BM_RenderString(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(relance::expr::render_string(
            "Hi {{ contact.first_name | \"there\" }}, how is {{ steps.enrich.output.company }}?",
            scope()));
    }
}
BENCHMARK(BM_RenderString);

}  // namespace
