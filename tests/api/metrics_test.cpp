// GET /metrics of a real `relance serve`: runs by workflow and status, steps and plugin calls of
// the in-process worker, the call latency histogram, requests by route pattern and status, the
// queue, all as Prometheus text that parses line by line; and the optional bearer token.
#include <cmath>
#include <map>
#include <regex>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

// One scrape, parsed: each sample by its series, written `name{a="x",b="y"}` with its labels in
// name order (whatever order the text had them in).
using Samples = std::map<std::string, double>;

// Parses the text exposition format 0.0.4 strictly enough to catch a malformed line: every line
// is a HELP or TYPE comment, or `name{labels} value`, with a TYPE before its samples.
::testing::AssertionResult parse_exposition(const std::string& text, Samples& out) {
    static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static const std::regex kComment("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)");
    static const std::regex kTypes("counter|gauge|histogram|summary|untyped");
    std::map<std::string, std::string> types;
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        auto bad = [&](const std::string& why) {
            return ::testing::AssertionFailure() << "line " << n << ": " << why << ": " << line;
        };
        if (line.empty()) continue;
        std::smatch m;
        if (line[0] == '#') {
            if (!std::regex_match(line, m, kComment)) return bad("not a HELP or TYPE line");
            if (m[1] == "TYPE") {
                if (!std::regex_match(m[3].str(), kTypes)) return bad("unknown type");
                types[m[2]] = m[3];
            }
            continue;
        }
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        std::string name = line.substr(0, i);
        if (!std::regex_match(name, kName)) return bad("bad metric name");
        std::map<std::string, std::string> labels;
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                std::size_t eq = line.find('=', i);
                if (eq == std::string::npos) return bad("label without '='");
                std::string label = line.substr(i, eq - i);
                if (!std::regex_match(label, kName)) return bad("bad label name");
                i = eq + 1;
                if (i >= line.size() || line[i] != '"') return bad("label value not quoted");
                std::string value;
                for (++i; i < line.size() && line[i] != '"'; ++i) {
                    if (line[i] == '\\') {
                        if (++i >= line.size()) return bad("dangling escape");
                        char c = line[i];
                        if (c != '\\' && c != '"' && c != 'n') return bad("bad escape");
                        value += c == 'n' ? '\n' : c;
                    } else {
                        value += line[i];
                    }
                }
                if (i >= line.size()) return bad("unterminated label value");
                ++i;
                labels[label] = value;
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size()) return bad("unterminated labels");
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') return bad("no space before the value");
        std::istringstream rest(line.substr(i + 1));
        std::string value_text, timestamp, extra;
        rest >> value_text >> timestamp >> extra;
        if (!extra.empty()) return bad("more than a value and a timestamp");
        double value = 0;
        if (value_text == "+Inf") {
            value = INFINITY;
        } else if (value_text == "-Inf") {
            value = -INFINITY;
        } else if (value_text == "NaN") {
            value = NAN;
        } else {
            char* end = nullptr;
            value = std::strtod(value_text.c_str(), &end);
            if (value_text.empty() || *end != '\0') return bad("the value is not a number");
        }
        // Its family: the name itself, or a histogram's _bucket, _sum and _count.
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            std::string s(suffix);
            if (!types.count(family) && name.size() > s.size() &&
                name.compare(name.size() - s.size(), s.size(), s) == 0)
                family = name.substr(0, name.size() - s.size());
        }
        if (!types.count(family)) return bad("a sample before its TYPE");
        std::string series = name + "{";
        bool first = true;
        for (const auto& [k, v] : labels) {
            series += (first ? "" : ",") + k + "=\"" + v + "\"";
            first = false;
        }
        series += "}";
        if (out.count(series)) return bad("the same series twice");
        out[series] = value;
    }
    return ::testing::AssertionSuccess();
}

