// relance plugins list | describe NAME
#include <iomanip>
#include <iostream>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

nlohmann::json describe_json(const host::LoadedPlugin& p) {
    const auto& m = p.manifest();
    nlohmann::json actions = nlohmann::json::array();
    for (const auto& a : m.actions)
        actions.push_back({{"name", a.name},
                           {"description", a.description},
                           {"safe_to_repeat", a.safe_to_repeat},
                           {"channel", a.channel},
                           {"input_schema", a.input_schema},
                           {"output_schema", a.output_schema}});
    return {{"name", m.name},
            {"version", m.version},
            {"description", m.description},
            {"file", p.file().string()},
            {"sandbox", p.has_sandbox()},
            {"actions", actions},
            {"secrets", m.secrets},
            {"limits", m.limits},
            {"events", m.events},
            {"pollers", m.pollers}};
}

int list_plugins() {
    SystemClock clock;
    auto host = load_host(clock, nullptr, true);
    if (global_options().json) {
        nlohmann::json loaded = nlohmann::json::array();
        for (auto* p : host->plugins()) loaded.push_back(describe_json(*p));
        nlohmann::json refused = nlohmann::json::array();
        for (const auto& f : host->failures())
            refused.push_back({{"file", f.file}, {"reason", f.reason}});
        std::cout << nlohmann::json{{"plugins", loaded}, {"refused", refused}}.dump(2) << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(12) << "PLUGIN" << std::setw(10) << "VERSION"
              << std::setw(9) << "SANDBOX" << "ACTIONS\n";
    for (auto* p : host->plugins()) {
        std::string actions;
        for (const auto& a : p->manifest().actions)
            actions += (actions.empty() ? "" : ", ") + a.name;
        std::cout << std::left << std::setw(12) << p->manifest().name << std::setw(10)
                  << p->manifest().version << std::setw(9) << (p->has_sandbox() ? "yes" : "no")
                  << actions << "\n";
    }
    for (const auto& f : host->failures()) std::cout << "refused: " << f.str() << "\n";
    return kOk;
}

int describe_plugin(const std::string& name) {
    SystemClock clock;
    auto host = load_host(clock, nullptr, true);
    auto* p = host->find(name);
    if (!p) {
        std::cerr << "error: no plugin named '" << name << "'";
        auto names = host->plugin_names();
        if (!names.empty()) {
            std::cerr << " (loaded:";
            for (const auto& n : names) std::cerr << " " << n;
            std::cerr << ")";
        }
        std::cerr << "\n";
        return kNotFound;
    }
    if (global_options().json) {
        std::cout << describe_json(*p).dump(2) << "\n";
        return kOk;
    }
    const auto& m = p->manifest();
    std::cout << m.name << " " << m.version << " — " << m.description << "\n"
              << "file     " << p->file().string() << "\n"
              << "sandbox  " << (p->has_sandbox() ? "yes" : "no") << "\n";
    if (!m.secrets.empty()) {
        std::cout << "secrets\n";
        for (const auto& s : m.secrets)
            std::cout << "  " << s.value("name", "?") << "  " << s.value("description", "")
                      << "\n";
    }
    if (!m.limits.empty()) std::cout << "limits   " << m.limits.dump() << "\n";
    for (const auto& a : m.actions) {
        std::cout << "\naction " << m.name << "." << a.name
                  << (a.safe_to_repeat ? "  (safe to repeat)" : "  (not safe to repeat)")
                  << (a.channel.empty() ? "" : "  channel " + a.channel) << "\n  "
                  << a.description << "\n  input schema:\n"
                  << a.input_schema.dump(2) << "\n";
        if (!a.output_schema.empty()) std::cout << "  output schema:\n" << a.output_schema.dump(2) << "\n";
    }
    return kOk;
}

}  // namespace

void register_plugins(CLI::App& app) {
    auto* plugins = app.add_subcommand("plugins", "loaded plugins and their manifests");
    plugins->require_subcommand(1);
    auto* list = plugins->add_subcommand("list", "plugins on the plugin path, and refused files");
    list->callback([] { set_exit(guarded(list_plugins)); });
    static std::string name;
    auto* describe =
        plugins->add_subcommand("describe", "a plugin's actions, schemas, secrets and limits");
    describe->add_option("name", name, "plugin name")->required();
    describe->callback([] { set_exit(guarded([] { return describe_plugin(name); })); });
}

}  // namespace relance::cli
