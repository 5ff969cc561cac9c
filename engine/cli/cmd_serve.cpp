// relance serve: the HTTP API (api/) and, unless --no-worker, the worker in the same process.
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <relance/api/metrics.hpp>
#include <relance/api/server.hpp>
#include <thread>

#include "cli_context.hpp"
#include "stop_signals.hpp"

namespace relance::cli {

namespace {

struct ServeArgs {
    std::string listen = "127.0.0.1:8080";
    bool allow_remote = false;
    bool no_worker = false;
    int threads = 8;
    std::size_t max_body = 1u << 20;
    int read_timeout = 10;
    int write_timeout = 10;
    int idle_timeout = 30;
    int drain_timeout = 10;
    std::string log_format = "text";
    std::string metrics_token_file;  // "" = /metrics needs no token
    app::WorkerSettings worker;
};

struct ListenAddress {
    std::string host;  // as httplib binds it: an IP address without brackets, or localhost
    int port = 0;
    bool loopback = false;
};

// HOST:PORT with HOST an IPv4 address, [IPv6] or localhost; PORT 0 (any free port) to 65535.
std::optional<ListenAddress> parse_listen(const std::string& text, std::string* why) {
    ListenAddress a;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            *why = "expected [IPv6]:PORT, e.g. [::1]:8080";
            return std::nullopt;
        }
        a.host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        in6_addr v6{};
        if (inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
            *why = "'" + a.host + "' is not an IPv6 address";
            return std::nullopt;
        }
        a.loopback = IN6_IS_ADDR_LOOPBACK(&v6);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            *why = "expected HOST:PORT, e.g. 127.0.0.1:8080";
            return std::nullopt;
        }
        a.host = text.substr(0, colon);
        port = text.substr(colon + 1);
        in_addr v4{};
        if (a.host == "localhost") {
            a.loopback = true;
        } else if (inet_pton(AF_INET, a.host.c_str(), &v4) == 1) {
            a.loopback = (ntohl(v4.s_addr) >> 24) == 127;
        } else {
            *why =
                "'" + a.host + "' is not an IP address (use an IPv4 address, [IPv6] or localhost)";
            return std::nullopt;
        }
    }
    bool digits = !port.empty() && port.size() <= 5 &&
                  port.find_first_not_of("0123456789") == std::string::npos;
    a.port = digits ? std::stoi(port) : -1;
    if (a.port < 0 || a.port > 65535) {
        *why = "'" + port + "' is not a port (0 to 65535; 0 picks a free one)";
        return std::nullopt;
    }
    return a;
}

// The token /metrics asks for, from its file: the first line, surrounding blanks removed (a file
// keeps it out of the command line, which every user of the machine can read). nullopt, with
// the reason on stderr, when it cannot be read or is empty.
std::optional<std::string> read_metrics_token(const std::string& file) {
    std::ifstream in(file);
    std::string token;
    if (!in || !std::getline(in, token)) {
        std::cerr << "error: --metrics-token-file " << file << ": cannot read it\n";
        return std::nullopt;
    }
    auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!token.empty() && blank(token.back())) token.pop_back();
    std::size_t lead = 0;
    while (lead < token.size() && blank(token[lead])) ++lead;
    token.erase(0, lead);
    if (token.empty()) {
        std::cerr << "error: --metrics-token-file " << file << ": its first line is empty\n";
        return std::nullopt;
    }
    return token;
}

// Whether the in-process worker runs, for /readyz.
struct WorkerState {
    std::mutex m;
    bool running = false;
    std::string stopped_because;
};

