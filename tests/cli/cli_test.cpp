// End-to-end tests of the `relance` command line: the real binary in a temp directory, with the
// real plugins; exit codes (engine/cli/cli_context.hpp), output shapes and --json.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli_fixture.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// The performance figures depend on the allocator, so the binary says which one it runs on, and
// a build meant to run on jemalloc really does (mallctl answers only when jemalloc is the malloc
// linked in).
TEST_F(Cli, VersionNamesTheAllocator) {
    auto r = relance({"--version"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("relance 0.1.0 (", 0), 0u) << r.out;
#ifdef RELANCE_WITH_JEMALLOC
    EXPECT_NE(r.out.find("(jemalloc 5."), std::string::npos) << r.out;
#else
    EXPECT_NE(r.out.find("(glibc malloc)"), std::string::npos) << r.out;
#endif
}

TEST_F(Cli, ValidateEveryExampleWorkflow) {
    int n = 0;
    for (const auto& e : fs::recursive_directory_iterator(src + "/workflows")) {
        auto ext = e.path().extension();
        if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".lua")) continue;
        auto dir = e.path().parent_path().filename();
        if (dir == "data" || dir == "config") continue;  // sample leads, scenarios, config
        // With the example config, every sender is checked too: no warning may remain.
        auto r = relance(
            {"--config", src + "/workflows/config/relance.yaml", "validate", e.path().string()});
        EXPECT_EQ(r.exit_code, 0) << e.path() << "\n" << r.err;
        EXPECT_EQ(r.err.find("warning"), std::string::npos) << e.path() << "\n" << r.err;
        ++n;
    }
    EXPECT_GE(n, 1);
}

TEST_F(Cli, ValidateBrokenWorkflowNamesTheLine) {
    std::string file = write("broken.yaml", R"(name: broken
version: 1
steps:
  - id: first
    set: {a: 1}
  - id: second
    uses: sendgrid.sned
    with: {to: a@x.test}
)");
    auto r = relance({"validate", file});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    std::regex where(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                     R"(:7:\d+)");
    EXPECT_TRUE(std::regex_search(r.err, where)) << r.err;

    // A YAML syntax error, too.
    std::string bad = write("syntax.yaml", "name: x\nsteps:\n  - id: [unclosed\n");
    auto s = relance({"validate", bad});
    EXPECT_EQ(s.exit_code, 2);
    EXPECT_NE(s.err.find(bad + ":"), std::string::npos) << s.err;
}

TEST_F(Cli, RunIsIdempotent) {
    auto first = relance({"run", prospecting, "--input", leads});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.out.find("50 run(s) started"), std::string::npos) << first.out;
    auto second = relance({"run", prospecting, "--input", leads});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.out.find("0 run(s) started, 50 already started"), std::string::npos)
        << second.out;
    json j = relance_json({"run", prospecting, "--input", leads});
    EXPECT_TRUE(j["started"].empty());
    EXPECT_EQ(j["duplicates"], 50);
}

