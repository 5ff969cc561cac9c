// The ids the engine derives: a run's (from its workflow and idempotency key) and an action's
// message id (from its run, step and row).
#include <relance/base/digest.hpp>
#include <relance/store/store.hpp>

namespace relance::store {

std::string run_id_for(const std::string& workflow_name, const std::string& idempotency_key) {
    return "r_" + sha256_hex(workflow_name + "\n" + idempotency_key, 16);
}

std::string engine_message_id(const std::string& run_id, const std::string& step_id,
                              std::int64_t seq) {
    return run_id + "." + step_id + "." + std::to_string(seq);
}

}  // namespace relance::store
