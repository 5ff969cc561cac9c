// Crash tests: a real `relance worker` child is killed with SIGKILL mid-run, at several points,
// then restarted. The store alone must be enough to resume (invariant 1), and no restart may
// send a message twice (invariant 2). Progress is watched by polling the SQLite file (the sandbox
// outbox the emulator records into); no test waits for a timer.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <relance/store/store.hpp>
#include <set>
#include <thread>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;
using store::RunStatus;

class CrashTest : public ::testing::Test {
  protected:
    void SetUp() override { db = dir / "crash.db"; }

    std::vector<std::string> cmd(std::vector<std::string> rest) {
        std::vector<std::string> args = {RELANCE_BIN, "--db", db, "--plugin-path",
                                         RELANCE_PLUGIN_DIR};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    }

    ProcessResult relance(std::vector<std::string> rest) { return run_process(cmd(rest)); }

    std::size_t outbox_count(store::Store& s) {
        return s.list_sandbox("sendgrid", "outbox", 100000).size();
    }

    // Starts a worker with `extra` options, waits until the outbox holds at least `threshold`
    // messages, then kills it with SIGKILL. Fails if the worker finishes first.
    void kill_worker_at(std::size_t threshold, std::vector<std::string> extra) {
        std::vector<std::string> rest = extra;
        rest.push_back("worker");
        rest.push_back("--fast-forward");
        pid_t pid = spawn_background(cmd(rest), dir / "worker.log");
        auto s = store::open_sqlite(db);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
        bool reached = false;
        while (std::chrono::steady_clock::now() < deadline) {
            if (outbox_count(*s) >= threshold) {
                reached = true;
                break;
            }
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                ADD_FAILURE() << "the worker exited before " << threshold
                              << " messages were sent; log:\n"
                              << log();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ::kill(pid, SIGKILL);
        EXPECT_EQ(wait_process(pid), 128 + SIGKILL);
        EXPECT_TRUE(reached) << "no progress to " << threshold << " messages; log:\n" << log();
    }

    std::string log() {
        std::ifstream in(dir / "worker.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    // Every run, with its timeline.
    struct RunView {
        store::Run run;
        std::vector<store::StepRecord> steps;
    };
    std::vector<RunView> runs(store::Store& s) {
        store::RunFilter all;
        all.limit = 1 << 20;
        std::vector<RunView> out;
        for (auto& r : s.list_runs(all)) out.push_back({r, s.list_steps(r.id)});
        return out;
    }

    TempDir dir;
    std::string db;
};

// 11. SIGKILL at three points of the prospecting sequence (50 leads, 150 emails).
TEST_F(CrashTest, KilledWorkerNeverSendsTwice) {
    std::string src = RELANCE_SOURCE_DIR;
    auto started = relance(
        {"run", src + "/workflows/prospecting.yaml", "--input", src + "/workflows/data/leads.csv"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    ASSERT_NE(started.out.find("50 run(s) started"), std::string::npos) << started.out;

    // Slow sends: each message is recorded by the emulator 300 ms before it is acknowledged,
    // so a kill leaves messages that went out but whose outcome was never stored.
    const std::vector<std::string> slow = {"--sandbox-config", R"(sendgrid={"latency_ms":300})"};
    kill_worker_at(10, slow);   // during the intro emails
    kill_worker_at(60, slow);   // during the follow-ups (3 days later, virtual)
    kill_worker_at(110, slow);  // during the breakup emails
    auto last = relance({"worker", "--fast-forward"});
    ASSERT_EQ(last.exit_code, 0) << last.err;

    auto s = store::open_sqlite(db);
    auto outbox = s->list_sandbox("sendgrid", "outbox", 100000);
    // No message twice: by engine message id, and by (run, step).
    std::map<std::string, int> by_msg;
    std::set<std::pair<std::string, std::string>> by_step;
    for (const auto& e : outbox) {
        std::string msg = e.entry->value("engine_msg_id", "");
        ASSERT_FALSE(msg.empty()) << e.entry->dump();
        EXPECT_EQ(++by_msg[msg], 1) << "sent twice: " << msg;
        auto key = std::make_pair(e.entry->value("engine_run_id", ""),
                                  (*e.entry)["custom_args"].value("step", ""));
        EXPECT_TRUE(by_step.insert(key).second)
            << "step " << key.second << " of run " << key.first << " sent twice";
    }

    // Every run finished, and the timelines account for exactly the messages in the outbox.
    std::set<std::string> recorded;      // message ids the timelines say went out
    std::vector<std::string> explained;  // runs with a reconciled or in-doubt step
    int reconciled = 0;
    for (const auto& v : runs(*s)) {
        bool in_doubt =
            v.run.status == RunStatus::paused && v.run.reason.find("in doubt") != std::string::npos;
        EXPECT_TRUE(v.run.status == RunStatus::exited || in_doubt)
            << v.run.id << " is " << store::to_string(v.run.status) << ": " << v.run.reason;
        EXPECT_TRUE(s->pending_effects(v.run.id).empty()) << v.run.id;
        bool explain = false;
        for (const auto& st : v.steps) {
            if (st.kind != "sendgrid.send") continue;
            EXPECT_NE(st.status, store::StepStatus::started)
                << v.run.id << " seq " << st.seq << " left open";
            if (st.status == store::StepStatus::succeeded ||
                st.status == store::StepStatus::reconciled) {
                EXPECT_TRUE(recorded.insert(st.message_id).second)
                    << "two successes for " << st.message_id;
                EXPECT_EQ(by_msg.count(st.message_id), 1u)
                    << v.run.id << ": " << st.status << " but not in the outbox: " << st.message_id;
            }
            if (st.status == store::StepStatus::reconciled) ++reconciled;
            if (st.status == store::StepStatus::reconciled ||
                st.status == store::StepStatus::in_doubt)
                explain = true;
        }
        if (explain) explained.push_back(v.run.id);
    }
    for (const auto& [msg, n] : by_msg) {
        (void)n;
        bool paused_in_doubt = false;
        for (const auto& v : runs(*s))
            for (const auto& st : v.steps)
                if (st.message_id == msg && st.status == store::StepStatus::in_doubt &&
                    v.run.status == RunStatus::paused)
                    paused_in_doubt = true;
        EXPECT_TRUE(recorded.count(msg) || paused_in_doubt)
            << "in the outbox but no timeline records it: " << msg;
    }
    // The sandbox emulator can always answer reconcile: every lead gets its three emails.
    EXPECT_EQ(outbox.size(), 150u);
    EXPECT_EQ(recorded.size(), 150u);
    // With 8 sends in flight for 300 ms each, the kills left messages sent but unacknowledged.
    EXPECT_GE(reconciled, 1) << "no kill landed while a send was in flight; log:\n" << log();

    // What happened is visible in `relance runs show`.
    for (const auto& id : explained) {
        auto show = relance({"runs", "show", id});
        ASSERT_EQ(show.exit_code, 0) << show.err;
        for (const auto& v : runs(*s)) {
            if (v.run.id != id) continue;
            for (const auto& st : v.steps) {
                if (st.status != store::StepStatus::reconciled &&
                    st.status != store::StepStatus::in_doubt)
                    continue;
                EXPECT_NE(show.out.find(store::to_string(st.status)), std::string::npos)
                    << show.out;
                EXPECT_NE(show.out.find(st.detail), std::string::npos)
                    << "explanation missing: " << st.detail << "\n"
                    << show.out;
            }
        }
    }
}

// 12. No reconciliation possible: the run pauses in doubt, the operator resolves it, and the
// message is still sent only once.
TEST_F(CrashTest, InDoubtWithoutReconcilePausesUntilResolved) {
    {
        std::ofstream csv(dir / "one.csv");
        csv << "id,email,first_name,company,segment\n"
               "lead-1,ada@example-lab.test,Ada,Example Lab,smb\n";
    }
    std::string src = RELANCE_SOURCE_DIR;
    auto started =
        relance({"run", src + "/workflows/prospecting.yaml", "--input", dir / "one.csv"});
    ASSERT_EQ(started.exit_code, 0) << started.err;

    const std::string no_reconcile = R"(sendgrid={"reconcile":false})";
    kill_worker_at(1, {"--plugin-config", no_reconcile, "--sandbox-config",
                       R"(sendgrid={"latency_ms":2000})"});

    auto again = relance({"--plugin-config", no_reconcile, "worker", "--fast-forward"});
    ASSERT_EQ(again.exit_code, 0) << again.err;

    auto s = store::open_sqlite(db);
    auto all = runs(*s);
    ASSERT_EQ(all.size(), 1u);
    const std::string id = all[0].run.id;
    EXPECT_EQ(all[0].run.status, RunStatus::paused) << all[0].run.reason;
    EXPECT_EQ(s->list_sandbox("sendgrid", "outbox", 100).size(), 1u);

    auto show = relance({"runs", "show", id});
    ASSERT_EQ(show.exit_code, 0);
    EXPECT_NE(show.out.find("in doubt"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("relance runs resolve " + id), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("in_doubt"), std::string::npos) << show.out;

    // A worker without the knob does not touch a paused run either.
    auto idle = relance({"worker", "--fast-forward"});
    ASSERT_EQ(idle.exit_code, 0);
    EXPECT_EQ(s->list_sandbox("sendgrid", "outbox", 100).size(), 1u);

    auto resolved = relance({"runs", "resolve", id, "--as", "sent"});
    ASSERT_EQ(resolved.exit_code, 0) << resolved.err;
    auto done = relance({"--plugin-config", no_reconcile, "worker", "--fast-forward"});
    ASSERT_EQ(done.exit_code, 0) << done.err;

    auto run = s->get_run(id);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::exited) << run->reason;
    auto outbox = s->list_sandbox("sendgrid", "outbox", 100);
    std::map<std::string, int> per_step;
    std::set<std::string> ids;
    for (const auto& e : outbox) {
        ++per_step[(*e.entry)["custom_args"].value("step", "")];
        ids.insert(e.entry->value("engine_msg_id", ""));
    }
    EXPECT_EQ(outbox.size(), 3u);
    EXPECT_EQ(ids.size(), outbox.size());
    EXPECT_EQ(per_step["intro"], 1);
    EXPECT_EQ(per_step["follow_up"], 1);
    EXPECT_EQ(per_step["breakup"], 1);

    show = relance({"runs", "show", id});
    EXPECT_NE(show.out.find("resolved by an operator as sent"), std::string::npos) << show.out;
}

// 13. A restart in the middle of a rate-limited backlog: 24 leads, two mailboxes good for 10
// sends a day together, paced at one a minute. The worker is killed twice while sends are in
// flight. Every lead still gets exactly one email, and no limit is broken across the restarts.
TEST_F(CrashTest, RestartMidRateLimitedBacklogLosesNothingAndKeepsTheCaps) {
    const std::string config = dir / "relance.yaml";
    {
        std::ofstream out(config);
        out << R"(senders:
  - id: alice@acme.test
    channel: email
    with: {from: alice@acme.test}
    limits: {daily_cap: 6, per_minute: 1, min_gap: 20s, gap_jitter: 10s}
  - id: bob@acme.test
    channel: email
    with: {from: bob@acme.test}
    limits: {daily_cap: 4, per_minute: 1, min_gap: 20s, gap_jitter: 10s}
pools:
  team: [alice@acme.test, bob@acme.test]
)";
        std::ofstream wf(dir / "paced.yaml");
        wf << R"(name: paced
version: 1
inputs:
  email: {type: string, required: true}
senders: team
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: hello, text: "hi", custom_args: {step: intro}}
)";
        std::ofstream csv(dir / "leads.csv");
        csv << "email\n";
        for (int i = 0; i < 24; ++i) csv << "lead" << i << "@company" << i << ".test\n";
    }
    const std::map<std::string, int> daily_cap = {{"alice@acme.test", 6}, {"bob@acme.test", 4}};
    auto started =
        relance({"--config", config, "run", dir / "paced.yaml", "--input", dir / "leads.csv"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    ASSERT_NE(started.out.find("24 run(s) started"), std::string::npos) << started.out;

    const std::vector<std::string> slow = {"--config", config, "--sandbox-config",
                                           R"(sendgrid={"latency_ms":300})"};
    kill_worker_at(3, slow);   // on day 0
    kill_worker_at(12, slow);  // on day 1, with the rest of the backlog deferred
    auto last = relance({"--config", config, "worker", "--fast-forward"});
    ASSERT_EQ(last.exit_code, 0) << last.err;

    auto s = store::open_sqlite(db);
    // No lead lost, none written twice.
    auto outbox = s->list_sandbox("sendgrid", "outbox", 1000);
    std::map<std::string, std::string> from_of_run;
    for (const auto& e : outbox) {
        std::string run = e.entry->value("engine_run_id", "");
        EXPECT_TRUE(from_of_run.emplace(run, e.entry->value("from", "")).second)
            << "run " << run << " sent twice";
    }
    EXPECT_EQ(outbox.size(), 24u);
    bool deferred_by_cap = false;
    for (const auto& v : runs(*s)) {
        EXPECT_EQ(v.run.status, RunStatus::completed) << v.run.id << ": " << v.run.reason;
        for (const auto& st : v.steps)
            deferred_by_cap |= st.status == store::StepStatus::deferred &&
                               st.detail.find("mailbox daily cap") != std::string::npos;
    }
    EXPECT_TRUE(deferred_by_cap) << "the backlog never hit a daily cap";

    // The sends that count against the mailboxes are exactly the messages that went out, each
    // from the mailbox the outbox shows, and no limit was broken at any time.
    std::size_t counted = 0;
    for (const auto& [sender, cap] : daily_cap) {
        auto sends = s->sends_of(sender, 0);
        counted += sends.size();
        for (std::size_t i = 0; i < sends.size(); ++i) {
            EXPECT_EQ(from_of_run[sends[i].run_id], sender) << sends[i].run_id;
            int in_day = 0;
            for (std::size_t j = 0; j <= i; ++j)
                if (sends[j].at > sends[i].at - 24LL * 3600 * 1000) ++in_day;
            EXPECT_LE(in_day, cap) << sender << " over its daily cap at send " << i;
            if (i > 0) {
                EXPECT_GE(sends[i].at - sends[i - 1].at, 20'000)
                    << sender << ": gap below 20 s at send " << i;
            }
        }
    }
    EXPECT_EQ(counted, 24u);
}

}  // namespace
}  // namespace relance::test
