// The cost of one plugin call through the host, in each isolation mode, with the noop plugin
// (no work of its own): what the deadline machinery (in process) and the socket round trip to
// a `relance plugin-host` child (out of process) add per call. Figures are printed, never
// asserted: docs/performance.md ("Plugin calls") has them with the command.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <relance/host/plugin_host.hpp>
#include <sstream>

using namespace relance;

namespace {

// One host per mode for the whole run, shared by the benchmark's threads.
host::LoadedPlugin& noop(host::Isolation isolation) {
    static std::mutex mutex;
    static std::map<host::Isolation, std::unique_ptr<host::PluginHost>> hosts;
    static SystemClock clock;
    std::lock_guard lock(mutex);
    auto& h = hosts[isolation];
    if (!h) {
        host::HostConfig c;
        c.plugin_path = {std::filesystem::path(RELANCE_PLUGIN_DIR) / "noop.so"};
        c.clock = &clock;
        c.default_isolation = isolation;
        c.plugin_host_command = {RELANCE_BIN, "plugin-host"};
        h = std::make_unique<host::PluginHost>(std::move(c));
        h->load_all();
        h->activate();
        if (!h->find("noop")) throw std::runtime_error("noop did not load");
    }
    return *h->find("noop");
}

// CPU time of this process (all its threads) and of its children still running (the
// plugin-host processes), in microseconds: what a call costs the machine, whichever thread or
// process spends it. Wall time on a shared 2-core machine says more about the neighbours.
double cpu_us() {
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    double us = (self.ru_utime.tv_sec + self.ru_stime.tv_sec) * 1e6 + self.ru_utime.tv_usec +
                self.ru_stime.tv_usec;
    const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "stat");
        std::string line;
        if (!std::getline(in, line)) continue;
        auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        long long ppid = 0, utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 4) ppid = std::stoll(field);
            if (i == 14) utime = std::stoll(field);
            if (i == 15) stime = std::stoll(field);
        }
        if (ppid == getpid()) us += static_cast<double>(utime + stime) * tick_us;
    }
    return us;
}

void invoke(benchmark::State& state, host::Isolation isolation) {
    host::LoadedPlugin& plugin = noop(isolation);
    host::ActionRequest request;
    request.action = "pass";
    request.input = {{"email", "ana@acme.io"}, {"first_name", "Ana"}, {"step", 3}};
    request.message_id = "run-1.intro.1";
    request.run_id = "run-1";
    double cpu_before = state.thread_index() == 0 ? cpu_us() : 0;
    for (auto _ : state) {
        host::ActionOutcome out = plugin.invoke(request);
        if (out.status != host::ActionOutcome::Status::ok) state.SkipWithError(out.error.c_str());
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0)
        // Every thread runs as many iterations: the process's CPU over all of them.
        state.counters["cpu_us_per_call"] =
            (cpu_us() - cpu_before) / static_cast<double>(state.iterations() * state.threads());
}

void BM_InvokeInProcess(benchmark::State& state) {
    invoke(state, host::Isolation::in_process);
}
void BM_InvokeOutOfProcess(benchmark::State& state) {
    invoke(state, host::Isolation::process);
}

// Threads: calls in flight at once (the executor holds up to 32), multiplexed on one socket
// out of process.
BENCHMARK(BM_InvokeInProcess)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_InvokeOutOfProcess)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
