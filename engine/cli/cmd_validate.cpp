// relance validate FILE...
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

nlohmann::json to_json(const app::WorkflowProblem& p) {
    return {{"file", p.pos.file},
            {"line", p.pos.line},
            {"column", p.pos.column},
            {"severity", p.severity},
            {"message", p.message}};
}

int validate_files(const std::vector<std::string>& files) {
    app::Workspace& ws = workspace();
    // Started, not only loaded: a plugin whose create() fails must fail the workflows using it.
    ws.active_plugins();
    report_plugin_failures(ws);
    bool failed = false;
    nlohmann::json report = nlohmann::json::array();
    for (const auto& file : files) {
        app::WorkflowCheck check = ws.validate_workflow_file(file);
        bool errors = false;
        nlohmann::json items = nlohmann::json::array();
        for (const auto& p : check.problems) {
            errors |= p.severity == "error";
            items.push_back(to_json(p));
            if (!global_options().json) std::cerr << p.text << "\n";
        }
        failed |= errors;
        report.push_back({{"file", file}, {"valid", !errors}, {"diagnostics", items}});
        if (!global_options().json && !errors) std::cout << file << ": ok\n";
    }
    if (global_options().json) std::cout << report.dump(2) << "\n";
    return failed ? kInvalid : kOk;
}

}  // namespace

void register_validate(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "validate",
        "check workflow files: syntax, plugin actions and their inputs, template variables, "
        "unreachable steps, senders (with --config); errors name file:line:col");
    static std::vector<std::string> files;
    cmd->add_option("files", files, "workflow files")->required()->check(CLI::ExistingFile);
    cmd->callback([] { set_exit(guarded([] { return validate_files(files); })); });
}

}  // namespace relance::cli