class MetricsEndpoint : public Api {
  protected:
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    }

    // A workflow of one noop step.
    std::string workflow(const std::string& name, const std::string& uses,
                         const std::string& with) {
        return write(name + ".yaml", "name: " + name +
                                         "\nversion: 1\ninputs:\n  email: {type: string, "
                                         "required: true}\nsteps:\n  - id: call\n    uses: " +
                                         uses + "\n    with: " + with + "\n");
    }

    // Two runs in each of three workflows, which the server's worker then runs: `quick`
    // completes (noop.pass), `broken` fails (a permanent failure), `doubt` pauses in doubt.
    void start_runs() {
        std::string leads = write("leads.csv", "email\na@x.test\nb@x.test\n");
        for (const auto& [name, uses, with] :
             {std::tuple<std::string, std::string, std::string>{"quick", "noop.pass", "{}"},
              {"broken", "noop.fail", "{status: permanent, times: 5}"},
              {"doubt", "noop.fail", "{status: in_doubt, times: 5}"}}) {
            auto r = relance({"run", workflow(name, uses, with), "--input", leads});
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
    }

    // Waits until the worker has taken every run as far as it goes.
    void wait_until_settled(const std::string& token) {
        auto c = client(token);
        auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            auto r = c.Get("/v1/runs?limit=1000");
            ASSERT_TRUE(r);
            json runs = json::parse(r->body)["runs"];
            std::map<std::string, std::string> want = {
                {"quick", "completed"}, {"broken", "failed"}, {"doubt", "paused"}};
            bool settled = runs.size() == 6 && std::all_of(runs.begin(), runs.end(), [&](auto& x) {
                               return x["status"] == want[x["workflow"]];
                           });
            if (settled) return;
            ASSERT_LT(std::chrono::steady_clock::now(), until)
                << "the runs did not settle: " << runs.dump() << "\n"
                << server_log();
            std::this_thread::sleep_for(100ms);
        }
    }

    // Scrapes until `ready` holds of the samples (a response is counted right after it is
    // sent, so the client may see it first), at most 5 s; returns the last scrape.
    Samples scrape_until(const std::function<bool(const Samples&)>& ready,
                         const std::string& token = {}) {
        Samples s;
        auto until = std::chrono::steady_clock::now() + 5s;
        for (;;) {
            auto r = client(token).Get("/metrics");
            EXPECT_TRUE(r);
            if (!r) return s;
            EXPECT_EQ(r->status, 200) << r->body;
            EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u)
                << r->get_header_value("Content-Type");
            s.clear();
            EXPECT_TRUE(parse_exposition(r->body, s)) << r->body;
            if (ready(s) || std::chrono::steady_clock::now() > until) {
                last_text = r->body;
                return s;
            }
            std::this_thread::sleep_for(50ms);
        }
    }

    static double at(const Samples& s, const std::string& series) {
        auto it = s.find(series);
        return it == s.end() ? -1 : it->second;
    }

    std::string last_text;
};

TEST_F(MetricsEndpoint, ShowsRunsStepsCallsLatencyAndRequests) {
    start_runs();
    std::string token = create_key(kAllScopes);
    start_server();
    wait_until_settled(token);

    // Requests: a route with a parameter is counted by its pattern, never its path.
    auto c = client(token);
    json runs = json::parse(c.Get("/v1/runs?limit=1")->body)["runs"];
    std::string id = runs[0]["id"];
    EXPECT_EQ(c.Get("/v1/runs/" + id)->status, 200);
    EXPECT_EQ(c.Get("/v1/runs/r_nope")->status, 404);
    EXPECT_EQ(client().Get("/no/such/route")->status, 404);
    EXPECT_EQ(client().Get("/healthz")->status, 200);

    const std::string unmatched =
        R"(relance_http_requests_total{method="-",route="unmatched",status="404"})";
    const std::string healthz =
        R"(relance_http_requests_total{method="GET",route="/healthz",status="200"})";
    Samples s = scrape_until(
        [&](const Samples& x) { return at(x, unmatched) >= 1 && at(x, healthz) >= 1; });

    // Runs by workflow and status, every status of each workflow.
    EXPECT_EQ(at(s, R"(relance_runs{status="completed",workflow="quick"})"), 2) << last_text;
    EXPECT_EQ(at(s, R"(relance_runs{status="ready",workflow="quick"})"), 0) << last_text;
    EXPECT_EQ(at(s, R"(relance_runs{status="failed",workflow="broken"})"), 2) << last_text;
    EXPECT_EQ(at(s, R"(relance_runs{status="paused",workflow="doubt"})"), 2) << last_text;
    EXPECT_EQ(at(s, "relance_runs_in_doubt{}"), 2) << last_text;
    EXPECT_EQ(at(s, "relance_queue_depth{}"), 0) << last_text;
    EXPECT_EQ(at(s, "relance_due_lag_seconds{}"), 0) << last_text;

    // Steps by plugin and outcome: the worker's step rows (an action once started, once ended).
    EXPECT_EQ(at(s, R"(relance_steps_total{outcome="succeeded",plugin="noop"})"), 2) << last_text;
    EXPECT_EQ(at(s, R"(relance_steps_total{outcome="failed",plugin="noop"})"), 2) << last_text;
    EXPECT_EQ(at(s, R"(relance_steps_total{outcome="in_doubt",plugin="noop"})"), 2) << last_text;
    EXPECT_EQ(at(s, R"(relance_steps_total{outcome="started",plugin="noop"})"), 6) << last_text;

    // Plugin calls by outcome, and their latency histogram (both kinds of dispatch: pass is
    // safe to repeat and goes out in groups, fail goes alone).
    EXPECT_EQ(at(s, R"(relance_plugin_calls_total{action="pass",outcome="ok",plugin="noop"})"), 2)
        << last_text;
    EXPECT_EQ(
        at(s, R"(relance_plugin_calls_total{action="fail",outcome="permanent",plugin="noop"})"), 2)
        << last_text;
    EXPECT_EQ(
        at(s, R"(relance_plugin_calls_total{action="fail",outcome="in_doubt",plugin="noop"})"), 2)
        << last_text;
    for (const std::string action : {"pass", "fail"}) {
        std::string labels = "action=\"" + action + "\",plugin=\"noop\"";
        double count = at(s, "relance_plugin_call_duration_seconds_count{" + labels + "}");
        EXPECT_EQ(count, action == "pass" ? 2 : 4) << last_text;
        EXPECT_GE(at(s, "relance_plugin_call_duration_seconds_sum{" + labels + "}"), 0);
        // Labels in name order: action, le, plugin.
        auto bucket = [&](const std::string& le) {
            return "relance_plugin_call_duration_seconds_bucket{action=\"" + action + "\",le=\"" +
                   le + "\",plugin=\"noop\"}";
        };
        EXPECT_EQ(at(s, bucket("+Inf")), count) << last_text;
        // Buckets are cumulative: never fewer calls under a larger bound.
        std::vector<std::pair<double, double>> buckets;
        std::string prefix =
            "relance_plugin_call_duration_seconds_bucket{action=\"" + action + "\",le=\"";
        for (const auto& [series, value] : s)
            if (series.rfind(prefix, 0) == 0)
                buckets.emplace_back(std::stod(series.substr(prefix.size())), value);
        std::sort(buckets.begin(), buckets.end());
        EXPECT_GE(buckets.size(), 10u);
        for (std::size_t i = 1; i < buckets.size(); ++i)
            EXPECT_GE(buckets[i].second, buckets[i - 1].second);
    }

    // Requests by route pattern and status.
    EXPECT_GE(at(s, R"(relance_http_requests_total{method="GET",route="/v1/runs",status="200"})"),
              2)
        << last_text;
    EXPECT_EQ(
        at(s, R"(relance_http_requests_total{method="GET",route="/v1/runs/{id}",status="200"})"), 1)
        << last_text;
    EXPECT_EQ(
        at(s, R"(relance_http_requests_total{method="GET",route="/v1/runs/{id}",status="404"})"), 1)
        << last_text;
    EXPECT_EQ(at(s, R"(relance_http_requests_total{method="GET",route="/healthz",status="200"})"),
              1)
        << last_text;
    EXPECT_EQ(last_text.find(id), std::string::npos) << "a run id became a label:\n" << last_text;
    EXPECT_EQ(last_text.find("r_nope"), std::string::npos) << last_text;
    EXPECT_EQ(last_text.find("/no/such/route"), std::string::npos) << last_text;

    // The scrapes themselves are requests too.
    Samples again = scrape_until([](const Samples& x) {
        return at(x,
                  R"(relance_http_requests_total{method="GET",route="/metrics",status="200"})") >=
               1;
    });
    EXPECT_GE(
        at(again, R"(relance_http_requests_total{method="GET",route="/metrics",status="200"})"), 1)
        << last_text;
}

