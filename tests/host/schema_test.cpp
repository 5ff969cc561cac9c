// Schemas compiled once, checked many times: fields named in problems, patterns (of values and
// of property names) matched by RE2 in linear time (a long value must never crash the worker),
// and a schema that does not compile never standing in for a valid one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/host/schema_check.hpp>
#include <relance/schema/json_schema.hpp>

using nlohmann::json;
using relance::host::SchemaChecker;
using relance::schema::JsonSchema;
using relance::schema::SchemaError;

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

TEST(JsonSchema, PatternPropertiesCheckTheMembersTheyMatch) {
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object","properties":{
      "meta":{"type":"object","patternProperties":{
        "^x_":{"type":"string"},"_id":{"type":"integer"}}}}})"));
    EXPECT_TRUE(
        schema.check(json{{"meta", {{"x_foo", "a"}, {"other", 1}, {"user_id", 7}}}}).empty());
    auto problems = schema.check(json{{"meta", {{"x_foo", 3}}}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("meta.x_foo: ", 0), 0u) << problems[0];
    // Not anchored, as JSON Schema says: "_id" matches anywhere in the name; a name matching
    // two patterns is checked against both.
    problems = schema.check(json{{"meta", {{"a_idb", "seven"}, {"x_id", "eight"}}}});
    ASSERT_EQ(problems.size(), 2u);
    std::string all = problems[0] + " | " + problems[1];
    EXPECT_NE(all.find("meta.a_idb: "), std::string::npos) << all;
    EXPECT_NE(all.find("meta.x_id: "), std::string::npos) << all;
    // Problems deeper in a member name their whole path.
    auto deep = JsonSchema::compile(json::parse(R"({"patternProperties":{
      "^item":{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}}})"));
    problems = deep.check(json{{"item1", {{"id", 1}}}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("item1.id: ", 0), 0u) << problems[0];
}

TEST(JsonSchema, AdditionalPropertiesKnowWhatThePatternsMatched) {
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object",
      "properties":{"to":{"type":"string"}},
      "patternProperties":{"^x-":{"type":"integer"}},
      "additionalProperties":false})"));
    EXPECT_TRUE(schema.check(json{{"to", "a@b.io"}, {"x-a", 1}, {"x-b", 2}}).empty());
    auto problems = schema.check(json{{"to", "a@b.io"}, {"x-a", 1}, {"cc", "c"}, {"bcc", "d"}});
    ASSERT_EQ(problems.size(), 2u);  // members in name order, as nlohmann keeps them
    EXPECT_EQ(problems[0].rfind("bcc: is not an allowed property", 0), 0u) << problems[0];
    EXPECT_EQ(problems[1].rfind("cc: is not an allowed property", 0), 0u) << problems[1];
    problems = schema.check(json{{"to", 3}, {"x-a", "one"}});
    ASSERT_EQ(problems.size(), 2u);
    std::string all = problems[0] + " | " + problems[1];
    EXPECT_NE(all.find("to: "), std::string::npos) << all;
    EXPECT_NE(all.find("x-a: "), std::string::npos) << all;

    // additionalProperties as a schema: for the members nothing else names.
    auto typed = JsonSchema::compile(json::parse(R"({"patternProperties":{"^x-":true},
      "additionalProperties":{"type":"string"}})"));
    EXPECT_TRUE(typed.check(json{{"x-a", 1}, {"note", "n"}}).empty());
    problems = typed.check(json{{"x-a", 1}, {"note", 2}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("note: ", 0), 0u) << problems[0];

    // A `false` pattern subschema refuses what it matches, and says so.
    auto closed = JsonSchema::compile(json::parse(R"({"patternProperties":{"^secret":false}})"));
    problems = closed.check(json{{"secret_key", "k"}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "secret_key: is not allowed for names matching '^secret'");
}

TEST(JsonSchema, PatternPropertiesSubschemasResolveReferencesInPlace) {
    // A recursive tree through patternProperties: the moved subschema's `$ref` still means the
    // definitions of this schema, and the cycle compiles.
    auto tree = JsonSchema::compile(json::parse(R"({"$ref":"#/definitions/node",
      "definitions":{"node":{"type":"object",
        "patternProperties":{"^n[0-9]+$":{"$ref":"#/definitions/node"}},
        "additionalProperties":false}}})"));
    EXPECT_TRUE(tree.check(json{{"n1", {{"n2", json::object()}, {"n3", json::object()}}}}).empty());
    auto problems = tree.check(json{{"n1", {{"n2", {{"leaf", 1}}}}}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("n1.n2.leaf: is not an allowed property", 0), 0u) << problems[0];
}

TEST(JsonSchema, PatternPropertiesRe2RefusesAreSchemaErrors) {
    for (const char* pattern : {R"((a)\\1)", "(?=x)", "(?<!y)z"}) {
        std::string text = std::string(R"({"properties":{"meta":{"patternProperties":{")") +
                           pattern + R"(":{}}}}})";
        try {
            JsonSchema::compile(json::parse(text));
            ADD_FAILURE() << pattern << " compiled";
        } catch (const SchemaError& e) {
            EXPECT_NE(std::string(e.what()).find("/properties/meta/patternProperties"),
                      std::string::npos)
                << e.what();
        }
    }
    EXPECT_THROW(JsonSchema::compile(
                     json::parse(R"({"patternProperties":{"^x":{}},"additionalProperties":"no"})")),
                 SchemaError);
    // Our own keywords are not for schemas to spell.
    EXPECT_THROW(JsonSchema::compile(json::parse(R"({"x-relance-properties":0})")), SchemaError);
}

