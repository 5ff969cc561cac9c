// The metrics behind GET /metrics, with prometheus-cpp's core library (its registry, metric
// families and text serializer; never its civetweb exposer: the server is ours). Counters live
// in one registry for the life of the process. The store's figures go into a registry of their
// own, made anew at each read, so a series that no longer exists (a workflow whose runs were
// all deleted) goes with it instead of staying at its last value.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <mutex>
#include <relance/api/metrics.hpp>
#include <relance/app/workspace.hpp>
#include <relance/base/digest.hpp>
#include <relance/signatures/hmac.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace relance::api {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Plugin calls take from microseconds (a lookup in process) to a minute (a provider's timeout):
// seconds, roughly x2.5 apart.
const Histogram::BucketBoundaries kCallBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

constexpr store::RunStatus kRunStatuses[] = {store::RunStatus::ready,  store::RunStatus::waiting,
                                             store::RunStatus::paused, store::RunStatus::completed,
                                             store::RunStatus::exited, store::RunStatus::failed};

// The plugin of a step row: the part of an action's kind before the dot ("sendgrid" of
// "sendgrid.send"); built-in steps (wait, if, set, lua, exit...) are "builtin". Bounded: only
// plugins that loaded have steps.
std::string_view plugin_of(std::string_view kind) {
    auto dot = kind.find('.');
    return dot == std::string_view::npos ? std::string_view("builtin") : kind.substr(0, dot);
}

}  // namespace

struct Metrics::Impl {
    explicit Impl(MetricsOptions o)
        : options(std::move(o)),
          token_digest(options.bearer_token.empty() ? std::string()
                                                    : sha256_hex(options.bearer_token)),
          registry(std::make_shared<prometheus::Registry>()),
          steps(prometheus::BuildCounter()
                    .Name("relance_steps_total")
                    .Help("Step rows committed by this process's worker, by plugin ('builtin' "
                          "for built-in steps) and status; an action counts once as started "
                          "and once as its outcome")
                    .Register(*registry)),
          calls(prometheus::BuildCounter()
                    .Name("relance_plugin_calls_total")
                    .Help("Plugin calls made by this process's worker, by plugin, action and "
                          "outcome")
                    .Register(*registry)),
          call_seconds(prometheus::BuildHistogram()
                           .Name("relance_plugin_call_duration_seconds")
                           .Help("How long plugin calls took, by plugin and action")
                           .Register(*registry)),
          requests(prometheus::BuildCounter()
                       .Name("relance_http_requests_total")
                       .Help("HTTP responses sent, by method, route pattern and status")
                       .Register(*registry)) {}

    MetricsOptions options;
    std::string token_digest;  // hex SHA-256 of the token; "" = no token needed
    std::shared_ptr<prometheus::Registry> registry;
    Family<Counter>& steps;
    Family<Counter>& calls;
    Family<Histogram>& call_seconds;
    Family<Counter>& requests;

    // The series of each (plugin, action, outcome) a call reported, found again without
    // building label maps (and a histogram: Family::Add makes one before it looks) per call.
    struct CallSeries {
        Counter* calls = nullptr;
        Histogram* seconds = nullptr;
    };
    std::mutex calls_m;
    std::unordered_map<std::string, CallSeries> call_series;  // "plugin\naction\noutcome"

    CallSeries& series_of(std::string_view plugin, std::string_view action,
                          std::string_view outcome) {
        std::string key;
        key.reserve(plugin.size() + action.size() + outcome.size() + 2);
        key.append(plugin).append(1, '\n').append(action).append(1, '\n').append(outcome);
        std::lock_guard g(calls_m);
        auto [it, added] = call_series.try_emplace(std::move(key));
        if (added) {
            std::string p(plugin), a(action);
            it->second.calls =
                &calls.Add({{"plugin", p}, {"action", a}, {"outcome", std::string(outcome)}});
            it->second.seconds = &call_seconds.Add({{"plugin", p}, {"action", a}}, kCallBuckets);
        }
        return it->second;
    }

    // The store's figures as last read, and when (steady clock): scrapes in between reuse them.
    std::mutex store_m;
    std::vector<prometheus::MetricFamily> store_families;
    std::chrono::steady_clock::time_point store_read_at;
    bool store_read = false;

