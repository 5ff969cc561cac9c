// relance plugins list | describe NAME
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

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
            {"isolation", host::to_string(p.isolation())},
            {"sandbox", p.has_sandbox()},
            {"actions", actions},
            {"secrets", m.secrets},
            {"limits", m.limits},
            {"events", m.events},
            {"pollers", m.pollers},
            {"inbound", m.inbound}};
}

int list_plugins() {
    SystemClock clock;
    auto host = load_host(clock, nullptr, true);
    // Started, not only loaded: a plugin whose create() fails shows as failed, with the reason.
    host->activate();
    // Files refused before their manifest was read have no name; plugins that loaded and could
    // not start do.
    std::vector<const host::LoadFailure*> refused, failed;
    for (const auto& f : host->failures()) (f.plugin.empty() ? refused : failed).push_back(&f);
    if (global_options().json) {
        nlohmann::json loaded = nlohmann::json::array();
        for (auto* p : host->plugins()) {
            nlohmann::json j = describe_json(*p);
            host::Availability a = p->availability(clock.now());
            j["status"] = a.available ? "ok" : "unavailable";
            if (!a.available) j["reason"] = a.reason;
            loaded.push_back(std::move(j));
        }
        nlohmann::json failed_json = nlohmann::json::array();
        for (const auto* f : failed)
            failed_json.push_back({{"name", f->plugin},
                                   {"file", f->file},
                                   {"status", "failed"},
                                   {"reason", f->reason}});
        nlohmann::json refused_json = nlohmann::json::array();
        for (const auto* f : refused)
            refused_json.push_back({{"file", f->file}, {"reason", f->reason}});
        std::cout << nlohmann::json{{"plugins", loaded},
                                    {"failed", failed_json},
                                    {"refused", refused_json}}
                         .dump(2)
                  << "\n";
        return kOk;
    }
    std::cout << std::left << std::setw(16) << "PLUGIN" << std::setw(10) << "VERSION"
              << std::setw(12) << "ISOLATION" << std::setw(9) << "SANDBOX" << std::setw(13)
              << "STATUS"
              << "ACTIONS\n";
    for (auto* p : host->plugins()) {
        std::string actions;
        for (const auto& a : p->manifest().actions)
            actions += (actions.empty() ? "" : ", ") + a.name;
        host::Availability a = p->availability(clock.now());
        std::cout << std::left << std::setw(16) << p->manifest().name << std::setw(10)
                  << p->manifest().version << std::setw(12) << host::to_string(p->isolation())
                  << std::setw(9) << (p->has_sandbox() ? "yes" : "no") << std::setw(13)
                  << (a.available ? "ok" : "unavailable") << actions << "\n";
        if (!a.available) std::cout << "  " << a.reason << "\n";
    }
    for (const auto* f : failed)
        std::cout << std::left << std::setw(16) << f->plugin << std::setw(10) << "-"
                  << std::setw(12) << "-" << std::setw(9) << "-" << std::setw(13) << "failed"
                  << "-\n  " << f->str() << "\n";
    for (const auto* f : refused) std::cout << "refused: " << f->str() << "\n";
    return kOk;
}

int describe_plugin(const std::string& name) {
    SystemClock clock;
    auto host = load_host(clock, nullptr, true);
    host->activate();
    auto* p = host->find(name);
    if (!p) {
        if (auto problem = host->plugin_problem(name)) {
            std::cerr << "error: plugin '" << name << "' cannot be used: " << *problem << "\n";
            return kFailure;
        }
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
              << "file       " << p->file().string() << "\n"
              << "isolation  " << host::to_string(p->isolation()) << "\n"
              << "sandbox    " << (p->has_sandbox() ? "yes" : "no") << "\n";
    if (!m.secrets->empty()) {
        std::cout << "secrets\n";
        for (const auto& s : *m.secrets)
            std::cout << "  " << s.value("name", "?") << "  " << s.value("description", "") << "\n";
    }
    if (!m.limits->empty()) std::cout << "limits   " << m.limits->dump() << "\n";
    if (m.inbound->is_object()) {
        // Where its provider's callbacks go, and what each is.
        std::cout << "callbacks  POST /v1/inbound/" << m.name << "/default\n";
        for (const auto& c : (*m.inbound)["callbacks"])
            std::cout << "  " << c.value("name", "?") << "  " << c.value("content_type", "") << "  "
                      << c.value("verified_by", "") << "\n";
    }
    for (const auto& a : m.actions) {
        std::cout << "\naction " << m.name << "." << a.name
                  << (a.safe_to_repeat ? "  (safe to repeat)" : "  (not safe to repeat)")
                  << (a.channel.empty() ? "" : "  channel " + a.channel) << "\n  " << a.description
                  << "\n  input schema:\n"
                  << a.input_schema->dump(2) << "\n";
        if (!a.output_schema->empty())
            std::cout << "  output schema:\n" << a.output_schema->dump(2) << "\n";
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
