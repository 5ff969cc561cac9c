// A cron trigger fired by the worker of a real `relance serve` (the wall clock: up to a minute).
#include "api_fixture.hpp"

namespace relance::test {
namespace {

TEST_F(Api, ACronTriggerFiresFromTheServersWorkerOncePerSlot) {
    std::ofstream(dir / "tick.yaml") << R"(name: tick
version: 1
enrollment: {skip_if: never}
triggers:
  - cron: "* * * * *"
    input: {note: tick}
steps:
  - id: note
    set: {done: true}
)";
    auto r = relance({"deploy", dir / "tick.yaml"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string token = create_key("runs:read");
    start_server({});
    json runs;
    auto until = std::chrono::steady_clock::now() + 75s;
    while (std::chrono::steady_clock::now() < until) {
        runs = body_of(client(token).Get("/v1/runs?workflow=tick"), 200)["runs"];
        if (!runs.empty() && runs[0].value("status", "") == "completed") break;
        std::this_thread::sleep_for(250ms);
    }
    ASSERT_EQ(runs.size(), 1u) << runs;
    EXPECT_EQ(runs[0].value("status", ""), "completed") << runs;
    EXPECT_EQ(runs[0]["inputs"]["note"], "tick");
    EXPECT_EQ(runs[0].value("idempotency_key", "").rfind("cron:0:", 0), 0u) << runs;
}

}  // namespace
}  // namespace relance::test
