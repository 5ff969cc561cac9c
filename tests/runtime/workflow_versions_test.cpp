// Stored workflow versions are read through one repository (runtime/workflow_cache.*): the
// worker, contact events, `runs resolve` and `runs list|show` agree on what a version says and
// on whether it still loads, and for the same reason. Real parts: SQLite files in temp dirs, the
// real store, the executor of RuntimeEnv.
#include <nlohmann/json.hpp>
#include <relance/runtime/contact_events.hpp>

#include "runtime_env.hpp"
#include "workflow_cache.hpp"

namespace relance::test {
namespace {

using runtime::WorkflowCache;
using store::RunStatus;

// A text an older relance took and this one refuses (a key it no longer knows). Compiled texts
// are shared by the whole process: each test makes its own with `marker`.
std::string no_longer_loads(const std::string& marker) {
    return std::string(kTwoMails) + "retired_option: " + marker + "\n";
}

// Why this relance refuses `text`, as its loader says it.
std::string load_error(const std::string& text, const std::string& file) {
    try {
        model::load_workflow_text(text, file);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

store::NewRun new_run(std::int64_t version, const std::string& id, const std::string& email,
                      std::int64_t due_at) {
    store::NewRun r;
    r.contact_key = "email:" + email;
    r.identity_keys = {r.contact_key};
    r.id = id;
    r.workflow_version_id = version;
    r.workflow_name = "two_mails";
    r.idempotency_key = id;
    r.context = nlohmann::json{{"inputs", {{"email", email}}}};
    r.due_at = due_at;
    return r;
}

TEST(WorkflowVersions, OneThatNoLongerLoadsGetsOneVerdictEverywhere) {
    RuntimeEnv env;
    std::string text = no_longer_loads("everywhere");
    std::string reason = load_error(text, "two_mails.yaml");
    ASSERT_FALSE(reason.empty()) << "the text still loads";
    auto version =
        env.store->put_workflow_version("two_mails", "1", "two_mails.yaml", text, env.now());
    const std::string verdict = "workflow version " + std::to_string(version) +
                                " (two_mails.yaml) no longer loads: " + reason;
    std::int64_t later = env.now() + 3'600'000;
    env.store->create_runs({new_run(version, "r_due", "ana@acme.test", env.now()),
                            new_run(version, "r_later", "bo@acme.test", later),
                            new_run(version, "r_doubt", "cy@acme.test", later)},
                           env.now());

    // The worker pauses the run, saying why.
    env.executor->run_due();
    auto due = env.run("r_due");
    EXPECT_EQ(due.status, RunStatus::paused);
    EXPECT_EQ(due.reason, "cannot load its workflow version: " + verdict);

    // Contact events pass the version over (the default stop rules apply), without failing.
    auto opened = runtime::record_contact_event(*env.store, "bo@acme.test", "opened", "evt-o", 0,
                                                json::object(), env.clock);
    EXPECT_TRUE(opened.recorded);
    EXPECT_TRUE(opened.woken.empty());
    EXPECT_TRUE(opened.stopped.empty());
    auto replied = runtime::record_contact_event(*env.store, "bo@acme.test", "replied", "evt-r", 0,
                                                 json::object(), env.clock);
    EXPECT_EQ(replied.stopped, std::vector<std::string>{"r_later"});

    // resolve says which run and why (it used to throw the loader's bare message).
    auto run = env.run("r_doubt");
    store::StepRecord doubt;
    doubt.run_id = run.id;
    doubt.seq = run.next_seq++;
    doubt.step_id = "intro";
    doubt.kind = "sendgrid.send";
    doubt.status = store::StepStatus::in_doubt;
    doubt.attempt = 1;
    doubt.started_at = env.now();
    run.status = RunStatus::paused;
    run.due_at.reset();
    run.reason = "in doubt: the provider did not answer";
    store::Batch batch;
    batch.insert_steps.push_back(doubt);
    batch.update_runs.push_back(run);
    env.store->commit(batch);
    try {
        runtime::resolve_in_doubt(*env.store, "r_doubt", runtime::Resolution::sent, env.clock);
        ADD_FAILURE() << "resolved on a version that does not load";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "run r_doubt: cannot load its workflow version: " + verdict);
    }
    EXPECT_EQ(env.run("r_doubt").status, RunStatus::paused);

    // runs list|show: no step to name.
    runtime::RunSteps steps(*env.store);
    EXPECT_EQ(steps.step_id(env.run("r_doubt")), "-");

    // And the repository itself, both ways of asking.
    WorkflowCache cache(*env.store, nullptr);
    std::string why;
    EXPECT_EQ(cache.find(version, &why), nullptr);
    EXPECT_EQ(why, verdict);
    try {
        cache.load(version);
        ADD_FAILURE() << "loaded";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), verdict);
    }
    EXPECT_EQ(cache.find(version + 100, &why), nullptr);
    EXPECT_EQ(why,
              "workflow version " + std::to_string(version + 100) + " is missing from the store");
    EXPECT_THROW(cache.load(version + 100), std::runtime_error);
}

TEST(WorkflowVersions, OneTextIsCompiledOnceForEveryStore) {
    TempDir dir;
    auto a = store::open_sqlite(dir / "a.db");
    auto b = store::open_sqlite(dir / "b.db");
    std::string text = std::string(kTwoMails) + "# shared by two stores\n";
    std::string first_in_b = std::string(kTwoMails) + "# first in b\n";
    auto in_a = a->put_workflow_version("two_mails", "1", "two_mails.yaml", text, kT0);
    auto other_in_b = b->put_workflow_version("two_mails", "1", "two_mails.yaml", first_in_b, kT0);
    auto in_b = b->put_workflow_version("two_mails", "1", "two_mails.yaml", text, kT0);
    ASSERT_EQ(in_a, other_in_b);  // the same id, another text: ids are each store's own
    ASSERT_NE(in_a, in_b);

    WorkflowCache from_a(*a, nullptr), from_b(*b, nullptr);
    auto one = from_a.load(in_a);
    EXPECT_EQ(from_b.load(in_b).get(), one.get());
    EXPECT_NE(from_b.load(other_in_b).get(), one.get());
    EXPECT_EQ(one->program.nodes.front().step->id, "intro");

    // A config's calendar is compiled into the schedule: not shared with a cache without one.
    auto config = std::make_shared<const model::Config>(
        model::load_config_text("calendar: {blackout_dates: 2026-12-24}\n", "relance.yaml"));
    WorkflowCache with_config(*a, config);
    auto joined = with_config.load(in_a);
    EXPECT_NE(joined.get(), one.get());
    EXPECT_EQ(WorkflowCache(*b, config).load(in_b).get(), joined.get());
}

TEST(WorkflowVersions, TheRepositoryIsBounded) {
    TempDir dir;
    auto store = store::open_sqlite(dir / "relance.db");
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i <= WorkflowCache::kCapacity; ++i)
        ids.push_back(store->put_workflow_version(
            "two_mails", "1", "two_mails.yaml",
            std::string(kTwoMails) + "# bounded " + std::to_string(i) + "\n", kT0));
    WorkflowCache cache(*store, nullptr);
    auto first = cache.load(ids.front());
    for (auto id : ids) cache.load(id);
    // One more than it keeps: the least recently used was dropped, and is compiled anew when
    // asked again; the caller that held it still has it whole.
    auto again = cache.load(ids.front());
    EXPECT_NE(again.get(), first.get());
    EXPECT_EQ(first->program.nodes.size(), again->program.nodes.size());
    EXPECT_EQ(first->program.nodes.back().step->id, "follow_up");
}

}  // namespace
}  // namespace relance::test
