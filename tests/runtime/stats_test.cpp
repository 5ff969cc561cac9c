// `relance stats`: sends, failures and the events that followed, per step and per variant, on a
// real SQLite file whose rows are written directly (known figures), and compared with the
// original algorithm (a loop over every run's timeline, kept below as the reference) on a
// database drawn at random.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <relance/runtime/stats.hpp>
#include <relance/store/store.hpp>
#include <tuple>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using store::StepStatus;

constexpr std::int64_t T = 1'700'000'000'000;

class Stats : public ::testing::Test {
  protected:
    void SetUp() override {
        store = store::open_sqlite(dir / "relance.db");
        wf = store->put_workflow_version("wf", "1", "wf.yaml", "name: wf", T);
        other = store->put_workflow_version("other", "1", "other.yaml", "name: other", T);
    }

    void run(const std::string& id, std::int64_t version, const std::string& workflow,
             const std::string& contact, std::int64_t created_at) {
        store::NewRun r;
        r.id = id;
        r.workflow_version_id = version;
        r.workflow_name = workflow;
        r.idempotency_key = "key:" + id;
        r.contact_key = contact;
        if (!contact.empty()) r.identity_keys = {contact};
        r.context = nlohmann::json{{"inputs", nlohmann::json::object()}};
        r.due_at = created_at;
        ASSERT_EQ(store->create_runs({r}, created_at), std::vector<bool>{true});
    }

    void step(const std::string& run_id, std::int64_t seq, const std::string& step_id,
              const std::string& kind, StepStatus status, const std::string& detail,
              std::int64_t started_at, std::optional<std::int64_t> finished_at,
              std::string message_id = "-") {
        store::StepRecord s;
        s.run_id = run_id;
        s.seq = seq;
        s.step_id = step_id;
        s.kind = kind;
        s.status = status;
        s.started_at = started_at;
        s.finished_at = finished_at;
        s.detail = detail;
        s.message_id =
            message_id == "-" ? run_id + "." + step_id + "." + std::to_string(seq) : message_id;
        pending.insert_steps.push_back(s);
    }

    void event(const std::string& contact, const std::string& type, const std::string& message_id,
               std::int64_t at) {
        store::Event e;
        e.event_id = "evt-" + std::to_string(++events);
        e.contact_key = contact;
        e.type = type;
        e.message_id = message_id;
        e.occurred_at = at;
        e.recorded_at = at;
        ASSERT_TRUE(store->record_event(e));
    }

    void flush() {
        store->commit(pending);
        pending = {};
    }

    TempDir dir;
    std::unique_ptr<store::Store> store;
    std::int64_t wf = 0, other = 0;
    store::Batch pending;
    int events = 0;
};

