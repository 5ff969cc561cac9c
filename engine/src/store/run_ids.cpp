// A run's id, derived from its workflow and idempotency key.
#include <relance/base/digest.hpp>
#include <relance/store/store.hpp>

namespace relance::store {

std::string run_id_for(const std::string& workflow_name, const std::string& idempotency_key) {
    return "r_" + sha256_hex(workflow_name + "\n" + idempotency_key, 16);
}

}  // namespace relance::store
