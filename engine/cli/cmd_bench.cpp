// relance bench: durable steps per second, runs per second and timer wake-up latency on SQLite,
// through the real executor, store and a real plugin (noop) loaded by the host.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/simulate.hpp>
#include <thread>

#include "allocator.hpp"
#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct BenchArgs {
    int runs = 20000;
    int timers = 200;
    int batch = 256;
    int concurrency = 1;
    int simulate_leads = 10000;
    std::string dir;
};

constexpr const char* kFiveSteps = R"(name: bench_five_steps
version: 1
inputs:
  n: integer
steps:
  - uses: noop.pass
    with: {n: "{{ inputs.n }}"}
  - uses: noop.pass
    with: {n: "{{ inputs.n }}"}
  - uses: noop.pass
    with: {n: "{{ inputs.n }}"}
  - uses: noop.pass
    with: {n: "{{ inputs.n }}"}
  - uses: noop.pass
    with: {n: "{{ inputs.n }}"}
)";

constexpr const char* kTimer = R"(name: bench_timer
version: 1
inputs:
  n: integer
steps:
  - wait: 2s
  - id: after
    uses: noop.pass
    with: {n: "{{ inputs.n }}"}
)";

// Eight touches over thirty days (the shape of a real outbound sequence).
std::string eight_step_sequence() {
    std::string y =
        "name: bench_sequence\nversion: 1\ninputs:\n  email: {type: string, required: true}\n"
        "sequence:\n";
    int days[] = {0, 2, 4, 7, 10, 14, 20, 27};
    for (int i = 0; i < 8; ++i)
        y += "  - day: " + std::to_string(days[i]) +
             "\n    uses: sendgrid.send\n    with: {to: "
             "\"{{ contact.email }}\", from: sam@relance-demo.test, subject: touch, text: hi}\n";
    return y;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<nlohmann::json> records(int n) {
    std::vector<nlohmann::json> out;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) out.push_back({{"id", std::to_string(i)}, {"n", i}});
    return out;
}