// The figures of a small workflow, worked out by hand.
TEST_F(Stats, KnownSendsFailuresAndEvents) {
    const std::string ana = "email:ana@acme.test", bo = "email:bo@acme.test",
                      cy = "email:cy@acme.test";
    run("r_first", wf, "wf", ana, T);
    step("r_first", 1, "prepare", "set", StepStatus::done, "", T, T);
    step("r_first", 2, "intro", "sendgrid.send", StepStatus::succeeded, "variant a", T + 1, T + 10);
    step("r_first", 3, "wait", "wait", StepStatus::waiting, "", T + 10, std::nullopt, "");
    // A retry, then the send on the second attempt (the same message id, given at the first).
    step("r_first", 4, "follow_up", "sendgrid.send", StepStatus::retry, "503: retry at ...",
         T + 990, T + 991, "r_first.follow_up.4");
    step("r_first", 5, "follow_up", "sendgrid.send", StepStatus::succeeded,
         "variant a, from sam@acme.test", T + 1000, T + 1005, "r_first.follow_up.4");
    step("r_first", 6, "score", "lua", StepStatus::failed, "lua error", T + 1006, T + 1006, "");

    // Two runs created at the same time: r_a comes before r_b (ties are ordered by run id), so
    // intro/b first appears in r_a, as a send.
    run("r_b", wf, "wf", bo, T + 100);
    step("r_b", 1, "intro", "sendgrid.send", StepStatus::failed, "variant b", T + 101, T + 102);
    run("r_a", wf, "wf", cy, T + 100);
    step("r_a", 1, "intro", "sendgrid.send", StepStatus::succeeded, "variant b", T + 140, T + 150);
    // Reconciled, no finished_at: it went out when it started.
    step("r_a", 2, "breakup", "smtp.send", StepStatus::reconciled, "", T + 200, std::nullopt);

    // No contact: its send counts, no event can follow it.
    run("r_nocontact", wf, "wf", "", T + 300);
    step("r_nocontact", 1, "intro", "sendgrid.send", StepStatus::succeeded, "variant a", T + 301,
         T + 310);

    // Ana's second run of the workflow.
    run("r_second", wf, "wf", ana, T + 400);
    step("r_second", 1, "intro", "sendgrid.send", StepStatus::succeeded, "variant a", T + 401,
         T + 410);
    step("r_second", 2, "follow_up", "sendgrid.send", StepStatus::in_doubt, "variant a", T + 500,
         std::nullopt);
    step("r_second", 3, "breakup", "sendgrid.send", StepStatus::cancelled, "", T + 600, T + 600);

    // Another workflow, same contact: nothing of it counts.
    run("r_other", other, "other", ana, T + 50);
    step("r_other", 1, "intro", "sendgrid.send", StepStatus::succeeded, "variant a", T + 51,
         T + 60);
    step("r_other", 2, "other_only", "sendgrid.send", StepStatus::failed, "", T + 61, T + 62);
    flush();

    event(ana, "opened", "r_first.intro.2", T + 500);  // intro/a (r_first only)
    event(ana, "replied", "", T + 1200);               // follow_up/a (r_first), intro/a (r_second)
    event(ana, "clicked", "", T + 5);                  // before any send: nothing
    event(ana, "opened", "r_other.intro.1", T + 700);  // another workflow's message: nothing
    event(cy, "opened", "", T + 250);                  // breakup (the latest before it)
    event(cy, "opened", "r_a.intro.1", T + 260);       // intro/b
    event(bo, "replied", "", T + 300);                 // bo's run sent nothing: nothing
    event(ana, "bounced", "", T + 50);                 // intro/a (r_first; r_second is later)
    event(ana, "opened", "", T - 10);                  // before every run: nothing
    event(ana, "clicked", "r_first.follow_up.4", T + 2000);  // follow_up/a, the attempt sent
    event(ana, "delivered", "r_first.nowhere.9", T + 2100);  // names no step: nothing
    event(cy, "delivered", "", T + 150);           // at the very time intro/b went out: intro/b
    event(cy, "clicked", "r_a.intro.1", T + 100);  // at the very time r_a was created: intro/b

    auto rows = runtime::workflow_stats(*store, "wf");
    ASSERT_EQ(rows.size(), 4u);
    using Events = std::map<std::string, std::int64_t>;

    EXPECT_EQ(rows[0].step_id, "intro");
    EXPECT_EQ(rows[0].kind, "sendgrid.send");
    EXPECT_EQ(rows[0].variant, "a");
    EXPECT_EQ(rows[0].sent, 3);  // r_first, r_nocontact, r_second (not r_other)
    EXPECT_EQ(rows[0].failed, 0);
    EXPECT_EQ(rows[0].events, (Events{{"bounced", 1}, {"opened", 1}, {"replied", 1}}));

    EXPECT_EQ(rows[1].step_id, "follow_up");
    EXPECT_EQ(rows[1].kind, "sendgrid.send");
    EXPECT_EQ(rows[1].variant, "a");
    EXPECT_EQ(rows[1].sent, 1);
    EXPECT_EQ(rows[1].failed, 0);
    EXPECT_EQ(rows[1].events, (Events{{"clicked", 1}, {"replied", 1}}));

    EXPECT_EQ(rows[2].step_id, "intro");
    EXPECT_EQ(rows[2].variant, "b");
    EXPECT_EQ(rows[2].sent, 1);
    EXPECT_EQ(rows[2].failed, 1);
    EXPECT_EQ(rows[2].events, (Events{{"clicked", 1}, {"delivered", 1}, {"opened", 1}}));

    EXPECT_EQ(rows[3].step_id, "breakup");
    EXPECT_EQ(rows[3].kind, "smtp.send");
    EXPECT_EQ(rows[3].variant, "");
    EXPECT_EQ(rows[3].sent, 1);
    EXPECT_EQ(rows[3].failed, 0);
    EXPECT_EQ(rows[3].events, (Events{{"opened", 1}}));

    EXPECT_TRUE(runtime::workflow_stats(*store, "nothing").empty());
    auto others = runtime::workflow_stats(*store, "other");
    ASSERT_EQ(others.size(), 2u);
    EXPECT_EQ(others[0].step_id, "intro");
    EXPECT_EQ(others[0].sent, 1);
    // Ana's events from r_other's creation on: the open naming its message and the reply after
    // its send; not the bounce (when r_other was created, before its send went out), nor the
    // clicks (one before the run, one naming r_first's message).
    EXPECT_EQ(others[0].events, (Events{{"opened", 1}, {"replied", 1}}));
    EXPECT_EQ(others[1].step_id, "other_only");
    EXPECT_EQ(others[1].failed, 1);
}

