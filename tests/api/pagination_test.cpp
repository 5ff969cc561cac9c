// Cursor pagination on the list routes: every item once across the pages, whatever is written
// between two pages, the last page's cursor null, and bad parameters refused naming them.
#include <set>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

std::string waiting_workflow(const std::string& name) {
    return "name: " + name + R"(
version: "1"
inputs:
  email: {type: string, required: true}
steps:
  - id: pause
    wait: 1h
)";
}

class Pages : public Api {
  protected:
    void SetUp() override {
        for (const char* name : {"alpha", "bravo", "charlie"}) {
            std::ofstream(dir / (std::string(name) + ".yaml")) << waiting_workflow(name);
            auto r = relance({"deploy", dir / (std::string(name) + ".yaml")});
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
        token_ = create_key("admin");
        start_server({"--no-worker"});
    }

    std::string start(const std::string& workflow, int i) {
        json body = {{"workflow", workflow},
                     {"input", {{"email", "p" + std::to_string(i) + "@acme.test"}}}};
        json j = body_of(client(token_).Post("/v1/runs", body.dump(), "application/json"), 201);
        return j.value("run_id", "");
    }

    // Walks every page of `path` (which has a query already, or not); the ids in order.
    std::vector<std::string> walk(const std::string& path, const std::string& items,
                                  const std::string& id_field, int* pages = nullptr) {
        std::vector<std::string> ids;
        std::string cursor;
        int n = 0;
        for (;;) {
            std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=2" +
                              (cursor.empty() ? "" : "&cursor=" + cursor);
            json j = body_of(client(token_).Get(url.c_str()), 200);
            ++n;
            for (const auto& item : j[items]) ids.push_back(item.value(id_field, ""));
            if (j["next_cursor"].is_null()) break;
            cursor = j["next_cursor"].get<std::string>();
            if (n > 50) {
                ADD_FAILURE() << "no end";
                break;
            }
        }
        if (pages) *pages = n;
        return ids;
    }

    std::string token_;
};

TEST_F(Pages, RunsComeOnceEachAcrossPagesInCreationOrder) {
    std::vector<std::string> started;
    for (int i = 0; i < 5; ++i) started.push_back(start(i % 2 ? "alpha" : "bravo", i));
    int pages = 0;
    auto seen = walk("/v1/runs", "runs", "id", &pages);
    EXPECT_EQ(seen, started);
    EXPECT_EQ(pages, 3);  // 2 + 2 + 1

    // Runs added between two pages come at the end, never twice nor skipped.
    json first = body_of(client(token_).Get("/v1/runs?limit=2"), 200);
    started.push_back(start("alpha", 5));
    std::vector<std::string> rest;
    std::string cursor = first["next_cursor"];
    for (;;) {
        json j = body_of(client(token_).Get(("/v1/runs?limit=2&cursor=" + cursor).c_str()), 200);
        for (const auto& r : j["runs"]) rest.push_back(r["id"]);
        if (j["next_cursor"].is_null()) break;
        cursor = j["next_cursor"];
    }
    EXPECT_EQ(rest, std::vector<std::string>(started.begin() + 2, started.end()));

    // Filters keep their pages.
    auto alphas = walk("/v1/runs?workflow=alpha", "runs", "id");
    EXPECT_EQ(alphas, (std::vector<std::string>{started[1], started[3], started[5]}));
}

TEST_F(Pages, WorkflowsPageByName) {
    auto names = walk("/v1/workflows", "workflows", "name");
    EXPECT_EQ(names, (std::vector<std::string>{"alpha", "bravo", "charlie"}));
}

TEST_F(Pages, BadPageParametersAreRefusedNamingThem) {
    start("alpha", 0);
    for (const char* bad : {"/v1/runs?cursor=nonsense", "/v1/runs?cursor=c1.%21%21",
                            "/v1/runs?cursor=c1.YWJj", "/v1/workflows?cursor=x"})
        EXPECT_EQ(expect_problem(client(token_).Get(bad), 400).value("field", ""), "cursor") << bad;
    for (const char* bad : {"/v1/runs?limit=0", "/v1/runs?limit=1001", "/v1/runs?limit=two",
                            "/v1/workflows?limit=-1"})
        EXPECT_EQ(expect_problem(client(token_).Get(bad), 400).value("field", ""), "limit") << bad;
}

}  // namespace
}  // namespace relance::test
