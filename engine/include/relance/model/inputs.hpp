// Turning one input record (a CSV row, a JSON object) into a run's typed inputs.
#pragma once

#include <relance/model/workflow.hpp>

#include <string>
#include <vector>

namespace relance::model {

struct InputProblem {
    std::string field;
    std::string message;  // "required field is missing", "expected integer, got \"abc\""
};

// Coerces each declared input from `record` (CSV values arrive as strings: "42" becomes 42 for
// an integer input, "true"/"yes"/"1" a boolean), applies defaults, and reports missing required
// fields and values of the wrong type. Fields not declared are kept as they are (they stay
// available as contact.<field>). Returns the typed object; `problems` empty means valid.
json coerce_inputs(const Workflow& wf, const json& record, std::vector<InputProblem>& problems);

}  // namespace relance::model
