// relance keys create | list | revoke: the API keys of `relance serve`.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

nlohmann::json key_json(const app::ApiKey& k) {
    nlohmann::json j = {{"id", k.id},
                        {"name", k.name},
                        {"prefix", k.prefix},
                        {"scopes", k.scopes},
                        {"rate_per_minute", k.rate_per_minute},
                        {"created_at", runtime::format_iso(k.created_at)}};
    j["revoked_at"] =
        k.revoked_at ? nlohmann::json(runtime::format_iso(*k.revoked_at)) : nlohmann::json();
    return j;
}

struct CreateArgs {
    std::string name;
    std::string scopes;
    int rate = 600;
};

int create(const CreateArgs& args) {
    app::NewApiKey made = workspace().create_key(args.name, split_commas(args.scopes), args.rate);
    if (global_options().json) {
        nlohmann::json j = key_json(made.key);
        j["token"] = made.token;
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    // The token goes to stdout alone on its line, so that `| tail -1` or a script can take it;
    // the advice goes to stderr.
    std::cerr << "key " << made.key.id << " (" << made.key.name
              << "): keep this token now, it is not shown again\n";
    std::cout << made.token << "\n";
    return kOk;
}

int list() {
    auto keys = workspace().list_keys();
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& k : keys) out.push_back(key_json(k));
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(16) << "ID" << std::setw(14) << "PREFIX" << std::setw(16)
              << "NAME" << std::setw(10) << "STATE"
              << "SCOPES\n";
    for (const auto& k : keys) {
        std::string scopes;
        for (const auto& s : k.scopes) scopes += (scopes.empty() ? "" : ",") + s;
        std::cout << std::left << std::setw(16) << k.id << std::setw(14) << k.prefix
                  << std::setw(16) << k.name << std::setw(10)
                  << (k.revoked_at ? "revoked" : "active") << scopes << "\n";
    }
    if (keys.empty()) std::cout << "(no keys)\n";
    return kOk;
}

int revoke(const std::string& which) {
    app::ApiKey k = workspace().revoke_key(which);
    if (global_options().json) {
        std::cout << key_json(k).dump(2) << "\n";
        return kOk;
    }
    std::cout << "key " << k.id << " (" << k.name << ") revoked: its token is refused from now\n";
    return kOk;
}

}  // namespace

void register_keys(CLI::App& app) {
    auto* keys = app.add_subcommand(
        "keys", "API keys of `relance serve`: create (the token is shown once), list, revoke");
    keys->require_subcommand(1);

    static CreateArgs create_args;
    std::string scopes_help = "comma-separated:";
    for (const auto& s : app::api_scopes()) scopes_help += " " + s;
    auto* c = keys->add_subcommand("create", "create a key and print its token once");
    c->add_option("--name", create_args.name, "what the key is for, e.g. zapier")->required();
    c->add_option("--scopes", create_args.scopes, scopes_help)->required();
    c->add_option("--rate", create_args.rate, "requests per minute before 429")
        ->capture_default_str()
        ->check(CLI::Range(1, 1'000'000));
    c->callback([] { set_exit(guarded([] { return create(create_args); })); });

    auto* l = keys->add_subcommand("list", "every key by id and prefix (never a token)");
    l->callback([] { set_exit(guarded(list)); });

    static std::string revoke_which;
    auto* r = keys->add_subcommand("revoke", "refuse a key's token from now on");
    r->add_option("key", revoke_which, "the key's id (k_...) or prefix (rl_...)")->required();
    r->callback([] { set_exit(guarded([] { return revoke(revoke_which); })); });
}

}  // namespace relance::cli
