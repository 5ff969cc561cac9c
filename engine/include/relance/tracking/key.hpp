// Where the tracking key comes from (docs/tracking.md, "The key"): RELANCE_TRACKING_KEY (the
// base64 of 32 bytes) when set, so several hosts can share it and it never sits in the
// database; else a key made once and kept in the store, sealed under the workspace's master
// key like every other secret (app/secret_seal.hpp), shared by every process on it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace relance::store {
class Store;
}

namespace relance::tracking {

inline constexpr const char* kKeyVariable = "RELANCE_TRACKING_KEY";

// How the key is kept in the store: sealed and opened by the workspace's master key. Without
// them (a private store: `relance simulate`, `relance bench`) the key is kept as it is.
struct KeySealing {
    std::function<std::string(std::string_view plain)> seal;
    std::function<std::string(std::string_view sealed)> open;  // throws when it cannot
};

// The key's 32 bytes. A key kept unsealed by an older relance is sealed in place the first time
// a sealing workspace reads it (links already sent keep verifying). Throws std::runtime_error
// naming the variable when RELANCE_TRACKING_KEY is set but is not the base64 of 32 bytes (its
// value is never repeated), and when the stored key is sealed but no sealing is given; the
// sealing's own error when it cannot open the stored key (another master key).
std::string load_key(store::Store& store, std::int64_t now, const KeySealing& sealing = {});

}  // namespace relance::tracking