int serve(const ServeArgs& args) {
    std::string why;
    auto address = parse_listen(args.listen, &why);  // the validator checked it
    if (!address) {
        std::cerr << "error: --listen " << why << "\n";
        return kUsage;
    }
    if (!address->loopback && !args.allow_remote) {
        std::cerr << "error: --listen " << args.listen
                  << " is not a loopback address: the API speaks plain HTTP, so put a TLS proxy "
                     "in front and pass --allow-remote (docs/operations.md)\n";
        return kUsage;
    }
    // Block SIGINT/SIGTERM before any thread starts (request threads, the worker's, plugins'):
    // threads inherit the mask, so only sigwait below sees them.
    api::MetricsOptions metrics_options;
    if (!args.metrics_token_file.empty()) {
        auto token = read_metrics_token(args.metrics_token_file);
        if (!token) return kUsage;
        metrics_options.bearer_token = std::move(*token);
    }
    sigset_t signals = stop_signals(true);

    // Made before the worker, which reports its calls and commits to it; it outlives both (a
    // call abandoned at shutdown may still report: the process then exits without destructors).
    auto metrics = std::make_shared<api::Metrics>(std::move(metrics_options));
    app::Workspace& workspace = cli::workspace();
    workspace.store();  // a store that does not open fails now, not at the first request
    // The worker next: a second worker on the same database exits (4) before binding a port.
    std::unique_ptr<app::Worker> worker;
    if (!args.no_worker) {
        app::WorkerSettings settings = args.worker;
        settings.observer = metrics.get();
        worker = std::make_unique<app::Worker>(workspace, settings);
        report_plugin_failures(workspace);
    }

    WorkerState state;
    api::ServerHooks hooks;
    if (worker) {
        hooks.work_added = [&worker] { worker->executor().notify(); };
        hooks.worker_problem = [&state]() -> std::optional<std::string> {
            std::lock_guard g(state.m);
            if (state.running) return std::nullopt;
            return state.stopped_because.empty() ? std::string("it stopped")
                                                 : state.stopped_because;
        };
    }
    api::ServerOptions options;
    options.host = address->host;
    options.port = address->port;
    options.threads = args.threads;
    options.max_body = args.max_body;
    options.read_timeout = std::chrono::seconds{args.read_timeout};
    options.write_timeout = std::chrono::seconds{args.write_timeout};
    options.idle_timeout = std::chrono::seconds{args.idle_timeout};
    options.log_format = args.log_format == "json" ? api::LogFormat::json : api::LogFormat::text;
    options.log = stderr;
    options.metrics = metrics;
    auto server = std::make_unique<api::Server>(workspace, options, hooks);
    int port = server->bind();
    server->start();

    std::stop_source stop_worker;
    std::thread worker_thread;
    if (worker) {
        state.running = true;
        worker_thread = std::thread([&] {
            std::string because = "it stopped";
            try {
                worker->run(stop_worker.get_token());
            } catch (const std::exception& e) {
                because = std::string("it failed: ") + e.what();
                std::cerr << "serve: the worker failed: " << e.what() << "\n";
            }
            std::lock_guard g(state.m);
            state.running = false;
            state.stopped_because = because;
        });
    }
    std::string shown_host =
        address->host.find(':') != std::string::npos ? "[" + address->host + "]" : address->host;
    std::cerr << "serve: listening on http://" << shown_host << ":" << port << " ("
              << (worker ? "with the worker" : "no worker") << ", "
              << (global_options().live ? "live" : "sandbox") << " mode); SIGTERM or Ctrl-C stops"
              << std::endl;

    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "serve: stopping: no new connections, requests in progress get up to "
              << args.drain_timeout << " s" << (worker ? ", the worker finishes its batch" : "")
              << std::endl;
    // Both at once: the worker finishes or gives back what it claimed while requests drain.
    stop_worker.request_stop();
    bool drained = server->stop(std::chrono::seconds{args.drain_timeout});
    if (worker_thread.joinable()) worker_thread.join();
    bool abandoned = worker && worker->has_abandoned_calls();
    if (worker) print_worker_report(std::cerr, worker->report(), false);
    if (!drained)
        std::cerr << "serve: requests still in progress after " << args.drain_timeout
                  << " s: leaving without them\n";
    std::cerr << "serve: stopped" << std::endl;
    if (!drained || abandoned) {
        // Threads still use the server, or a plugin is still inside a call: nothing may be
        // destroyed. Everything acknowledged is committed.
        std::fflush(nullptr);
        std::_Exit(kOk);
    }
    server.reset();
    return kOk;
}

}  // namespace

void register_serve(CLI::App& app) {
    static ServeArgs args;
    auto* cmd = app.add_subcommand(
        "serve",
        "serve the HTTP API (docs/api.md) and run the worker in the same process; SIGTERM "
        "drains requests and stops the worker");
    cmd->add_option("--listen", args.listen,
                    "HOST:PORT to listen on: an IPv4 address, [IPv6] or localhost; port 0 picks "
                    "a free one (printed on stderr)")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](std::string& v) {
                std::string why;
                return parse_listen(v, &why) ? std::string() : why;
            },
            "HOST:PORT"));
    cmd->add_flag("--allow-remote", args.allow_remote,
                  "allow a --listen address that is not loopback (plain HTTP: put a TLS proxy in "
                  "front)");
    cmd->add_flag("--no-worker", args.no_worker, "serve the API only; run `relance worker` apart");
    cmd->add_option("--threads", args.threads,
                    "requests served at once; more connections wait in a queue")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--max-body", args.max_body, "largest request body in bytes (413 beyond)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20));
    cmd->add_option("--read-timeout", args.read_timeout,
                    "seconds for a whole request to arrive: line, headers and body (408 beyond)")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--write-timeout", args.write_timeout,
                    "seconds each write of a response may wait for the client")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--idle-timeout", args.idle_timeout,
                    "seconds a kept-alive connection may wait for its next request")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--drain-timeout", args.drain_timeout,
                    "seconds requests in progress get to finish after SIGTERM")
        ->capture_default_str()
        ->check(CLI::Range(0, 300));
    cmd->add_option("--log-format", args.log_format, "access log on stderr: text or json")
        ->capture_default_str()
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--metrics-token-file", args.metrics_token_file,
                    "GET /metrics then needs Authorization: Bearer <the file's first line> "
                    "(env RELANCE_METRICS_TOKEN_FILE); without it /metrics needs no key")
        ->envname("RELANCE_METRICS_TOKEN_FILE");
    cmd->add_option("--concurrency", args.worker.concurrency,
                    "the worker's plugin calls in flight at once")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--batch", args.worker.batch, "runs the worker claims per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->callback([] { set_exit(guarded([] { return serve(args); })); });
}

}  // namespace relance::cli
