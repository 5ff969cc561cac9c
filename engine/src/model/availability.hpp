// Which step outputs and run variables are certain to be set when a step runs: a forward
// "must" data-flow over the program's edges, for the validator. A template that reads
// `steps.lookup.output` or `vars.greeting` without a fallback fails its step at run time on any
// path where the value is absent (a skipped `when:`, a failure passed over by
// `on_error: continue` or a goto, a branch that did not run, a wait_for that timed out); the
// validator reports it instead. Internal to relance_model.
#pragma once

#include <relance/model/workflow.hpp>

#include <string>
#include <vector>

namespace relance::model::detail {

struct Fact {
    enum class Kind { output, var };  // steps.<name>.output, vars.<name>
    Kind kind = Kind::output;
    std::string name;
};

// A question: is fact `fact` (an index into the facts) set whenever node `node` runs?
struct FactQuery {
    std::size_t fact = 0;
    int node = 0;
};

// The answer to each query: whether the fact is set on every path from the entry to the node.
// Nodes no path reaches count as having everything (they are reported apart). Cost: linear in
// the program's edges per 64 facts, times the few passes loops need; memory linear in the
// nodes.
std::vector<bool> facts_always_set(const Program& program, const std::vector<Fact>& facts,
                                   const std::vector<FactQuery>& queries);

}  // namespace relance::model::detail