TEST(JsonSchema, PatternPropertiesRunInLinearTimeOnLongNames) {
    // std::regex recurses once per character on "(a|b)*c" and overflows the stack (SIGSEGV) on
    // a name of 20,000 a's already; RE2 matches it in linear time.
    auto schema = JsonSchema::compile(json::parse(R"({"type":"object",
      "patternProperties":{"(a|b)*c":{"type":"integer"}},"additionalProperties":false})"));
    std::string name(200'000, 'a');
    auto problems = schema.check(json{{name, 1}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind(name + ": is not an allowed property", 0), 0u);
    EXPECT_TRUE(schema.check(json{{name + "c", 1}}).empty());
    problems = schema.check(json{{name + "c", "one"}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind(name + "c: ", 0), 0u);
}

TEST(JsonSchema, ReferencesStayInsideTheSchema) {
    // valijson matches a reference to another document, and an `id`, against a std::regex of
    // its own (is it a URN?), which overflows the stack on a long one.
    std::string long_urn = "urn:ab:" + std::string(200'000, 'a');
    EXPECT_THROW(JsonSchema::compile(json{{"$ref", long_urn}}), SchemaError);
    auto with_ids =
        JsonSchema::compile(json{{"id", "http://example.test/s"},
                                 {"properties", {{"a", {{"id", long_urn}, {"type", "string"}}}}}});
    EXPECT_EQ(with_ids.check(json{{"a", 1}}).size(), 1u);
    // A reference to a place no schema stands (an example, here) would have valijson read a
    // `pattern` there that was never taken over, and match values with std::regex.
    try {
        JsonSchema::compile(json::parse(R"({"properties":{"s":{"$ref":"#/examples/0"}},
          "examples":[{"pattern":"(a|b)*c"}]})"));
        FAIL() << "a reference into examples compiled";
    } catch (const SchemaError& e) {
        EXPECT_NE(std::string(e.what()).find("/properties/s/$ref"), std::string::npos) << e.what();
    }
    // References to subschemas work as before.
    auto refs = JsonSchema::compile(json::parse(R"({"properties":{
      "a":{"$ref":"#/definitions/slug"},"b":{"$ref":"#/properties/a"},
      "c":{"$ref":"#/definitions/list/items/0"}},
      "definitions":{"slug":{"type":"string","pattern":"^[a-z]+$"},
                     "list":{"items":[{"type":"integer"}]}}})"));
    EXPECT_TRUE(refs.check(json{{"a", "ok"}, {"b", "ok"}, {"c", 1}}).empty());
    EXPECT_EQ(refs.check(json{{"a", "Not"}, {"b", "Not"}, {"c", "x"}}).size(), 3u);
}

TEST(JsonSchema, FalseSchemasNeverPass) {
    // valijson fails a `false` schema without a message, and the lines on the way to it were
    // dropped: the value came back with no problem, that is, valid.
    auto property = JsonSchema::compile(json::parse(R"({"properties":{"a":false}})"));
    EXPECT_TRUE(property.check(json{{"b", 1}}).empty());
    auto problems = property.check(json{{"a", 1}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("'a'"), std::string::npos) << problems[0];
    auto nothing = JsonSchema::compile(json(false));
    problems = nothing.check(json::object(), "output");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "output: is not allowed by the schema");
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
