// relance senders: the sender accounts of the workspace config, what each sent in the last 24 h
// and when it may send next.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/contacts.hpp>
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
    app::Workspace::SenderReport report = workspace().senders();
    if (!report.configured) {
        std::cerr << "error: no config file: pass --config FILE or set RELANCE_CONFIG\n";
        return kUsage;
    }
    const auto& rows = report.senders;
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
    if (rows.empty())
        std::cout << "(the config " << report.config->file << " declares no senders)\n";
    return kOk;
}

// Accounts the provider refused (401/403: a revoked key, an unverified sender): their sends wait
// and a probe retries them; no config needed, a plugin without sender accounts pauses as a whole.
int list_paused() {
    auto pauses = workspace().senders().pauses;
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : pauses)
            out.push_back({{"account", p.key},
                           {"reason", p.reason},
                           {"since", runtime::format_iso(p.since)},
                           {"next_try_at", runtime::format_iso(p.probe_at)}});
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    if (pauses.empty()) {
        std::cout << "(no account is paused)\n";
        return kOk;
    }
    for (const auto& p : pauses)
        std::cout << p.key << "  paused since " << runtime::format_short(p.since) << "Z, next try "
                  << runtime::format_short(p.probe_at) << "Z: " << p.reason << "\n";
    return kOk;
}

int resume(const std::string& key) {
    std::size_t woken = workspace().resume_account(key);
    if (global_options().json)
        std::cout << nlohmann::json{{"account", key}, {"runs_woken", woken}}.dump(2) << "\n";
    else
        std::cout << "account " << key << " resumed: " << woken
                  << " waiting run(s) are due now; a worker sends them\n";
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
    auto* paused = cmd->add_subcommand(
        "paused", "accounts the provider refused (401/403), why, and when they are tried again");
    paused->callback([] { set_exit(guarded(list_paused)); });
    static std::string account;
    auto* resume_cmd = cmd->add_subcommand(
        "resume", "lift an account's pause once it is fixed: its waiting sends go now");
    resume_cmd->add_option("account", account, "as `senders paused` shows it, e.g. sendgrid")
        ->required();
    resume_cmd->callback([] { set_exit(guarded([] { return resume(account); })); });
    cmd->callback([cmd] {
        if (cmd->get_subcommands().empty()) set_exit(guarded(list_senders));
    });
}

}  // namespace relance::cli
