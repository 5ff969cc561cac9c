#include "relance/policy/rotation.hpp"

#include <algorithm>

namespace relance::policy {

std::string pick_sender(const std::vector<std::string>& pool,
                        const std::map<std::string, Decision>& decisions,
                        std::optional<std::string> sticky) {
    if (sticky && std::find(pool.begin(), pool.end(), *sticky) != pool.end()) return *sticky;
    const std::string* best = nullptr;
    TimePoint best_at = TimePoint::max();
    for (const auto& sender : pool) {
        auto it = decisions.find(sender);
        TimePoint at = it == decisions.end() ? TimePoint::max() : it->second.earliest;
        if (!best || at < best_at) {  // strict: ties keep the one listed first
            best = &sender;
            best_at = at;
        }
    }
    return best ? *best : std::string{};
}

}  // namespace relance::policy
