// The secrets a workspace opened in the last second: a webhook route at thousands of requests a
// second would otherwise read and open the same sealed value at each one. A change made through
// this workspace clears it; one made by another process shows within the second.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <relance/app/workspace.hpp>
#include <string>
#include <utility>

namespace relance::app {

struct Workspace::SecretCache {
    static constexpr std::int64_t kFreshMs = 1000;
    struct Entry {
        std::optional<std::string> value;  // none: the store has no such secret
        std::int64_t read_at = 0;
    };
    std::mutex m;
    std::map<std::pair<std::string, std::string>, Entry> entries;
};

}  // namespace relance::app
