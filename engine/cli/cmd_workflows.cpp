// relance deploy FILE...: validate and deploy workflows (the version new runs take: webhook and
// cron triggers, POST /v1/runs). relance workflows list | show NAME: what is deployed.
// A running `relance serve` sees a deploy within a second; no restart.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/time_text.hpp>
#include <sstream>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw app::Error(app::ErrorKind::invalid, "cannot read " + path, "file");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void print_text(const app::DeployedWorkflow& w) {
    std::cout << w.name << " v" << w.version << " (version " << w.version_id << ", deployed "
              << runtime::format_iso(w.deployed_at) << ")\n";
    for (const auto& h : w.hooks)
        std::cout << "  hook  POST /v1/hooks/" << h.name << "  (" << h.scheme << ")\n";
    for (const auto& c : w.crons) std::cout << "  cron  " << c << "\n";
}

int deploy(const std::vector<std::string>& files) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& file : files) {
        app::DeployedWorkflow w = workspace().deploy_workflow(read_file(file), file);
        if (global_options().json) {
            auto v = app::workflow_view(w);
            v["changed"] = w.changed;
            out.push_back(std::move(v));
        } else {
            std::cout << (w.changed ? "deployed " : "already deployed ");
            print_text(w);
        }
    }
    if (global_options().json) std::cout << nlohmann::json{{"deployed", out}}.dump(2) << "\n";
    return kOk;
}

int list() {
    auto all = workspace().workflows();
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& w : all) out.push_back(app::workflow_view(w));
        std::cout << nlohmann::json{{"workflows", out}}.dump(2) << "\n";
        return kOk;
    }
    for (const auto& w : all) print_text(w);
    if (all.empty()) std::cout << "(no workflow deployed: relance deploy FILE)\n";
    return kOk;
}

int show(const std::string& name) {
    auto w = workspace().get_workflow(name);
    if (global_options().json)
        std::cout << app::workflow_view(w).dump(2) << "\n";
    else
        print_text(w);
    return kOk;
}

}  // namespace

void register_workflows(CLI::App& app) {
    static std::vector<std::string> files;
    auto* dep = app.add_subcommand(
        "deploy",
        "validate and deploy workflows: new runs (webhook and cron triggers, POST /v1/runs) take "
        "the deployed version; runs already started keep theirs; a running server sees it "
        "within a second");
    dep->add_option("files", files, "workflow files")->required()->check(CLI::ExistingFile);
    dep->callback([] { set_exit(guarded([] { return deploy(files); })); });

    static std::string name;
    auto* wf = app.add_subcommand("workflows", "the deployed workflows, their hooks and crons");
    wf->require_subcommand(1);
    auto* ls = wf->add_subcommand("list", "every deployed workflow");
    ls->callback([] { set_exit(guarded([] { return list(); })); });
    auto* sh = wf->add_subcommand("show", "one deployed workflow");
    sh->add_option("name", name, "workflow name")->required();
    sh->callback([] { set_exit(guarded([] { return show(name); })); });
}

}  // namespace relance::cli
