// relance validate FILE...
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/model/validate.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

nlohmann::json to_json(const model::Diagnostic& d) {
    return {{"file", d.pos.file},
            {"line", d.pos.line},
            {"column", d.pos.column},
            {"severity", d.severity == model::Diagnostic::Severity::error ? "error" : "warning"},
            {"message", d.message}};
}

int validate_files(const std::vector<std::string>& files) {
    SystemClock clock;
    auto host = load_host(clock, nullptr);
    // Started, not only loaded: a plugin whose create() fails must fail the workflows using it.
    activate_host(*host);
    auto config = workspace_config();
    bool failed = false;
    nlohmann::json report = nlohmann::json::array();
    for (const auto& file : files) {
        std::vector<model::Diagnostic> diags;
        try {
            model::Workflow wf = model::load_workflow_file(file);
            model::Program program = model::compile(wf);
            diags = model::validate(wf, program, *host, config.get());
        } catch (const model::LoadError& e) {
            diags = e.diagnostics();
        }
        bool errors = false;
        nlohmann::json items = nlohmann::json::array();
        for (const auto& d : diags) {
            errors |= d.severity == model::Diagnostic::Severity::error;
            items.push_back(to_json(d));
            if (!global_options().json) std::cerr << d.str() << "\n";
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
