#include <nlohmann/json.hpp>
#include <relance/model/inputs.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

Workflow typed() {
    return load_workflow_text(R"(name: t
version: 1
inputs:
  email: {type: string, required: true}
  first_name: string
  segment: {type: string, default: smb}
  score: {type: integer, default: 0}
  ratio: number
  vip: boolean
  meta: object
  tags: array
  count: integer
steps:
  - exit: x
)",
                              "t.yaml");
}

TEST(Inputs, CoercesCsvStrings) {
    std::vector<InputProblem> problems;
    json out = coerce_inputs(typed(),
                             json{{"email", "a@example.com"},
                                  {"first_name", "Ann"},
                                  {"score", "42"},
                                  {"ratio", "4.5"},
                                  {"vip", "Yes"},
                                  {"meta", R"({"a": 1})"},
                                  {"tags", R"(["x", "y"])"},
                                  {"count", " -7 "},
                                  {"company", "Acme"}},
                             problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(out["email"], "a@example.com");
    EXPECT_EQ(out["score"], 42);
    EXPECT_TRUE(out["score"].is_number_integer());
    EXPECT_EQ(out["ratio"], 4.5);
    EXPECT_EQ(out["vip"], true);
    EXPECT_EQ(out["meta"], json::parse(R"({"a": 1})"));
    EXPECT_EQ(out["tags"], json::parse(R"(["x", "y"])"));
    EXPECT_EQ(out["count"], -7);
    EXPECT_EQ(out["segment"], "smb");   // default applied
    EXPECT_EQ(out["company"], "Acme");  // undeclared fields are kept
}

TEST(Inputs, BooleanSpellings) {
    Workflow wf = typed();
    for (auto [text, value] : std::vector<std::pair<std::string, bool>>{{"true", true},
                                                                        {"TRUE", true},
                                                                        {"yes", true},
                                                                        {"1", true},
                                                                        {"false", false},
                                                                        {"No", false},
                                                                        {"0", false}}) {
        std::vector<InputProblem> problems;
        json out = coerce_inputs(wf, json{{"email", "a@x.test"}, {"vip", text}}, problems);
        EXPECT_TRUE(problems.empty()) << text;
        EXPECT_EQ(out["vip"], value) << text;
    }
    std::vector<InputProblem> problems;
    json out = coerce_inputs(wf, json{{"email", "a@x.test"}, {"vip", 1}}, problems);
    EXPECT_EQ(out["vip"], true);
}

TEST(Inputs, AcceptsJsonValues) {
    std::vector<InputProblem> problems;
    json out = coerce_inputs(typed(),
                             json{{"email", "a@x.test"},
                                  {"score", 7},
                                  {"ratio", 2},
                                  {"count", 3.0},
                                  {"vip", false},
                                  {"meta", {{"k", "v"}}},
                                  {"tags", {1, 2}},
                                  {"first_name", 12}},
                             problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(out["score"], 7);
    EXPECT_EQ(out["ratio"], 2);
    EXPECT_EQ(out["count"], 3);
    EXPECT_EQ(out["meta"]["k"], "v");
    EXPECT_EQ(out["tags"], json::array({1, 2}));
    EXPECT_EQ(out["first_name"], "12");
}

TEST(Inputs, EmptyMeansAbsent) {
    std::vector<InputProblem> problems;
    json out = coerce_inputs(
        typed(), json{{"email", "a@x.test"}, {"first_name", ""}, {"segment", ""}, {"score", ""}},
        problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_FALSE(out.contains("first_name"));  // no default: absent, so fallbacks apply
    EXPECT_EQ(out["segment"], "smb");
    EXPECT_EQ(out["score"], 0);
}

TEST(Inputs, ReportsProblems) {
    std::vector<InputProblem> problems;
    coerce_inputs(typed(),
                  json{{"email", ""},
                       {"score", "abc"},
                       {"ratio", "4,5"},
                       {"vip", "maybe"},
                       {"meta", "[1]"},
                       {"tags", "not json"},
                       {"count", "1.5"}},
                  problems);
    std::map<std::string, std::string> by_field;
    for (const auto& p : problems) by_field[p.field] = p.message;
    EXPECT_EQ(by_field["email"], "required field is missing");
    EXPECT_EQ(by_field["score"], "expected integer, got \"abc\"");
    EXPECT_EQ(by_field["ratio"], "expected number, got \"4,5\"");
    EXPECT_EQ(by_field["vip"], "expected boolean, got \"maybe\"");
    EXPECT_EQ(by_field["meta"], "expected object, got \"[1]\"");
    EXPECT_EQ(by_field["tags"], "expected array, got \"not json\"");
    EXPECT_EQ(by_field["count"], "expected integer, got \"1.5\"");
    EXPECT_EQ(problems.size(), 7u);

    problems.clear();
    coerce_inputs(typed(), json::object(), problems);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].field, "email");
}

}  // namespace