int bench(const BenchArgs& args) {
    namespace fs = std::filesystem;
    fs::path dir = args.dir.empty() ? fs::temp_directory_path() : fs::path(args.dir);
    fs::path db = dir / ("relance-bench-" + std::to_string(::getpid()) + ".db");
    struct Cleanup {
        fs::path db;
        ~Cleanup() {
            for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
        }
    } cleanup{db};

    SystemClock clock;
    auto store = open_store(db.string());
    auto host = load_host(clock, store.get());
    activate_host(*host);
    if (!host->find("noop")) {
        std::cerr << "error: the noop plugin is not on the plugin path\n";
        return kFailure;
    }
    runtime::ExecutorOptions options;
    options.batch_size = args.batch;
    options.concurrency = args.concurrency;

    // 1. Throughput: N runs of five durable action steps each.
    auto wf = model::load_workflow_text(kFiveSteps, "bench_five_steps.yaml");
    auto recs = records(args.runs);
    std::vector<std::string> where(recs.size());
    auto t0 = std::chrono::steady_clock::now();
    auto started = runtime::start_runs(*store, wf, recs, where, clock);
    double start_s = seconds_since(t0);
    runtime::Executor executor(*store, *host, clock, options);
    t0 = std::chrono::steady_clock::now();
    executor.run_due();
    double exec_s = seconds_since(t0);
    auto stats = executor.stats();
    auto counts = store->count_runs();
    std::int64_t completed = counts.by_status[static_cast<int>(store::RunStatus::completed)];

    // 2. Timer wake-up: runs wait 2 s, then a step; latency = step start - timer due time.
    auto twf = model::load_workflow_text(kTimer, "bench_timer.yaml");
    auto trecs = records(args.timers);
    std::vector<std::string> twhere(trecs.size());
    runtime::Executor timer_exec(*store, *host, clock, options);
    std::stop_source stop;
    std::thread worker([&] { timer_exec.run_forever(stop.get_token()); });
    auto tstarted = runtime::start_runs(*store, twf, trecs, twhere, clock);
    timer_exec.notify();
    store::RunFilter done_filter;
    done_filter.workflow = "bench_timer";
    done_filter.status = store::RunStatus::completed;
    done_filter.limit = args.timers + 1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (store->list_runs(done_filter).size() < tstarted.started.size() &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.request_stop();
    timer_exec.notify();
    worker.join();
    std::vector<std::int64_t> latencies;
    for (const auto& id : tstarted.started) {
        std::int64_t due = 0, woke = -1;
        for (const auto& s : store->list_steps(id)) {
            if (s.kind == "wait") due = s.started_at + 2000;
            if (s.step_id == "after" && s.status == store::StepStatus::started) woke = s.started_at;
            if (s.step_id == "after" && woke < 0) woke = s.started_at;
        }
        if (woke >= 0) latencies.push_back(woke - due);
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) -> std::int64_t {
        if (latencies.empty()) return -1;
        return latencies[std::min(
            latencies.size() - 1,
            static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
    };

    // 3. Simulation: N leads through an eight-step, thirty-day sequence against the SendGrid
    // emulator (real loopback HTTP), with a scenario of opens, replies and bounces.
    double sim_s = 0;
    std::size_t sim_sends = 0, sim_events = 0;
    if (args.simulate_leads > 0) {
        VirtualClock vclock(from_unix_ms(1'767'603'600'000));  // Mon 2026-01-05 09:00Z
        auto sim_store = open_store(":memory:");
        auto sim_host = load_host(vclock, sim_store.get(), true);
        activate_host(*sim_host);
        std::vector<nlohmann::json> leads;
        for (int i = 0; i < args.simulate_leads; ++i)
            leads.push_back({{"id", std::to_string(i)},
                             {"email", "lead" + std::to_string(i) + "@co" +
                                           std::to_string(i % 500) + ".test"}});
        runtime::SimulationOptions options;
        options.days = 30;
        options.executor.batch_size = args.batch;
        options.executor.concurrency = 8;
        options.scenario = runtime::Scenario::parse(nlohmann::json::parse(
            R"({"seed": 42, "default": {"bounced": {"p": 0.03, "after": "5m"},
                "opened": {"p": 0.45, "after": "5h"}, "replied": {"p": 0.06, "after": "1d"}}})"));
        auto t_sim = std::chrono::steady_clock::now();
        auto report = runtime::simulate(*sim_store, *sim_host, vclock,
                                        model::load_workflow_text(eight_step_sequence(), "bench"),
                                        leads, std::vector<std::string>(leads.size()), options);
        sim_s = seconds_since(t_sim);
        sim_sends = report.stats.actions;
        for (const auto& [type, n] : report.events) sim_events += static_cast<std::size_t>(n);
    }

    double steps_per_s = static_cast<double>(stats.actions) / exec_s;
    double runs_per_s = static_cast<double>(completed) / exec_s;
    if (global_options().json) {
        std::cout << nlohmann::json{{"runs", args.runs},
                                    {"runs_completed", completed},
                                    {"durable_steps", stats.actions},
                                    {"commits", stats.commits},
                                    {"start_runs_per_second", args.runs / start_s},
                                    {"steps_per_second", steps_per_s},
                                    {"runs_per_second", runs_per_s},
                                    {"timer_wakeup_ms_p50", pct(0.50)},
                                    {"timer_wakeup_ms_p99", pct(0.99)},
                                    {"timer_wakeup_ms_max",
                                     latencies.empty() ? -1 : latencies.back()},
                                    {"simulate_leads", args.simulate_leads},
                                    {"simulate_seconds", sim_s},
                                    {"simulate_sends", sim_sends},
                                    {"simulate_events", sim_events},
                                    {"batch", args.batch},
                                    {"concurrency", args.concurrency},
                                    {"allocator", allocator_name()}}
                         .dump(2)
                  << "\n";
        return kOk;
    }
    std::printf("relance bench: five-step workflow through noop.pass on SQLite (%s)\n", db.c_str());
    std::printf("  batch %d, concurrency %d, %u hardware threads, %s\n", args.batch,
                args.concurrency, std::thread::hardware_concurrency(), allocator_name().c_str());
    std::printf("  start runs     %7zu runs in %6.2f s   %9.0f runs/s\n", started.started.size(),
                start_s, args.runs / start_s);
    std::printf("  execute        %7llu durable steps in %6.2f s   %9.0f steps/s  (%llu commits)\n",
                static_cast<unsigned long long>(stats.actions), exec_s, steps_per_s,
                static_cast<unsigned long long>(stats.commits));
    std::printf("                 %7lld runs completed   %9.0f runs/s\n",
                static_cast<long long>(completed), runs_per_s);
    std::printf("  timer wake-up  %7zu timers: p50 %lld ms, p99 %lld ms, max %lld ms\n",
                latencies.size(), static_cast<long long>(pct(0.5)),
                static_cast<long long>(pct(0.99)),
                static_cast<long long>(latencies.empty() ? -1 : latencies.back()));
    if (args.simulate_leads > 0)
        std::printf(
            "  simulate       %7d leads x 8 steps x 30 days: %zu sends, %zu scenario "
            "events in %.1f s\n",
            args.simulate_leads, sim_sends, sim_events, sim_s);
    return completed == args.runs ? kOk : kFailure;
}

}  // namespace

void register_bench(CLI::App& app) {
    static BenchArgs args;
    auto* cmd = app.add_subcommand(
        "bench", "measure durable steps/s, runs/s and timer wake-up latency on SQLite");
    cmd->add_option("--runs", args.runs, "runs of the five-step workflow")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000'000));
    cmd->add_option("--timers", args.timers, "runs for the wake-up latency")
        ->capture_default_str()
        ->check(CLI::Range(0, 1'000'000));
    cmd->add_option("--batch", args.batch, "runs claimed per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--concurrency", args.concurrency, "plugin calls in flight")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--simulate-leads", args.simulate_leads,
                    "leads for the simulation figure (eight-step, thirty-day sequence); 0 skips")
        ->capture_default_str()
        ->check(CLI::Range(0, 10'000'000));
    cmd->add_option("--dir", args.dir, "where the temporary database goes (default: /tmp)");
    cmd->callback([] { set_exit(guarded([] { return bench(args); })); });
}

}  // namespace relance::cli
