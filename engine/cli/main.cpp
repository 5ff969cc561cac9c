// relance — the command line. Each verb lives in its own cmd_*.cpp.
#include <iostream>

#include "allocator.hpp"
#include "cli_context.hpp"

int main(int argc, char** argv) {
    using namespace relance::cli;
    CLI::App app{"relance — durable outbound automation: workflows, plugins, sandboxes"};
    // The allocator is part of the version: the performance figures depend on it.
    app.set_version_flag("--version", "relance 0.1.0 (" + allocator_name() + ")");
    app.require_subcommand(1);
    app.fallthrough();  // global options may follow the verb
    add_global_options(app);
    register_validate(app);
    register_run(app);
    register_worker(app);
    register_runs(app);
    register_plugins(app);
    register_sandbox(app);
    register_simulate(app);
    register_event(app);
    register_suppress(app);
    register_contacts(app);
    register_stats(app);
    register_senders(app);
    register_keys(app);
    register_secrets(app);
    register_workflows(app);
    register_serve(app);
    register_subscriptions(app);
    register_bench(app);
    register_plugin_host(app);
    list_global_options_in_verb_help(app);
    app.parse_complete_callback(apply_logging);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kUsage;
    }
    return exit_code();
}