// --- the original algorithm, as workflow_stats had it before it was written in SQL ---

std::string reference_variant(const std::string& detail) {
    static const std::string prefix = "variant ";
    if (detail.rfind(prefix, 0) != 0) return {};
    return detail.substr(prefix.size(), detail.find_first_of(", ", prefix.size()) - prefix.size());
}

std::vector<runtime::StepStats> reference_stats(store::Store& store, const std::string& workflow) {
    using runtime::StepStats;
    std::vector<StepStats> rows;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    auto row = [&](const store::StepRecord& s, const std::string& variant) -> StepStats& {
        auto key = std::make_pair(s.step_id, variant);
        auto it = index.find(key);
        if (it != index.end()) return rows[it->second];
        index[key] = rows.size();
        rows.push_back({s.step_id, s.kind, variant, 0, 0, {}});
        return rows.back();
    };
    store::RunFilter filter;
    filter.workflow = workflow;
    filter.limit = 1 << 30;
    // The runs as list_runs gave them then: by creation time, then by run id.
    auto runs = store.list_runs(filter);
    std::sort(runs.begin(), runs.end(), [](const store::Run& a, const store::Run& b) {
        return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    for (const auto& run : runs) {
        struct Sent {
            std::int64_t at;
            std::string message_id;
            std::size_t row;
        };
        std::vector<Sent> sent;
        for (const auto& s : store.list_steps(run.id)) {
            if (s.kind.find('.') == std::string::npos) continue;
            std::string variant = reference_variant(s.detail);
            if (s.status == StepStatus::succeeded || s.status == StepStatus::reconciled) {
                StepStats& r = row(s, variant);
                ++r.sent;
                sent.push_back({s.finished_at.value_or(s.started_at), s.message_id,
                                index[{s.step_id, variant}]});
            } else if (s.status == StepStatus::failed) {
                ++row(s, variant).failed;
            }
        }
        if (run.contact_key.empty() || sent.empty()) continue;
        for (const auto& e : store.events_for({run.contact_key}, run.created_at)) {
            const Sent* to = nullptr;
            for (const auto& m : sent)
                if (!e.message_id.empty() && m.message_id == e.message_id) to = &m;
            if (!to && e.message_id.empty())
                for (const auto& m : sent)
                    if (m.at <= e.occurred_at) to = &m;
            if (to) ++rows[to->row].events[e.type];
        }
    }
    return rows;
}

// Many runs drawn at random (seeded): statuses, kinds, variants and details of every shape,
// shared contacts, runs created at the same time, events with and without a message id, some
// naming other runs' messages. The figures and their order must be the reference's, for a
// workflow holding most runs (the store scans the whole steps table) and for one holding few
// (it reads each run's steps after it).
TEST_F(Stats, SameFiguresAsTheTimelineLoopOnARandomDatabase) {
    std::mt19937 rng(20261207);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::vector<std::string> steps = {"intro", "follow_up", "breakup", "nudge"};
    const std::vector<std::string> kinds = {"sendgrid.send", "smtp.send", "wait", "lua", "if"};
    const std::vector<StepStatus> statuses = {
        StepStatus::succeeded, StepStatus::succeeded, StepStatus::succeeded, StepStatus::reconciled,
        StepStatus::failed,    StepStatus::retry,     StepStatus::cancelled, StepStatus::in_doubt,
        StepStatus::started,   StepStatus::deferred,  StepStatus::done,      StepStatus::skipped};
    const std::vector<std::string> details = {"",
                                              "variant a",
                                              "variant b",
                                              "variant a, from sam@acme.test",
                                              "variant bb from x",
                                              "from sam@acme.test",
                                              "variant ",
                                              "Variant a",
                                              "503: retry at 10:00",
                                              "variant c,d"};
    const std::vector<std::string> types = {"opened", "replied", "bounced", "clicked"};
    std::vector<std::string> contacts = {""};
    for (int i = 0; i < 40; ++i) contacts.push_back("email:c" + std::to_string(i) + "@x.test");

    std::vector<std::string> messages;
    for (int i = 0; i < 400; ++i) {
        std::string id = "r_" + std::to_string(1000 + pick(9000)) + "_" + std::to_string(i);
        bool in_wf = pick(5) != 0;
        std::int64_t created = T + 1000 * pick(60);  // many runs share a creation time
        run(id, in_wf ? wf : other, in_wf ? "wf" : "other", contacts[pick(41)], created);
        std::int64_t at = created;
        int n = pick(9);
        for (int seq = 1; seq <= n; ++seq) {
            // Whole seconds: many sends, events and creations fall on the same millisecond.
            at += 1000 * pick(3);
            std::optional<std::int64_t> finished;
            if (pick(4)) finished = at + 1000 * (pick(3) - 1);  // sometimes before its start
            // "-": the engine's own id (run, step, seq), which the store keeps as NULL.
            int m = pick(9);
            std::string msg = m == 0  ? std::string()
                              : m < 4 ? std::string("-")
                                      : id + ".m" + std::to_string(pick(4));
            const std::string& step_id = steps[pick(4)];
            messages.push_back(msg == "-" ? store::engine_message_id(id, step_id, seq) : msg);
            step(id, seq, step_id, kinds[pick(5)], statuses[pick(12)], details[pick(10)], at,
                 finished, msg);
        }
    }
    flush();
    // The events in one transaction, straight into the table (record_event commits each).
    {
        SQLite::Database db(dir / "relance.db", SQLite::OPEN_READWRITE);
        SQLite::Transaction tx(db);
        SQLite::Statement ins(db,
                              "INSERT INTO events (event_id, contact_key, type, message_id, "
                              "occurred_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)");
        for (int i = 0; i < 1500; ++i) {
            std::string msg = pick(2) ? std::string() : messages[pick(int(messages.size()))];
            if (pick(20) == 0) msg = "r_nowhere.m1";
            std::int64_t at = T - 5000 + 1000 * pick(90);
            ins.bind(1, "evt-random-" + std::to_string(i));
            ins.bind(2, contacts[1 + pick(40)]);
            ins.bind(3, types[pick(4)]);
            ins.bind(4, msg);
            ins.bind(5, static_cast<int64_t>(at));
            ins.bind(6, static_cast<int64_t>(at));
            ins.exec();
            ins.reset();
        }
        tx.commit();
    }

    for (std::string name : {"wf", "other"}) {
        auto expected = reference_stats(*store, name);
        auto got = runtime::workflow_stats(*store, name);
        ASSERT_GT(expected.size(), 4u);
        ASSERT_EQ(got.size(), expected.size()) << name;
        std::int64_t events_seen = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            SCOPED_TRACE(name + " row " + std::to_string(i));
            EXPECT_EQ(got[i].step_id, expected[i].step_id);
            EXPECT_EQ(got[i].kind, expected[i].kind);
            EXPECT_EQ(got[i].variant, expected[i].variant);
            EXPECT_EQ(got[i].sent, expected[i].sent);
            EXPECT_EQ(got[i].failed, expected[i].failed);
            EXPECT_EQ(got[i].events, expected[i].events);
            for (const auto& [t, n] : expected[i].events) events_seen += n;
        }
        EXPECT_GT(events_seen, 20) << name << ": the draw should attribute events";
    }
}

}  // namespace
}  // namespace relance::test
