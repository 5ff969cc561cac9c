// Starting runs from input records, and settling runs that need a human.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <relance/base/clock.hpp>
#include <relance/base/json_value.hpp>
#include <relance/model/inputs.hpp>
#include <relance/model/workflow.hpp>
#include <relance/runtime/records.hpp>
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
    std::string where;    // "leads.csv:12"
    std::string contact;  // "email:ana@acme.test"
    std::string reason;   // "already active in this workflow (run r_...)"
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

// One record with the idempotency key its caller chose (a webhook's, a cron slot's); "" =
// idempotency_key(record).
struct KeyedRecord {
    JsonValue record;
    std::string key;
};

// What came of one record of start_each.
struct StartOutcome {
    enum Kind { pending, started, duplicate, rejected, skipped } kind = pending;
    std::string run_id;  // started, duplicate: the run (run_id_for(workflow, key))
    std::vector<model::InputProblem> problems;  // rejected
    std::string reason;                         // skipped: what the enrollment policy said
    std::vector<RecordWarning> warnings;        // started, with a value passed over
};

// Starts each record on `wf` in one synced transaction, pinned to its stored version
// `version_id` (0 = store it first), and says what came of each, in order. Keys must be unique
// in one call. Records in one call share the enrollment checks, as the records of one import
// do: the second of two records for one contact is skipped.
std::vector<StartOutcome> start_each(store::Store& store, const model::Workflow& wf,
                                     std::int64_t version_id, std::vector<KeyedRecord> records,
                                     const Clock& clock);

// What start_runs found, told record by record as it goes: a caller that prints as it reads
// holds nothing, however long the input.
class StartObserver {
  public:
    virtual ~StartObserver() = default;
    virtual void started(const std::string& run_id) = 0;
    virtual void duplicate(const std::string& idempotency_key) = 0;
    virtual void rejected(const RejectedRecord& record) = 0;
    virtual void skipped(const SkippedRecord& record) = 0;
    virtual void warning(const RecordWarning& warning) = 0;
};

struct StartCounts {
    std::uint64_t records = 0;  // read from the input
    std::uint64_t started = 0, duplicates = 0, rejected = 0, skipped = 0, warnings = 0;
    // Set when the input could not be read to its end (the InputError's message, naming
    // file:line:col): the records read before it were started.
    std::string input_error;
};

struct StartOptions {
    // Records per transaction: the store's commits are grouped, and at most this many new runs
    // are held in memory at once.
    std::size_t chunk = 1000;
};

// The same over a stream of records, `chunk` at a time: memory stays bounded whatever the
// input's length. A record the reader could not read (InputRecord::problem) is rejected like a
// record with a bad field, with its place. When the input cannot be read any further (an
// InputError), the runs of every record read before are started and the counts say why the
// input stopped (running it again once fixed skips them: idempotency keys).
StartCounts start_runs(store::Store& store, const model::Workflow& wf, RecordReader& records,
                       const Clock& clock, StartObserver& observer,
                       const StartOptions& options = {});

// Settles a run paused on an in-doubt step: `sent` records the step as done (its output empty)
// and moves on; `retry` runs the step again. Throws std::runtime_error when the run is not
// paused on an in-doubt step.
enum class Resolution { sent, retry };
// A run's context as its steps see it: each step's output is kept once, in the step's row, and
// the context stored names that row (a succeeded step is just its row, `"look": 7`; one with
// more to say holds it, `{"status": "succeeded", "variant": "b", "output_row": 7}`); this
// puts the outputs back in `context.steps`. Returns each such step's row (step id -> seq).
std::map<std::string, std::int64_t> restore_step_outputs(store::Store& store,
                                                         const std::string& run_id, json& context);

void resolve_in_doubt(store::Store& store, const std::string& run_id, Resolution how,
                      const Clock& clock);

class WorkflowCache;

// Where runs stand: the id of the step each is at, on its pinned workflow version as the worker
// reads it (each version loaded once). For `relance runs list|show`.
class RunSteps {
  public:
    explicit RunSteps(store::Store& store);
    ~RunSteps();
    RunSteps(const RunSteps&) = delete;
    RunSteps& operator=(const RunSteps&) = delete;

    // "-" when the version is missing or no longer loads, or the run is past its last step.
    std::string step_id(const store::Run& run);

  private:
    std::unique_ptr<WorkflowCache> versions_;
};

}  // namespace relance::runtime
