// relance senders: the sender accounts of the workspace config, what each sent in the last 24 h
// and when it may send next.
#include <iomanip>
#include <iostream>
#include <relance/runtime/senders.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out.empty() ? "-" : out;
}

int list_senders() {
    auto config = workspace_config();
    if (!config) {
        std::cerr << "error: no config file: pass --config FILE or set RELANCE_CONFIG\n";
        return kUsage;
    }
    auto store = open_store();
    SystemClock clock;
    auto rows = runtime::sender_status(*store, *config, clock.now());
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : rows)
            out.push_back({{"id", r.id},
                           {"channel", r.channel},
                           {"pools", r.pools},
                           {"sent_last_day", r.sent_last_day},
                           {"cap_today", r.cap_today ? nlohmann::json(*r.cap_today) : nullptr},
                           {"next_send_at",
                            r.next_send_at > 0 ? nlohmann::json(runtime::format_iso(r.next_send_at))
                                               : nullptr},
                           {"blocked", r.next_send_at < 0},
                           {"limited_by", r.limited_by}});
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(28) << "SENDER" << std::setw(10) << "CHANNEL"
              << std::setw(14) << "POOLS" << std::right << std::setw(9) << "SENT 24H"
              << std::setw(11) << "CAP TODAY"
              << "  NEXT SEND\n";
    for (const auto& r : rows) {
        std::string next = r.next_send_at == 0 ? "now"
                           : r.next_send_at < 0
                               ? "never: " + r.limited_by
                               : runtime::format_short(r.next_send_at) + "Z (" + r.limited_by + ")";
        std::cout << std::left << std::setw(28) << r.id << std::setw(10) << r.channel
                  << std::setw(14) << join(r.pools) << std::right << std::setw(9) << r.sent_last_day
                  << std::setw(11) << (r.cap_today ? std::to_string(*r.cap_today) : "-") << "  "
                  << next << "\n";
    }
    if (rows.empty()) std::cout << "(the config " << config->file << " declares no senders)\n";
    return kOk;
}

}  // namespace

void register_senders(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "senders",
        "sender accounts of the config file (--config): sent in the last 24 h, today's cap, "
        "next send allowed");
    auto* list = cmd->add_subcommand("list", "list the sender accounts (the default)");
    list->callback([] { set_exit(guarded(list_senders)); });
    cmd->callback([cmd] {
        if (cmd->get_subcommands().empty()) set_exit(guarded(list_senders));
    });
}

}  // namespace relance::cli
