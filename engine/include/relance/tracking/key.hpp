// Where the tracking key comes from (docs/tracking.md, "The key"): RELANCE_TRACKING_KEY (the
// base64 of 32 bytes) when set, so several hosts can share it and it never sits in the
// database; else a key made once and kept in the store, shared by every process on it.
#pragma once

#include <cstdint>
#include <string>

namespace relance::store {
class Store;
}

namespace relance::tracking {

inline constexpr const char* kKeyVariable = "RELANCE_TRACKING_KEY";

// The key's 32 bytes. Throws std::runtime_error naming the variable when RELANCE_TRACKING_KEY
// is set but is not the base64 of 32 bytes (its value is never repeated).
std::string load_key(store::Store& store, std::int64_t now);

}  // namespace relance::tracking
