// Schemas compiled once, checked many times: fields named in problems, patterns matched by RE2
// in linear time (a long value must never crash the worker), and a schema that does not compile
// never standing in for a valid one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/host/json_schema.hpp>
#include <relance/host/schema_check.hpp>

using nlohmann::json;
using relance::host::JsonSchema;
using relance::host::SchemaChecker;
using relance::host::SchemaError;

TEST(JsonSchema, ProblemsNameTheField) {
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object",
      "properties":{"to":{"type":"string"},
                    "items":{"type":"array","items":{"type":"object","required":["id"]}}},
      "required":["to"],"additionalProperties":false})"));
    EXPECT_TRUE(schema.check(json{{"to", "a@b.io"}}).empty());
    auto problems = schema.check(json{{"to", 3}, {"items", json::array({json::object()})}});
    ASSERT_EQ(problems.size(), 2u);
    std::string all = problems[0] + " | " + problems[1];
    EXPECT_NE(all.find("to: "), std::string::npos) << all;
    EXPECT_NE(all.find("items.0: "), std::string::npos) << all;
    auto top = schema.check(json{{"nope", 1}}, "output");
    ASSERT_FALSE(top.empty());
    EXPECT_EQ(top[0].rfind("output", 0), 0u) << top[0];
}

TEST(JsonSchema, InvalidSchemasDoNotCompile) {
    EXPECT_THROW(JsonSchema::compile(json::parse(R"({"type":"strng"})")), SchemaError);
    EXPECT_THROW(JsonSchema::compile(json::parse(R"({"minLength":"x"})")), SchemaError);
    EXPECT_THROW(JsonSchema::compile(json::parse(R"({"$ref":"http://elsewhere/schema"})")),
                 SchemaError);
    EXPECT_THROW(JsonSchema::compile(json("a string")), SchemaError);
    try {
        JsonSchema::compile(json::parse(R"j({"properties":{"id":{"pattern":"(?=x)"}}})j"));
        FAIL() << "a lookahead compiled";
    } catch (const SchemaError& e) {
        EXPECT_NE(std::string(e.what()).find("/properties/id/pattern"), std::string::npos)
            << e.what();
    }
}

TEST(JsonSchema, PatternsRunInLinearTimeOnLongValues) {
    // std::regex recurses once per character here and overflows the stack on a long value;
    // RE2 does not.
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object","properties":{
      "slug":{"type":"string","pattern":"^[a-z]+$"}}})"));
    std::string long_value(1'000'000, 'a');
    EXPECT_TRUE(schema.check(json{{"slug", long_value}}).empty());
    auto problems = schema.check(json{{"slug", long_value + "!"}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "slug: does not match the pattern '^[a-z]+$'");
    // A property *named* "pattern" is a property, not the keyword.
    auto named = JsonSchema::compile(json::parse(R"({"type":"object","properties":{
      "pattern":{"type":"string"}}})"));
    EXPECT_TRUE(named.check(json{{"pattern", "("}}).empty());
}

TEST(JsonSchema, DateFormatsAreCheckedWithoutStdRegex) {
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object","properties":{
      "day":{"type":"string","format":"date"},"at":{"type":"string","format":"date-time"},
      "mail":{"type":"string","format":"email"}}})"));
    EXPECT_TRUE(
        schema
            .check(
                json{{"day", "2026-11-21"}, {"at", "2026-11-21T09:00:00Z"}, {"mail", "anything"}})
            .empty());
    auto bad_day = schema.check(json{{"day", "2026-13-01"}});
    ASSERT_EQ(bad_day.size(), 1u);
    EXPECT_EQ(bad_day[0], "day: is not a valid date");
    EXPECT_EQ(schema.check(json{{"day", std::string(500'000, '1') + "-01-01"}}).size(), 1u);
}

// The executor's checker (moved here from runtime): a schema that failed to compile was cached
// as an empty, valid schema, so the first check threw and every later one let anything through.
TEST(SchemaChecker, ASchemaThatDoesNotCompileNeverPasses) {
    SchemaChecker checker;
    json bad = json::parse(R"({"type":"object","properties":{"to":{"type":"strng"}}})");
    for (int i = 0; i < 3; ++i) {
        auto problems = checker.check("x.send", bad, json{{"to", 42}});
        ASSERT_EQ(problems.size(), 1u) << "check " << i;
        EXPECT_NE(problems[0].find("the schema of x.send is not a valid JSON Schema"),
                  std::string::npos)
            << problems[0];
    }
    json good = json::parse(R"({"type":"object","required":["to"]})");
    EXPECT_EQ(checker.check("y.send", good, json::object()).size(), 1u);
    EXPECT_TRUE(checker.check("y.send", good, json{{"to", 1}}).empty());
    EXPECT_TRUE(checker.check("z.any", json::object(), json{{"to", 1}}).empty());
}