TEST_F(Cli, RunRejectsABadRecordAndStartsTheOthers) {
    std::string csv = write("leads.csv", "id,email\nl1,a@x.test\nl2,\nl3,c@x.test\n");
    auto r = relance({"run", prospecting, "--input", csv});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.out.find("2 run(s) started"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("leads.csv:3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("email"), std::string::npos) << r.err;
}

TEST_F(Cli, JsonOutputsParse) {
    ASSERT_EQ(relance({"run", prospecting, "--input", leads}).exit_code, 0);
    auto worker = relance({"worker", "--until-idle"});
    ASSERT_EQ(worker.exit_code, 0) << worker.err;

    json list = relance_json({"runs", "list"});
    ASSERT_TRUE(list.is_array());
    ASSERT_EQ(list.size(), 50u);
    EXPECT_EQ(list[0]["status"], "waiting");  // the intro went out, 3 days to wait
    std::string id = list[0]["id"];

    json show = relance_json({"runs", "show", id});
    EXPECT_EQ(show["id"], id);
    ASSERT_TRUE(show["timeline"].is_array());
    bool intro = false;
    for (const auto& t : show["timeline"])
        intro |= t["step"] == "intro" && t["status"] == "succeeded";
    EXPECT_TRUE(intro) << show.dump(2);

    json plugins = relance_json({"plugins", "list"});
    std::set<std::string> names;
    for (const auto& p : plugins["plugins"]) names.insert(p["name"].get<std::string>());
    EXPECT_TRUE(names.count("sendgrid") && names.count("noop") && names.count("http"));

    json outbox = relance_json({"sandbox", "outbox"});
    ASSERT_TRUE(outbox.is_array());
    EXPECT_EQ(outbox.size(), 50u);
    EXPECT_EQ(outbox[0]["plugin"], "sendgrid");
    EXPECT_TRUE(outbox[0]["entry"].contains("engine_msg_id"));

    json describe = relance_json({"plugins", "describe", "sendgrid"});
    EXPECT_EQ(describe["name"], "sendgrid");

    auto missing = relance({"runs", "show", "r_nope"});
    EXPECT_EQ(missing.exit_code, 3);
}

// `runs list` prints each run as it reads it (a page at a time). With --json the array is
// written a run at a time: it must still parse, and be the very text the whole array dumped at
// once gives (the shape it always had).
TEST_F(Cli, RunsListJsonWithALimit) {
    // Two imports (two creation times), together more than a page of the listing (256 runs).
    std::string first = "id,email\n", second = "id,email\n";
    for (int i = 0; i < 400; ++i)
        first += "a" + std::to_string(i) + ",a" + std::to_string(i) + "@list.test\n";
    for (int i = 0; i < 200; ++i)
        second += "b" + std::to_string(i) + ",b" + std::to_string(i) + "@list.test\n";
    ASSERT_EQ(relance({"run", prospecting, "--input", write("first.csv", first)}).exit_code, 0);
    ASSERT_EQ(relance({"run", prospecting, "--input", write("second.csv", second)}).exit_code, 0);

    const std::set<std::string> keys = {
        "attempt", "created_at", "due_at", "id",         "idempotency_key", "inputs",
        "reason",  "status",     "step",   "updated_at", "workflow",        "workflow_version_id"};
    json all;
    for (int limit : {1000, 1, 255, 256, 257, 600}) {
        SCOPED_TRACE("--limit " + std::to_string(limit));
        auto r = relance({"--json", "runs", "list", "--limit", std::to_string(limit)});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        json list = json::parse(r.out, nullptr, false);
        ASSERT_TRUE(list.is_array()) << r.out.substr(0, 500);
        ASSERT_EQ(list.size(), static_cast<std::size_t>(std::min(limit, 600)));
        EXPECT_EQ(r.out, list.dump(2) + "\n");
        if (limit == 1000) {
            all = list;
            // Oldest first: the first import, then the second, each in the order of its input
            // (its runs were created at the same time).
            for (std::size_t i = 1; i < list.size(); ++i)
                EXPECT_LE(list[i - 1]["created_at"].get<std::string>(),
                          list[i]["created_at"].get<std::string>())
                    << i;
            for (std::size_t i = 0; i < list.size(); ++i) {
                EXPECT_EQ(list[i]["idempotency_key"],
                          i < 400 ? "id:a" + std::to_string(i) : "id:b" + std::to_string(i - 400))
                    << i;
                std::set<std::string> have;
                for (const auto& [k, v] : list[i].items()) have.insert(k);
                EXPECT_EQ(have, keys);
            }
            EXPECT_NE(list[0]["inputs"]["email"].get<std::string>().find("@list.test"),
                      std::string::npos);
        } else {
            // A shorter list is the start of the longer one.
            for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i], all[i]) << i;
        }
    }
    // Filters and the table form go through the same reading.
    json ready = relance_json(
        {"runs", "list", "--status", "ready", "--workflow", "prospecting", "--limit", "300"});
    EXPECT_EQ(ready.size(), 300u);
    auto text = relance({"runs", "list", "--limit", "3"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 4) << text.out;  // a header
    auto none = run_process({RELANCE_BIN, "--db", dir / "empty.db", "--json", "runs", "list"});
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_EQ(none.out, "[]\n");
    auto none_text = run_process({RELANCE_BIN, "--db", dir / "empty.db", "runs", "list"});
    EXPECT_NE(none_text.out.find("(no runs)"), std::string::npos) << none_text.out;
}

std::int64_t parse_iso_ms(const std::string& s) {
    std::tm tm{};
    int ms = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
        ADD_FAILURE() << "not an ISO time: " << s;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

TEST_F(Cli, SimulateProspecting) {
    json report = relance_json({"simulate", prospecting, "--input", leads, "--days", "14",
                                "--start", "2026-01-05T09:00:00Z"});
    ASSERT_TRUE(report.is_object());
    EXPECT_EQ(report["started"], 50);
    ASSERT_EQ(report["leads"].size(), 50u);
    std::int64_t start = parse_iso_ms(report["start"]);
    int sends = 0;
    for (const auto& lead : report["leads"]) {
        EXPECT_EQ(lead["status"], "exited") << lead.dump();
        std::vector<std::int64_t> days;
        for (const auto& a : lead["actions"]) {
            if (a["kind"] != "sendgrid.send" || a["status"] != "succeeded") continue;
            std::int64_t at = parse_iso_ms(a["at"]);
            days.push_back((at - start) / (24 * 3600 * 1000));
            ++sends;
        }
        EXPECT_EQ(days, (std::vector<std::int64_t>{0, 3, 7})) << lead.dump();
    }
    EXPECT_EQ(sends, 150);
    EXPECT_EQ(report["actions"], 150);

    // Simulation works on its own database: nothing leaks into the one given with --db.
    EXPECT_TRUE(relance_json({"runs", "list"}).empty());
}

TEST_F(Cli, PluginsDescribe) {
    auto ok = relance({"plugins", "describe", "sendgrid"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_NE(ok.out.find("send"), std::string::npos);
    auto nope = relance({"plugins", "describe", "nope"});
    EXPECT_EQ(nope.exit_code, 3) << nope.out << nope.err;
}

TEST_F(Cli, EveryVerbAnswersHelp) {
    const std::vector<std::vector<std::string>> verbs = {
        {},
        {"validate"},
        {"run"},
        {"worker"},
        {"runs"},
        {"runs", "list"},
        {"runs", "show"},
        {"runs", "resolve"},
        {"runs", "cancel"},
        {"runs", "retry"},
        {"keys"},
        {"keys", "create"},
        {"keys", "list"},
        {"keys", "revoke"},
        {"plugins"},
        {"plugins", "list"},
        {"plugins", "describe"},
        {"sandbox"},
        {"sandbox", "outbox"},
        {"simulate"},
        {"bench"},
        {"event"},
        {"event", "add"},
        {"suppress"},
        {"suppress", "add"},
        {"suppress", "remove"},
        {"suppress", "list"},
        {"suppress", "import"},
        {"stats"},
        {"senders"},
        {"senders", "paused"},
        {"senders", "resume"},
        {"serve"},
    };
    for (auto v : verbs) {
        std::string name;
        for (const auto& w : v) name += w + " ";
        v.push_back("--help");
        auto r = run_process([&] {
            std::vector<std::string> a = {RELANCE_BIN};
            a.insert(a.end(), v.begin(), v.end());
            return a;
        }());
        EXPECT_EQ(r.exit_code, 0) << name << "--help\n" << r.err;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << name << "--help\n" << r.out;
        // Every verb's help lists the global options too (they go before or after the verb).
        for (const char* global : {"--db", "--store", "--config", "--plugin-path", "--live",
                                   "--json", "--log-level", "--plugin-config", "--sandbox-config"})
            EXPECT_NE(r.out.find(global), std::string::npos)
                << name << "--help does not list " << global << ":\n"
                << r.out;
    }
}

// docs/cli.md, "Exit codes": one table for every verb. 64 is the command line itself (including
// a malformed option value), 2 what the user gave (a file, a record, a contact), 3 not found,
// 1 a job that could not be done.
TEST_F(Cli, ExitCodesFollowTheOneTable) {
    const std::string broken_records = write("broken.json", "[{\"email\":\"a@x.test\"}, {bad");
    const std::string broken_workflow = write("broken.yaml", "steps: [\n");
    const std::string broken_config = write("broken-config.yaml", "{bad");
    struct Case {
        std::vector<std::string> args;
        int code;
    };
    const std::vector<Case> cases = {
        {{"frobnicate"}, 64},
        {{"--log-level", "loud", "runs", "list"}, 64},
        {{"runs", "list", "--limit", "0"}, 64},
        {{"runs", "list", "--status", "nope"}, 64},
        {{"event", "add", "--type", "replied"}, 64},
        {{"event", "add", "--contact", "a@x.test", "--type", "replied", "--data", "{bad"}, 64},
        {{"event", "add", "--contact", "a@x.test", "--type", "replied", "--at", "yesterday"}, 64},
        {{"--plugin-config", "sendgrid=1", "plugins", "list"}, 64},
        {{"--sandbox-config", "sendgrid", "plugins", "list"}, 64},
        {{"simulate", prospecting, "--input", leads, "--start", "yesterday"}, 64},
        {{"validate", dir / "missing.yaml"}, 64},
        {{"run", prospecting, "--input", dir / "missing.csv"}, 64},
        {{"--config", dir / "missing.yaml", "senders"}, 64},
        {{"bench", "--runs", "-1"}, 64},
        {{"validate", broken_workflow}, 2},
        {{"run", prospecting, "--input", broken_records}, 2},
        {{"simulate", prospecting, "--input", broken_records, "--days", "1"}, 2},
        {{"--config", broken_config, "senders"}, 2},
        {{"simulate", prospecting, "--input", leads, "--days", "1", "--scenario", broken_config},
         2},
        {{"event", "add", "--contact", "nobody", "--type", "replied"}, 2},
        {{"suppress", "add", "not an entry"}, 2},
        {{"runs", "show", "r_nope"}, 3},
        {{"runs", "resolve", "r_nope", "--as", "sent"}, 3},
        {{"runs", "cancel", "r_nope"}, 3},
        {{"runs", "retry", "r_nope"}, 3},
        {{"--store", "mysql://127.0.0.1/relance", "runs", "list"}, 2},
        {{"--store", "postgres://relance:pw-42@127.0.0.1/relance", "runs", "list"}, 1},
        {{"plugins", "describe", "nope"}, 3},
    };
    for (const auto& c : cases) {
        auto r = relance(c.args);
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        EXPECT_EQ(r.exit_code, c.code) << line << "\n" << r.out << r.err;
        EXPECT_FALSE(r.err.empty()) << line << ": an error says why on stderr";
    }  // 1: the job cannot be done (here, the database cannot be opened).
    auto r = run_process({RELANCE_BIN, "--db", dir / "no-such-dir/x.db", "runs", "list"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot open the database"), std::string::npos) << r.err;
    // A store URL's password is never repeated.
    r = relance({"--store", "postgres://relance:pw-42@127.0.0.1/relance", "runs", "list"});
    EXPECT_EQ(r.err.find("pw-42"), std::string::npos) << r.err;
    // 5: it exists, but its state does not allow it (the person's own unsubscribe).
    ASSERT_EQ(
        relance({"event", "add", "--contact", "ana@acme.test", "--type", "unsubscribed"}).exit_code,
        0);
    r = relance({"suppress", "remove", "ana@acme.test"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("cannot lift it"), std::string::npos) << r.err;
}

// keys create prints the token once (alone on stdout, or in --json), and the listing never
// holds it; revoke by prefix, then again: conflict (5); an unknown scope: invalid (2).
TEST_F(Cli, KeysCreateListRevoke) {
    auto made = relance({"keys", "create", "--name", "zapier", "--scopes", "runs:read,runs:write"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::string token = made.out.substr(0, made.out.find('\n'));
    EXPECT_EQ(token.rfind("rl_", 0), 0u) << made.out;
    EXPECT_NE(made.err.find("not shown again"), std::string::npos) << made.err;
    auto json_made = relance_json({"keys", "create", "--name", "crm", "--scopes", "admin"});
    EXPECT_EQ(json_made["token"].get<std::string>().rfind("rl_", 0), 0u);
    EXPECT_EQ(json_made["scopes"], nlohmann::json::array({"admin"}));
    auto keys = relance_json({"keys", "list"});
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys.dump().find(token), std::string::npos) << "a token in the listing";
    EXPECT_EQ(relance({"keys", "list"}).out.find(token.substr(12)), std::string::npos);
    std::string prefix = token.substr(0, 11);
    auto revoked = relance_json({"keys", "revoke", prefix});
    EXPECT_FALSE(revoked["revoked_at"].is_null());
    EXPECT_EQ(relance({"keys", "revoke", prefix}).exit_code, 5);
    EXPECT_EQ(relance({"keys", "revoke", "k_nope"}).exit_code, 3);
    auto bad = relance({"keys", "create", "--name", "x", "--scopes", "runs:read,root"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("unknown scope 'root'"), std::string::npos) << bad.err;
}

// runs cancel and runs retry go through the application layer like every other operation: a
// cancelled run is exited and a second cancel is a conflict (5); --store names the same file
// as --db.
TEST_F(Cli, RunsCancelAndRetry) {
    ASSERT_EQ(relance({"run", prospecting, "--input", leads}).exit_code, 0);
    auto runs = relance_json({"runs", "list"});
    ASSERT_GE(runs.size(), 2u);
    std::string id = runs[0]["id"];
    auto change = relance_json({"runs", "cancel", id, "--reason", "wrong list"});
    EXPECT_EQ(change["status"], "exited");
    EXPECT_EQ(change["was_held"], false);
    auto shown = relance_json({"--store", "sqlite:" + (dir / "cli.db"), "runs", "show", id});
    EXPECT_EQ(shown["status"], "exited");
    EXPECT_EQ(shown["reason"], "cancelled by an operator: wrong list");
    EXPECT_EQ(shown["timeline"].back()["kind"], "cancel");
    auto again = relance({"runs", "cancel", id});
    EXPECT_EQ(again.exit_code, 5) << again.err;
    EXPECT_NE(again.err.find("nothing to cancel"), std::string::npos) << again.err;
    auto retry = relance({"runs", "retry", id});
    EXPECT_EQ(retry.exit_code, 5) << retry.err;
    EXPECT_NE(retry.err.find("only a failed run can be retried"), std::string::npos) << retry.err;
}

// Every verb that takes --json prints one JSON document on stdout, whatever it has to say;
// logs and warnings stay on stderr.
TEST_F(Cli, EveryJsonOutputParses) {
    const std::string config = src + "/workflows/config/relance.yaml";
    const std::string sequence = src + "/workflows/sequence.yaml";
    const std::vector<std::vector<std::string>> commands = {
        {"--log-level", "info", "validate", prospecting},
        {"run", prospecting, "--input", leads},
        {"--log-level", "info", "worker", "--until-idle"},
        {"runs", "list"},
        {"runs", "list", "--status", "failed"},
        {"event", "add", "--contact", "alice.martin@acme-logistics.test", "--type", "replied"},
        {"suppress", "add", "@cobalt-bank.test"},
        {"suppress", "list"},
        {"stats", "prospecting"},
        {"plugins", "list"},
        {"plugins", "describe", "noop"},
        {"sandbox", "outbox", "--limit", "3"},
        {"--config", config, "senders"},
        {"--config", config, "simulate", sequence, "--input", leads, "--days", "2"},
        {"bench", "--runs", "40", "--timers", "0", "--simulate-leads", "0", "--dir",
         dir.path().string()},
    };
    for (auto c : commands) {
        std::string line;
        for (const auto& a : c) line += a + " ";
        c.insert(c.begin(), "--json");
        auto r = relance(c);
        EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.err;
        json j = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << line << ": not JSON:\n" << r.out;
    }
}

TEST_F(Cli, BadCommandLineIsAUsageError) {
    EXPECT_EQ(relance({"frobnicate"}).exit_code, 64);
    EXPECT_EQ(relance({"runs", "resolve", "r_x", "--as", "maybe"}).exit_code, 64);
}

TEST_F(Cli, EventsAndSuppressionsStopSends) {
    ASSERT_EQ(relance({"run", prospecting, "--input", leads}).exit_code, 0);
    ASSERT_EQ(relance({"worker", "--until-idle"}).exit_code, 0);  // 50 intros out

    json reply = relance_json({"event", "add", "--contact", "alice.martin@acme-logistics.test",
                               "--type", "replied", "--id", "evt-1"});
    EXPECT_EQ(reply["recorded"], true);
    EXPECT_EQ(reply["stopped"].size(), 1u);
    json again = relance_json({"event", "add", "--contact", "alice.martin@acme-logistics.test",
                               "--type", "replied", "--id", "evt-1"});
    EXPECT_EQ(again["recorded"], false);

    json unsub = relance_json(
        {"event", "add", "--contact", "bruno.bernard@brightpath.test", "--type", "unsubscribed"});
    EXPECT_EQ(unsub["suppressed"]["locked"], true);
    auto refused = relance({"suppress", "remove", "bruno.bernard@brightpath.test"});
    EXPECT_EQ(refused.exit_code, 5);  // conflict: the entry is there, and it is the person's
    EXPECT_NE(refused.err.find("cannot lift"), std::string::npos) << refused.err;

    // A CSV header is skipped; a bad line is named with its line number, the others imported.
    std::string list = write("block.txt", "email\n@cobalt-bank.test\nnot an entry\n");
    auto imported = relance({"suppress", "import", list});
    EXPECT_EQ(imported.exit_code, 2);
    EXPECT_NE(imported.err.find("block.txt:3"), std::string::npos) << imported.err;
    EXPECT_EQ(imported.err.find("block.txt:1"), std::string::npos) << imported.err;
    EXPECT_EQ(relance_json({"suppress", "list"}).size(), 2u);

    auto bad = relance({"event", "add", "--contact", "nobody", "--type", "replied"});
    EXPECT_EQ(bad.exit_code, 2);

    ASSERT_EQ(relance({"worker", "--fast-forward"}).exit_code, 0);
    json outbox = relance_json({"sandbox", "outbox"});
    // 150 sends, less the follow-ups of Alice (2), Bruno (2) and four cobalt-bank leads (8).
    EXPECT_EQ(outbox.size(), 138u);
    for (const auto& e : outbox) {
        std::string to = e["entry"]["to"].dump();
        if (to.find("cobalt-bank") != std::string::npos ||
            to.find("alice.martin@") != std::string::npos) {
            EXPECT_EQ(e["entry"]["subject"].get<std::string>().rfind("Quick question", 0), 0u)
                << "only the intro went out: " << e.dump();
        }
    }
}

// Sender accounts from the command line: a config with a mistake names its line; `run` warns
// about a time zone it cannot use; the worker honours the cap and `senders` shows where each
// account stands.
TEST_F(Cli, SendersConfigCapsAndStatus) {
    std::string bad = write("bad.yaml",
                            "senders:\n  - id: a@x.test\n    channel: email\n"
                            "    limits: {daily_cap: lots}\n");
    auto r = relance({"--config", bad, "senders"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("bad.yaml:4:25: error: 'daily_cap' must be a whole number"),
              std::string::npos)
        << r.err;
    r = relance({"senders"});
    EXPECT_EQ(r.exit_code, 64) << r.err;
    EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;

    std::string config = write("relance.yaml", R"(senders:
  - id: ann@acme.test
    channel: email
    with: {from: ann@acme.test}
    limits: {daily_cap: 3}
pools:
  team: [ann@acme.test]
)");
    std::string wf = write("capped.yaml", R"(name: capped
version: 1
inputs:
  email: {type: string, required: true}
  timezone: string
senders: team
steps:
  - uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: hi, text: hello}
)");
    std::string csv = write("five.csv",
                            "email,timezone\na@one.test,Paris\nb@two.test,\n"
                            "c@three.test,\nd@four.test,\ne@five.test,\n");
    auto v = relance({"--config", config, "validate", wf});
    EXPECT_EQ(v.exit_code, 0) << v.err;
    EXPECT_EQ(v.err, "");

    // simulate: two days, the cap defers the last two to the next day, and says why.
    auto sim = relance({"--config", config, "simulate", wf, "--input", csv, "--days", "2",
                        "--start", "2026-01-05T09:00:00Z"});
    EXPECT_EQ(sim.exit_code, 0) << sim.err;
    EXPECT_NE(sim.out.find("five.csv:2: warning: field timezone: 'Paris' is not an IANA time zone"),
              std::string::npos)
        << sim.out;
    EXPECT_NE(sim.out.find("2  mailbox daily cap of ann@acme.test"), std::string::npos) << sim.out;

    // A real worker on the wall clock: three go out now, two wait for tomorrow.
    auto started = relance({"--config", config, "run", wf, "--input", csv});
    EXPECT_EQ(started.exit_code, 0) << started.err;
    EXPECT_NE(started.err.find("five.csv:2: warning: field timezone"), std::string::npos)
        << started.err;
    auto worked = relance({"--config", config, "worker", "--until-idle"});
    EXPECT_EQ(worked.exit_code, 0) << worked.err;
    json status = relance_json({"--config", config, "senders"});
    ASSERT_TRUE(status.is_array() && status.size() == 1) << status.dump();
    EXPECT_EQ(status[0]["id"], "ann@acme.test");
    EXPECT_EQ(status[0]["pools"], json::array({"team"}));
    EXPECT_EQ(status[0]["sent_last_day"], 3);
    EXPECT_EQ(status[0]["cap_today"], 3);
    EXPECT_TRUE(status[0]["next_send_at"].is_string()) << status.dump();
    EXPECT_NE(status[0]["limited_by"].get<std::string>().find("mailbox daily cap"),
              std::string::npos);
    auto waiting = relance_json({"runs", "list", "--status", "waiting"});
    ASSERT_EQ(waiting.size(), 2u) << waiting.dump();
    EXPECT_NE(waiting[0]["reason"].get<std::string>().find("mailbox daily cap (3 in 24 h) of "
                                                           "ann@acme.test"),
              std::string::npos)
        << waiting.dump();
    auto text = relance({"--config", config, "senders"});
    EXPECT_NE(text.out.find("ann@acme.test"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("SENT 24H"), std::string::npos) << text.out;
}

// A run that can never proceed (no config names its senders) does not keep a fast-forwarding
// worker busy forever: it stops, and the run says why it waits.
TEST_F(Cli, FastForwardStopsWhenNothingCanProgress) {
    std::string wf = write("stuck.yaml", R"(name: stuck
version: 1
inputs:
  email: {type: string, required: true}
senders: team
steps:
  - uses: sendgrid.send
    with: {to: "{{ contact.email }}", from: a@x.test, subject: hi, text: hello}
)");
    std::string csv = write("one.csv", "email\na@one.test\n");
    ASSERT_EQ(relance({"run", wf, "--input", csv}).exit_code, 0);
    auto r = relance({"worker", "--fast-forward"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("stopped fast-forwarding"), std::string::npos) << r.err;
    auto waiting = relance_json({"runs", "list", "--status", "waiting"});
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_NE(waiting[0]["reason"].get<std::string>().find("no config file names the senders team"),
              std::string::npos)
        << waiting.dump();
}

// An account the provider refuses (SendGrid 403: the from address is not a verified sender;
// 401: a revoked key) is the account's fault, not the leads': their sends wait with SendGrid's
// own words, no attempt is spent, `senders paused` shows it and `senders resume` sends them once
// the account is fixed. Each lead gets exactly one email.
TEST_F(Cli, ARefusedAccountPausesItsSendsUntilResumed) {
    const std::string wf = write("wf.yaml", R"(name: pause_test
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: hello
    uses: sendgrid.send
    with:
      to: "{{ inputs.email }}"
      from: "news@x.test"
      subject: "Hi"
      text: "Hello"
)");
    const std::string leads_csv = write("l.csv", "email\na@y.test\nb@y.test\nc@y.test\n");
    ASSERT_EQ(relance({"run", wf, "--input", leads_csv}).exit_code, 0);
    const std::string unverified = R"(sendgrid={"verified_senders":["ok@x.test"]})";
    auto w = relance({"worker", "--until-idle", "--sandbox-config", unverified});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    for (const auto& run : relance_json({"runs", "list"})) {
        EXPECT_EQ(run["status"], "waiting") << run.dump();
        EXPECT_NE(
            run["reason"].get<std::string>().find("does not match a verified Sender Identity"),
            std::string::npos)
            << run.dump();
    }
    EXPECT_TRUE(relance_json({"sandbox", "outbox"}).empty());
    // Still broken: the sends keep waiting for the next try instead of calling again.
    w = relance({"--json", "worker", "--until-idle", "--sandbox-config", unverified});
    EXPECT_EQ(json::parse(w.out)["actions"], 0) << w.out;

    json paused = relance_json({"senders", "paused"});
    ASSERT_EQ(paused.size(), 1u) << paused.dump();
    EXPECT_EQ(paused[0]["account"], "sendgrid");
    EXPECT_NE(paused[0]["reason"].get<std::string>().find("403"), std::string::npos);
    EXPECT_EQ(relance({"senders", "resume", "mailgun"}).exit_code, 3);
    EXPECT_EQ(relance_json({"senders", "resume", "sendgrid"})["runs_woken"], 3);
    EXPECT_TRUE(relance_json({"senders", "paused"}).empty());

    // The account is fixed (every sender verified): each lead gets one email, first attempt.
    ASSERT_EQ(relance({"worker", "--until-idle"}).exit_code, 0);
    json outbox = relance_json({"sandbox", "outbox"});
    ASSERT_EQ(outbox.size(), 3u) << outbox.dump();
    std::set<std::string> to;
    for (const auto& e : outbox) {
        to.insert(e["entry"]["to"].dump());
        std::string id = e["entry"]["engine_msg_id"];
        EXPECT_EQ(id.substr(id.size() - 8), ".hello.1") << id;
    }
    EXPECT_EQ(to.size(), 3u);
    for (const auto& run : relance_json({"runs", "list"})) EXPECT_EQ(run["status"], "completed");

    // A revoked key (401) pauses the same way, with SendGrid's words.
    const std::string more = write("m.csv", "email\nd@y.test\n");
    ASSERT_EQ(relance({"run", wf, "--input", more}).exit_code, 0);
    ASSERT_EQ(relance({"worker", "--until-idle", "--sandbox-config",
                       R"(sendgrid={"secrets":{"api_key":"revoked"}})"})
                  .exit_code,
              0);
    paused = relance_json({"senders", "paused"});
    ASSERT_EQ(paused.size(), 1u);
    EXPECT_NE(paused[0]["reason"].get<std::string>().find("revoked"), std::string::npos);
    EXPECT_EQ(relance_json({"sandbox", "outbox"}).size(), 3u);
}

}  // namespace
}  // namespace relance::test