    static std::vector<prometheus::MetricFamily> store_state(
        const app::Workspace::StoreFigures& f) {
        prometheus::Registry r;
        auto& runs = prometheus::BuildGauge()
                         .Name("relance_runs")
                         .Help("Runs in the store, by workflow and status")
                         .Register(r);
        // Every status of every workflow that has runs, zeros included: a series that
        // vanishes is not a series that fell to 0.
        std::string workflow;
        for (std::size_t i = 0; i < f.runs.size(); ++i) {
            if (i > 0 && f.runs[i].workflow == f.runs[i - 1].workflow) continue;
            workflow = f.runs[i].workflow;
            for (store::RunStatus s : kRunStatuses)
                runs.Add({{"workflow", workflow}, {"status", store::to_string(s)}});
        }
        for (const auto& t : f.runs)
            runs.Add({{"workflow", t.workflow}, {"status", store::to_string(t.status)}})
                .Set(static_cast<double>(t.count));
        prometheus::BuildGauge()
            .Name("relance_runs_in_doubt")
            .Help("Runs paused on an in-doubt step, waiting for `relance runs resolve`")
            .Register(r)
            .Add({})
            .Set(static_cast<double>(f.queue.in_doubt));
        prometheus::BuildGauge()
            .Name("relance_queue_depth")
            .Help("Runs due now (ready or waiting, due time passed), claimed by a worker or not")
            .Register(r)
            .Add({})
            .Set(static_cast<double>(f.queue.due));
        double lag =
            f.queue.oldest_unclaimed_due
                ? std::max<double>(0, static_cast<double>(f.now - *f.queue.oldest_unclaimed_due)) /
                      1000.0
                : 0.0;
        prometheus::BuildGauge()
            .Name("relance_due_lag_seconds")
            .Help("How late the oldest due run that no worker has claimed is; 0 when none waits")
            .Register(r)
            .Add({})
            .Set(lag);
        // The outbox: webhook deliveries not yet delivered (pending, retrying included), and how
        // old the oldest is. A backlog that grows is a receiver that is down or slow.
        prometheus::BuildGauge()
            .Name("relance_outbox_backlog")
            .Help("Outbound webhook deliveries waiting to be delivered (first attempt or retry)")
            .Register(r)
            .Add({})
            .Set(static_cast<double>(f.outbox.pending));
        const auto& oldest = f.outbox.oldest_pending_at;
        prometheus::BuildGauge()
            .Name("relance_outbox_oldest_seconds")
            .Help("Age of the oldest undelivered webhook delivery; 0 when none waits")
            .Register(r)
            .Add({})
            .Set(oldest ? std::max<double>(0, static_cast<double>(f.now - *oldest)) / 1000.0 : 0.0);
        return r.Collect();
    }
};

Metrics::Metrics(MetricsOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Metrics::~Metrics() = default;

void Metrics::call_finished(std::string_view plugin, std::string_view action,
                            std::string_view outcome, std::chrono::nanoseconds duration) {
    Impl::CallSeries& series = impl_->series_of(plugin, action, outcome);
    series.calls->Increment();
    series.seconds->Observe(std::chrono::duration<double>(duration).count());
}

void Metrics::committed(const store::Batch& batch, const std::vector<std::string>& lost) {
    // Counted per batch first: one look-up in the family per (plugin, status), not per row.
    struct Tally {
        std::string_view plugin;
        store::StepStatus status;
        double n;
    };
    std::vector<Tally> tallies;
    auto count = [&](const store::StepRecord& s) {
        if (!lost.empty() && std::find(lost.begin(), lost.end(), s.run_id) != lost.end()) return;
        std::string_view plugin = plugin_of(s.kind);
        for (auto& t : tallies)
            if (t.status == s.status && t.plugin == plugin) {
                ++t.n;
                return;
            }
        tallies.push_back({plugin, s.status, 1});
    };
    for (const auto& s : batch.insert_steps) count(s);
    for (const auto& s : batch.update_steps) count(s);
    for (const auto& t : tallies)
        impl_->steps
            .Add({{"plugin", std::string(t.plugin)}, {"outcome", store::to_string(t.status)}})
            .Increment(t.n);
}

void Metrics::request_served(std::string_view method, std::string_view route, int status) {
    // A request no route took has any path and any method: both collapse into one label value.
    bool matched = !route.empty();
    impl_->requests
        .Add({{"method", matched ? std::string(method) : std::string("-")},
              {"route", matched ? std::string(route) : std::string("unmatched")},
              {"status", std::to_string(status)}})
        .Increment();
}

bool Metrics::needs_token() const {
    return !impl_->token_digest.empty();
}

bool Metrics::token_matches(std::string_view token) const {
    if (impl_->token_digest.empty()) return true;
    return signatures::constant_time_equal(sha256_hex(token), impl_->token_digest);
}

std::string Metrics::scrape(app::Workspace& workspace) {
    std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
    {
        std::lock_guard g(impl_->store_m);
        auto now = std::chrono::steady_clock::now();
        if (!impl_->store_read || now - impl_->store_read_at >= impl_->options.store_every) {
            impl_->store_families = Impl::store_state(workspace.store_figures());
            impl_->store_read_at = now;
            impl_->store_read = true;
        }
        families.insert(families.end(), impl_->store_families.begin(), impl_->store_families.end());
    }
    return prometheus::TextSerializer().Serialize(families);
}

}  // namespace relance::api
