// Hot-path costs of the expr area (Google Benchmark): build/bin/expr_bench.
// The end-to-end figures (durable steps/s, runs/s, timer latency) come from `relance bench`.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

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
        benchmark::DoNotOptimize(
            lua.eval_condition("steps.enrich.output.employees > 50 and not contact.vip", scope()));
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

// A loop long enough for the count hook to fire (the deadline check runs in the hook).
void BM_RunBlockLoop(benchmark::State& state) {
    relance::expr::LuaSandbox lua;
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            lua.run_block("local s = 0 for i = 1, 10000 do s = s + i end return s", scope()));
    }
}
BENCHMARK(BM_RunBlockLoop);

// Library functions the sandbox meters or replaces (string.rep, table.*, string.format).
void BM_RunBlockLibrary(benchmark::State& state) {
    relance::expr::LuaSandbox lua;
    for (auto _ : state) {
        benchmark::DoNotOptimize(lua.run_block(R"(
            local t = {}
            for i = 1, 50 do table.insert(t, string.format('%03d', (i * 37) % 101)) end
            table.sort(t)
            table.remove(t, 1)
            return {joined = table.concat(t, ','), line = string.rep('-', 40), n = #t}
        )",
                                               scope()));
    }
}
BENCHMARK(BM_RunBlockLibrary);

void BM_RenderString(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(relance::expr::render_string(
            "Hi {{ contact.first_name | \"there\" }}, how is {{ steps.enrich.output.company }}?",
            scope()));
    }
}
BENCHMARK(BM_RenderString);

}  // namespace

namespace {

// A step's `with:` value, as the executor renders it before each plugin call.
void BM_RenderValue(benchmark::State& state) {
    static const relance::expr::json with = relance::expr::json::parse(R"({
        "to": "{{ contact.email }}",
        "subject": "Quick question for {{ steps.enrich.output.company | \"your team\" }}",
        "body": "Hi {{ contact.first_name | \"there\" }},\n\nI saw {{ steps.enrich.output.company }} has {{ steps.enrich.output.employees }} people.",
        "tags": ["outbound", "{{ run.id }}"],
        "score": "{{ inputs.score }}"
    })");
    for (auto _ : state) {
        benchmark::DoNotOptimize(relance::expr::render_value(with, scope()));
    }
}
BENCHMARK(BM_RenderValue);

}  // namespace
