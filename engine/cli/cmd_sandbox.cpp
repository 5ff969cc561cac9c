// relance sandbox outbox: what the sandbox emulators accepted (the local mail catcher).
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

// A one-line label from an entry's field, whatever its shape: "a@b", ["a@b"], [{"email":..}].
std::string label(const nlohmann::json& entry, const char* key) {
    if (!entry.contains(key)) return "";
    const auto& v = entry[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("email") && v["email"].is_string())
        return v["email"].get<std::string>();
    if (v.is_array() && !v.empty()) {
        nlohmann::json first = nlohmann::json::object({{key, v[0]}});
        return label(first, key) + (v.size() > 1 ? " +" + std::to_string(v.size() - 1) : "");
    }
    return v.dump();
}

struct OutboxArgs {
    std::string plugin;
    std::string box = "outbox";
    int limit = 1000;
};

int list_outbox(const OutboxArgs& args) {
    auto store = open_store();
    auto entries = store->list_sandbox(args.plugin, args.box, args.limit);
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : entries)
            out.push_back({{"id", e.id},
                           {"plugin", e.plugin},
                           {"box", e.box},
                           {"recorded_at", runtime::format_iso(e.recorded_at)},
                           {"entry", e.entry}});
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    for (const auto& e : entries) {
        const auto& j = e.entry;
        std::string to = label(j, "to");
        if (to.empty()) to = label(j, "url");
        std::string what = label(j, "subject");
        if (what.empty()) what = label(j, "method");
        std::cout << runtime::format_short(e.recorded_at) << "  " << std::left << std::setw(10)
                  << e.plugin << std::setw(38) << to << " " << what << "  "
                  << label(j, "engine_msg_id") << "\n";
    }
    std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << " in "
              << args.box << "\n";
    return kOk;
}

}  // namespace

void register_sandbox(CLI::App& app) {
    auto* sandbox = app.add_subcommand("sandbox", "what the sandbox emulators received");
    sandbox->require_subcommand(1);
    static OutboxArgs args;
    auto* outbox = sandbox->add_subcommand("outbox", "messages the emulators accepted");
    outbox->add_option("--plugin", args.plugin, "only this plugin");
    outbox->add_option("--box", args.box, "mailbox name (outbox, requests...)")
        ->capture_default_str();
    outbox->add_option("--limit", args.limit, "at most this many")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000'000));
    outbox->callback([] { set_exit(guarded([] { return list_outbox(args); })); });
}

}  // namespace relance::cli