TEST_F(MetricsEndpoint, ATokenFileGuardsMetrics) {
    std::string file = write("metrics.token", "  s3cret-metrics-token  \n");
    start_server({"--no-worker", "--metrics-token-file", file});

    auto none = client().Get("/metrics");
    json p = expect_problem(none, 401);
    EXPECT_EQ(p["field"], "authorization");
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"relance\"");
    auto wrong = client("s3cret-metrics-tokem").Get("/metrics");
    expect_problem(wrong, 401);
    EXPECT_EQ(wrong->get_header_value("WWW-Authenticate"),
              "Bearer realm=\"relance\", error=\"invalid_token\"");
    // An API key is not the metrics token.
    std::string key = create_key(kAllScopes);
    expect_problem(client(key).Get("/metrics"), 401);

    Samples s = scrape_until([](const Samples&) { return true; }, "s3cret-metrics-token");
    EXPECT_EQ(at(s, "relance_queue_depth{}"), 0) << last_text;
    // Health checks stay open.
    EXPECT_EQ(client().Get("/healthz")->status, 200);
}

TEST_F(MetricsEndpoint, WithoutATokenFileMetricsNeedsNoKey) {
    start_server({"--no-worker"});
    Samples s = scrape_until([](const Samples&) { return true; });
    EXPECT_EQ(at(s, "relance_runs_in_doubt{}"), 0) << last_text;
    // Any Authorization header is ignored then.
    EXPECT_EQ(client("whatever").Get("/metrics")->status, 200);
}

TEST_F(MetricsEndpoint, AnUnreadableOrEmptyTokenFileIsAUsageError) {
    auto missing =
        relance({"serve", "--listen", "127.0.0.1:0", "--metrics-token-file", dir / "absent.token"});
    EXPECT_EQ(missing.exit_code, 64) << missing.err;
    EXPECT_NE(missing.err.find("--metrics-token-file"), std::string::npos) << missing.err;
    auto empty = relance(
        {"serve", "--listen", "127.0.0.1:0", "--metrics-token-file", write("empty.token", "\n")});
    EXPECT_EQ(empty.exit_code, 64) << empty.err;
}

}  // namespace
}  // namespace relance::test
