// The Workspace, as both front ends call it: each operation on a real SQLite file that a real
// executor (real plugins, virtual clock) works on, and each failure as a typed error that names
// the field.
#include <gtest/gtest.h>

#include <fstream>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>

#include "../runtime/runtime_env.hpp"

namespace relance::test {
namespace {

using app::ErrorKind;
using store::RunStatus;

const char* const kWaitThenPass = R"(
name: wait-then-pass
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: pause
    wait: 1d
  - id: call
    uses: noop.pass
    with: {to: "{{ contact.email }}"}
)";

const char* const kSetThenFail = R"(
name: set-then-fail
version: 1
inputs:
  email: {type: string, required: true}
steps:
  - id: prepare
    set: {ready: true}
  - id: call
    uses: noop.fail
    with: {status: permanent, times: 5}
  - id: after
    set: {done: true}
)";

class WorkspaceTest : public ::testing::Test {
  protected:
    WorkspaceTest() {
        app::WorkspaceOptions o;
        o.store = "sqlite:" + env.db_path;
        o.plugins.path = {RELANCE_PLUGIN_DIR};
        ws = std::make_unique<app::Workspace>(std::move(o), env.clock);
    }

    // Runs `body` and returns the app::Error it threw (failing the test when it threw none).
    template <typename Body>
    app::Error error_of(Body&& body) {
        try {
            body();
        } catch (const app::Error& e) {
            return e;
        }
        ADD_FAILURE() << "no app::Error";
        return app::Error(ErrorKind::failure, "none");
    }

    RuntimeEnv env;
    std::unique_ptr<app::Workspace> ws;
};

TEST_F(WorkspaceTest, CancelEndsAWaitingRunAndTheWorkerNeverCallsForIt) {
    std::string id = env.start_one(kWaitThenPass, {{"email", "ana@acme.test"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(id).status, RunStatus::waiting);

    app::RunChange change = ws->cancel_run(id, "asked by the account owner");
    EXPECT_EQ(change.status, "exited");
    EXPECT_FALSE(change.was_held);

    env.clock.advance(Millis{2 * 86'400'000});
    env.drive();
    app::RunDetail d = ws->get_run(id);
    EXPECT_EQ(d.run.status, RunStatus::exited);
    EXPECT_EQ(d.run.reason, "cancelled by an operator: asked by the account owner");
    EXPECT_TRUE(env.steps_of(id, "call").empty()) << "the worker called for a cancelled run";
    ASSERT_FALSE(d.timeline.empty());
    EXPECT_EQ(d.timeline.back().kind, "cancel");

    app::Error again = error_of([&] { ws->cancel_run(id, ""); });
    EXPECT_EQ(again.kind(), ErrorKind::conflict);
    EXPECT_EQ(again.field(), "id");
}

TEST_F(WorkspaceTest, RetryRunsAFailedRunAgainFromTheStepItFailedOn) {
    std::string id = env.start_one(kSetThenFail, {{"email", "ana@acme.test"}});
    env.drive();
    ASSERT_EQ(env.run(id).status, RunStatus::failed);
    ASSERT_EQ(env.steps_of(id, "call").size(), 1u);

    app::RunChange change = ws->retry_run(id);
    EXPECT_EQ(change.status, "ready");
    env.drive();
    // The failed step ran again; the step before it did not.
    EXPECT_EQ(env.steps_of(id, "call").size(), 2u);
    EXPECT_EQ(env.steps_of(id, "prepare").size(), 1u);
    EXPECT_EQ(env.run(id).status, RunStatus::failed);  // noop.fail fails 5 times here

    env.start_one(kWaitThenPass, {{"email", "bo@acme.test"}});
    env.executor->run_due();
    std::string waiting;
    ws->list_runs({"waiting", "", 10, std::nullopt}, [&](const app::RunSummary& r) {
        waiting = r.run.id;
        EXPECT_EQ(r.step, "call");  // past the wait: the step it waits to run
        return true;
    });
    ASSERT_FALSE(waiting.empty());
    app::Error not_failed = error_of([&] { ws->retry_run(waiting); });
    EXPECT_EQ(not_failed.kind(), ErrorKind::conflict);
}

TEST_F(WorkspaceTest, EveryRefusalIsATypedErrorNamingTheField) {
    struct Case {
        std::function<void()> call;
        ErrorKind kind;
        const char* field;
    };
    ws->add_event({"ana@acme.test", "unsubscribed", "ev1", 0, {}, ""});
    const std::vector<Case> cases = {
        {[&] { ws->get_run("r_nope"); }, ErrorKind::not_found, "id"},
        {[&] { ws->cancel_run("r_nope", ""); }, ErrorKind::not_found, "id"},
        {[&] { ws->retry_run("r_nope"); }, ErrorKind::not_found, "id"},
        {[&] { ws->resolve_run("r_nope", runtime::Resolution::sent); }, ErrorKind::not_found, "id"},
        {[&] {
             ws->list_runs({"nope", "", 10, std::nullopt},
                           [](const app::RunSummary&) { return true; });
         },
         ErrorKind::invalid, "status"},
        {[&] {
             ws->add_event({"nobody", "replied", "", 0, {}, ""});
         },
         ErrorKind::invalid, "contact"},
        {[&] {
             ws->add_event({"ana@acme.test", "", "", 0, {}, ""});
         },
         ErrorKind::invalid, "type"},
        {[&] { ws->suppress("not an entry", "operator", ""); }, ErrorKind::invalid, "entry"},
        {[&] { ws->unsuppress("bo@acme.test"); }, ErrorKind::not_found, "entry"},
        // The person's own unsubscribe: no operator lifts it.
        {[&] { ws->unsuppress("ana@acme.test"); }, ErrorKind::conflict, "entry"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        app::Error e = error_of(cases[i].call);
        EXPECT_EQ(e.kind(), cases[i].kind) << "case " << i << ": " << e.what();
        EXPECT_EQ(e.field(), cases[i].field) << "case " << i << ": " << e.what();
    }
    // What was refused changed nothing: the unsubscribe still stands.
    auto list = ws->suppressions();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].locked);
    ws->suppress("@bo.test", "operator", "test");
    ws->unsuppress("bo.test");
    EXPECT_EQ(ws->suppressions().size(), 1u);
}

TEST_F(WorkspaceTest, ABadConfigIsInvalidWithEachDiagnostic) {
    std::string file = env.dir / "relance.yaml";
    std::ofstream(file) << "senders:\n  - id: sam\n    kind: pigeon\n";
    app::WorkspaceOptions o;
    o.store = "sqlite:" + env.db_path;
    o.config_file = file;
    app::Workspace bad(std::move(o), env.clock);
    app::Error e = error_of([&] { bad.config(); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid);
    EXPECT_EQ(e.field(), "config");
    ASSERT_FALSE(e.details().empty());
    EXPECT_NE(e.details()[0].find("relance.yaml:"), std::string::npos) << e.details()[0];
}

}  // namespace
}  // namespace relance::test
