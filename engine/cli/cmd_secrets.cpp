// relance secrets set | list | delete: plugin credentials and webhook secrets, sealed at rest
// under the workspace's master key (docs/operations.md, "Secrets"). A value is read from stdin or
// a file, never from the command line, where `ps` and shell histories would show it.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct SetArgs {
    std::string scope;
    std::string name;
    std::string value_file;  // "" = stdin
};

nlohmann::json entry_json(const app::SecretEntry& e) {
    return {
        {"scope", e.scope}, {"name", e.name}, {"updated_at", runtime::format_iso(e.updated_at)}};
}

std::string read_value(const std::string& file) {
    std::string value;
    if (file.empty()) {
        value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw app::Error(app::ErrorKind::failure, "cannot read " + file, "value-file");
        value.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // `echo secret | relance secrets set ...` ends with a newline that is not part of it.
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
}

int set(const SetArgs& args) {
    std::string value = read_value(args.value_file);
    app::SecretEntry e = workspace().set_secret(args.scope, args.name, value);
    if (global_options().json) {
        std::cout << entry_json(e).dump(2) << "\n";
        return kOk;
    }
    std::cerr << "secret " << e.scope << "/" << e.name << " stored, sealed\n";
    return kOk;
}

int list() {
    auto entries = workspace().list_secrets();
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : entries) out.push_back(entry_json(e));
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(20) << "SCOPE" << std::setw(32) << "NAME"
              << "UPDATED\n";
    for (const auto& e : entries)
        std::cout << std::left << std::setw(20) << e.scope << std::setw(32) << e.name
                  << runtime::format_iso(e.updated_at) << "\n";
    if (entries.empty()) std::cout << "(no secrets)\n";
    return kOk;
}

int remove(const std::string& scope, const std::string& name) {
    workspace().delete_secret(scope, name);
    if (global_options().json)
        std::cout << nlohmann::json{{"scope", scope}, {"name", name}, {"deleted", true}}.dump(2)
                  << "\n";
    else
        std::cerr << "secret " << scope << "/" << name << " deleted\n";
    return kOk;
}

}  // namespace

void register_secrets(CLI::App& app) {
    auto* secrets = app.add_subcommand(
        "secrets",
        "plugin credentials and webhook secrets, sealed at rest: set (value from stdin), list, "
        "delete");
    secrets->require_subcommand(1);

    static SetArgs set_args;
    auto* s = secrets->add_subcommand(
        "set", "store a secret, sealed; its value is read from stdin (or --value-file)");
    s->add_option("scope", set_args.scope,
                  "the plugin it is for (sendgrid), or \"hook\" for a webhook trigger's secret")
        ->required();
    s->add_option("name", set_args.name, "the secret's name, as the plugin or trigger names it")
        ->required();
    s->add_option("--value-file", set_args.value_file, "read the value from this file")
        ->check(CLI::ExistingFile);
    s->callback([] { set_exit(guarded([] { return set(set_args); })); });

    auto* l = secrets->add_subcommand("list", "stored secrets by scope and name (never a value)");
    l->callback([] { set_exit(guarded(list)); });

    static std::string delete_scope, delete_name;
    auto* d = secrets->add_subcommand("delete", "delete a stored secret");
    d->add_option("scope", delete_scope, "its scope")->required();
    d->add_option("name", delete_name, "its name")->required();
    d->callback([] { set_exit(guarded([] { return remove(delete_scope, delete_name); })); });
}

}  // namespace relance::cli
