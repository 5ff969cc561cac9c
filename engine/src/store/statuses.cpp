// The names of run and step statuses, as stored and shown: one table each.
#include <array>
#include <ostream>
#include <relance/store/store.hpp>
#include <utility>

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

constexpr std::array<std::pair<StepStatus, const char*>, 16> kStepStatusNames{{
    {StepStatus::started, "started"},
    {StepStatus::succeeded, "succeeded"},
    {StepStatus::failed, "failed"},
    {StepStatus::retry, "retry"},
    {StepStatus::rate_limited, "rate_limited"},
    {StepStatus::skipped, "skipped"},
    {StepStatus::done, "done"},
    {StepStatus::waiting, "waiting"},
    {StepStatus::deferred, "deferred"},
    {StepStatus::cancelled, "cancelled"},
    {StepStatus::in_doubt, "in_doubt"},
    {StepStatus::reconciling, "reconciling"},
    {StepStatus::reconciled, "reconciled"},
    {StepStatus::resolved, "resolved"},
    {StepStatus::abandoned, "abandoned"},
    {StepStatus::stopped, "stopped"},
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
    for (const auto& [status, name] : kStepStatusNames)
        if (status == s) return name;
    return "unknown";
}

std::optional<StepStatus> step_status_from(std::string_view s) {
    for (const auto& [status, name] : kStepStatusNames)
        if (s == name) return status;
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
