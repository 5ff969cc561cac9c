// relance stats WORKFLOW: sent and events per step and per variant.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/stats.hpp>
#include <set>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

int stats(const std::string& workflow) {
    auto rows = workspace().stats(workflow);
    if (global_options().json) {
        std::cout << app::stats_view(rows).dump(2) << "\n";
        return kOk;
    }
    std::set<std::string> types;
    for (const auto& r : rows)
        for (const auto& [t, n] : r.events) types.insert(t);
    std::cout << std::left << std::setw(22) << "STEP" << std::setw(10) << "VARIANT" << std::right
              << std::setw(7) << "SENT" << std::setw(8) << "FAILED";
    for (const auto& t : types) std::cout << std::setw(std::max<int>(8, int(t.size()) + 2)) << t;
    std::cout << "\n";
    for (const auto& r : rows) {
        std::cout << std::left << std::setw(22) << r.step_id << std::setw(10)
                  << (r.variant.empty() ? "-" : r.variant) << std::right << std::setw(7) << r.sent
                  << std::setw(8) << r.failed;
        for (const auto& t : types) {
            auto it = r.events.find(t);
            std::cout << std::setw(std::max<int>(8, int(t.size()) + 2))
                      << (it == r.events.end() ? 0 : it->second);
        }
        std::cout << "\n";
    }
    if (rows.empty()) std::cout << "(nothing sent yet in workflow " << workflow << ")\n";
    return kOk;
}

}  // namespace

void register_stats(CLI::App& app) {
    static std::string workflow;
    auto* cmd = app.add_subcommand(
        "stats", "per step and per variant: sent, failed, and the events that followed");
    cmd->add_option("workflow", workflow, "workflow name")->required();
    cmd->callback([] { set_exit(guarded([] { return stats(workflow); })); });
}

}  // namespace relance::cli
