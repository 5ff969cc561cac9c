// The OpenAPI document: served at /openapi.json as committed in docs/, and the check every API
// test runs on each response it receives (openapi_check.hpp) really refuses what the document
// does not describe.
#include <relance/signatures/standard_webhooks.hpp>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

std::string docs_openapi() {
    std::ifstream in(std::string(RELANCE_SOURCE_DIR) + "/docs/openapi.json");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

httplib::Response json_response(int status, const json& body,
                                const std::string& type = "application/json") {
    httplib::Response res;
    res.status = status;
    res.body = body.dump();
    res.set_header("Content-Type", type);
    return res;
}

httplib::Request request(const std::string& method, const std::string& path) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    return req;
}

TEST_F(Api, TheServedDocumentIsTheCommittedOneAndParses) {
    start_server({"--no-worker"});
    auto r = client().Get("/openapi.json");  // no key needed
    json served = body_of(r, 200);
    EXPECT_EQ(r->body, docs_openapi());
    EXPECT_EQ(served.value("openapi", ""), "3.1.0");
    // Every route the server has is documented (the ones with a key need one: 401 tells the
    // route exists; a documented path answers something else than "no route").
    for (const auto& [path, item] : served["paths"].items()) {
        EXPECT_FALSE(item.empty()) << path << " is a placeholder";
        for (const auto& [method, op] : item.items()) {
            EXPECT_TRUE(op.contains("responses")) << method << " " << path;
            EXPECT_TRUE(op["responses"].contains("default") || method == "parameters")
                << method << " " << path << ": errors are problems";
        }
    }
}

TEST(OpenApiCheck, AcceptsADocumentedAnswerAndRefusesWhatIsNotDocumented) {
    int before = openapi_checked_count();
    json run = {{"id", "r_1"},
                {"workflow", "w"},
                {"workflow_version_id", 1},
                {"idempotency_key", "k"},
                {"status", "waiting"},
                {"step", "s"},
                {"attempt", 1},
                {"reason", ""},
                {"created_at", "t"},
                {"updated_at", "t"},
                {"inputs", json::object()},
                {"due_at", nullptr}};
    json page = {{"runs", json::array({run})}, {"next_cursor", nullptr}};
    EXPECT_TRUE(
        openapi_problems(request("GET", "/v1/runs?limit=1"), json_response(200, page)).empty());
    EXPECT_EQ(openapi_checked_count(), before + 1);

    // A field the schema does not have.
    json extra = page;
    extra["runs"][0]["secret"] = "x";
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"), json_response(200, extra)).empty());
    // A wrong type, a missing member.
    json wrong = page;
    wrong["runs"][0]["attempt"] = "1";
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"), json_response(200, wrong)).empty());
    json missing = page;
    missing.erase("next_cursor");
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"), json_response(200, missing)).empty());
    // A status the operation does not list answered as JSON (errors must be problems).
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"), json_response(400, page)).empty());
    // A media type not documented.
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"), json_response(200, page, "text/html"))
                     .empty());
    // An operation not documented.
    EXPECT_FALSE(
        openapi_problems(request("PATCH", "/v1/runs/r_1"), json_response(200, run)).empty());
    // A problem for any error status.
    json problem = {
        {"type", "urn:relance:problem:invalid"}, {"title", "Bad Request"}, {"status", 400},
        {"detail", "limit must be..."},          {"request_id", "x"},      {"field", "limit"}};
    EXPECT_TRUE(openapi_problems(request("GET", "/v1/runs"),
                                 json_response(400, problem, "application/problem+json"))
                    .empty());
    problem.erase("title");
    EXPECT_FALSE(openapi_problems(request("GET", "/v1/runs"),
                                  json_response(400, problem, "application/problem+json"))
                     .empty());
}

}  // namespace
}  // namespace relance::test
