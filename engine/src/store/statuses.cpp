// The names of run and step statuses, as stored and shown: one table each. A step status is
// stored as its code (step_status_codes.hpp).
#include <array>
#include <ostream>
#include <relance/store/store.hpp>
#include <utility>

#include "step_status_codes.hpp"

namespace relance::store {

namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 6> kRunStatusNames{{
    {RunStatus::ready, "ready"},
    {RunStatus::waiting, "waiting"},
    {RunStatus::paused, "paused"},
    {RunStatus::completed, "completed"},
    {RunStatus::exited, "exited"},
    {RunStatus::failed, "failed"},
}};

struct StepStatusRow {
    StepStatus status;
    const char* name;
    std::int64_t code;  // stored; fixed forever (the schema and migration 6 -> 7 spell them in SQL)
};
constexpr std::array<StepStatusRow, 16> kStepStatusNames{{
    {StepStatus::started, "started", 0},
    {StepStatus::succeeded, "succeeded", 1},
    {StepStatus::failed, "failed", 2},
    {StepStatus::retry, "retry", 3},
    {StepStatus::rate_limited, "rate_limited", 4},
    {StepStatus::skipped, "skipped", 5},
    {StepStatus::done, "done", 6},
    {StepStatus::waiting, "waiting", 7},
    {StepStatus::deferred, "deferred", 8},
    {StepStatus::cancelled, "cancelled", 9},
    {StepStatus::in_doubt, "in_doubt", 10},
    {StepStatus::reconciling, "reconciling", 11},
    {StepStatus::reconciled, "reconciled", 12},
    {StepStatus::resolved, "resolved", 13},
    {StepStatus::abandoned, "abandoned", 14},
    {StepStatus::stopped, "stopped", 15},
}};

}  // namespace

const char* to_string(RunStatus s) {
    for (const auto& [status, name] : kRunStatusNames)
        if (status == s) return name;
    return "unknown";
}

std::optional<RunStatus> run_status_from(const std::string& s) {
    for (const auto& [status, name] : kRunStatusNames)
        if (s == name) return status;
    return std::nullopt;
}

const char* to_string(StepStatus s) {
    for (const auto& row : kStepStatusNames)
        if (row.status == s) return row.name;
    return "unknown";
}

std::optional<StepStatus> step_status_from(std::string_view s) {
    for (const auto& row : kStepStatusNames)
        if (s == row.name) return row.status;
    return std::nullopt;
}

std::int64_t step_status_code(StepStatus s) {
    for (const auto& row : kStepStatusNames)
        if (row.status == s) return row.code;
    return step_status_code(StepStatus::in_doubt);
}

std::optional<StepStatus> step_status_from_code(std::int64_t code) {
    for (const auto& row : kStepStatusNames)
        if (row.code == code) return row.status;
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, StepStatus s) {
    return out << to_string(s);
}

bool ends_effect(StepStatus s) {
    switch (s) {
        case StepStatus::succeeded:     // the call answered ok
        case StepStatus::failed:        // it failed for good
        case StepStatus::retry:         // it failed, the step runs again
        case StepStatus::rate_limited:  // the provider said later
        case StepStatus::cancelled:     // a gate stopped it at the door: never called
        case StepStatus::deferred:      // a gate held it at the door: never called
        case StepStatus::in_doubt:      // nobody can tell: the run pauses
        case StepStatus::reconciled:    // the provider confirmed it happened
        case StepStatus::abandoned:     // it did not happen (or is safe to repeat)
            return true;
        default:
            return false;
    }
}

bool may_have_reached(StepStatus s) {
    return s == StepStatus::succeeded || s == StepStatus::reconciled || s == StepStatus::in_doubt ||
           s == StepStatus::started;
}

}  // namespace relance::store
