// Starting runs from input records, and settling runs that need a human.
#pragma once

#include <relance/model/inputs.hpp>
#include <relance/model/workflow.hpp>
#include <relance/base/clock.hpp>
#include <relance/store/store.hpp>

#include <string>
#include <vector>

namespace relance::runtime {

using json = nlohmann::json;

struct RejectedRecord {
    std::size_t index = 0;  // 1-based position in the input (CSV: data row number)
    std::string where;      // "leads.csv:12" or "record 3"
    std::vector<model::InputProblem> problems;
};

struct SkippedRecord {
    std::string where;   // "leads.csv:12"
    std::string contact; // "email:ana@acme.test"
    std::string reason;  // "already active in this workflow (run r_...)"
};

// A record that started, but with a value relance passes over (a time zone or country it does
// not know): the run uses the workflow's setting instead.
struct RecordWarning {
    std::string where;    // "leads.csv:12"
    std::string field;    // "timezone"
    std::string message;  // "'Paris' is not an IANA time zone: ..."
};

struct StartResult {
    std::vector<std::string> started;     // run ids created
    std::vector<std::string> duplicates;  // idempotency keys that already had a run
    std::vector<RejectedRecord> rejected;
    std::vector<SkippedRecord> skipped;   // valid, but the enrollment policy said no
    std::vector<RecordWarning> warnings;  // started, with a value passed over
};

// The idempotency key of a record: its own "id" field when present and non-empty, else a hash
// of the whole record (so running the same file twice starts nothing new).
std::string idempotency_key(const json& record);

// Stores the workflow version (pinning it) and creates one run per valid record, due now.
// `where` names each record for error messages ("leads.csv:3").
StartResult start_runs(store::Store& store, const model::Workflow& wf,
                       const std::vector<json>& records, const std::vector<std::string>& where,
                       const Clock& clock);

// Settles a run paused on an in-doubt step: `sent` records the step as done (its output empty)
// and moves on; `retry` runs the step again. Throws std::runtime_error when the run is not
// paused on an in-doubt step.
enum class Resolution { sent, retry };
void resolve_in_doubt(store::Store& store, const std::string& run_id, Resolution how,
                      const Clock& clock);

}  // namespace relance::runtime
