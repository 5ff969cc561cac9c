#include "relance/policy/rotation.hpp"

#include <algorithm>

namespace relance::policy {

std::string pick_sender(const std::vector<std::string>& pool,
                        const std::map<std::string, Decision>& decisions,
                        std::optional<std::string> sticky,
                        const std::map<std::string, std::size_t>& load) {
    if (sticky && std::find(pool.begin(), pool.end(), *sticky) != pool.end()) return *sticky;
    auto load_of = [&](const std::string& sender) {
        auto it = load.find(sender);
        return it == load.end() ? std::size_t{0} : it->second;
    };
    const std::string* best = nullptr;
    TimePoint best_at = TimePoint::max();
    std::size_t best_load = 0;
    for (const auto& sender : pool) {
        auto it = decisions.find(sender);
        TimePoint at = it == decisions.end() ? TimePoint::max() : it->second.earliest;
        std::size_t l = load_of(sender);
        // strict: full ties keep the one listed first
        if (!best || at < best_at || (at == best_at && l < best_load)) {
            best = &sender;
            best_at = at;
            best_load = l;
        }
    }
    return best ? *best : std::string{};
}

}  // namespace relance::policy
