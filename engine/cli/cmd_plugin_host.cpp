// relance plugin-host --fd N: serves one plugin out of process for a worker (isolation:
// process). Started by the worker itself, never by hand; hidden from --help.
#include "cli_context.hpp"

namespace relance::cli {

void register_plugin_host(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "plugin-host", "serve one plugin for a worker, out of process (started by the worker)");
    cmd->group("");  // hidden: an internal verb
    static int fd = -1;
    cmd->add_option("--fd", fd, "the socket to the worker")->required();
    cmd->callback([] { set_exit(host::serve_plugin_host(fd)); });
}

}  // namespace relance::cli
