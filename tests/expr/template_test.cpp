#include "relance/expr/template.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace relance::expr {
namespace {

const json kScope = json::parse(R"({
    "contact": {"first_name": "Ada", "last_name": "", "company": null, "score": 42,
                "ratio": 0.5, "vip": true, "tags": ["a", "b"], "address": {"city": "Lyon"},
                "Content-Type": "x"},
    "steps": {"send": {"output": {"id": "msg-1", "items": [{"id": 7}, {"id": 8}]}}}
})");

std::size_t error_offset(std::string_view text) {
    try {
        render_string(text, kScope);
    } catch (const TemplateError& e) {
        return e.offset();
    }
    ADD_FAILURE() << "no TemplateError for: " << text;
    return std::string::npos;
}

TEST(Template, PlainTextIsUnchanged) {
    EXPECT_EQ(render_string("hello } {", kScope), "hello } {");
    EXPECT_FALSE(is_template("hello }} {"));
    EXPECT_FALSE(is_template("a {{ b"));
    EXPECT_TRUE(is_template("a {{ b }}"));
}

TEST(Template, StringifiesInsideText) {
    EXPECT_EQ(render_string("Hi {{ contact.first_name }}!", kScope), "Hi Ada!");
    EXPECT_EQ(render_string("{{contact.first_name}} {{ contact.score }}", kScope), "Ada 42");
    EXPECT_EQ(render_string("r={{ contact.ratio }} v={{ contact.vip }}", kScope), "r=0.5 v=true");
    EXPECT_EQ(render_string("t={{ contact.tags }}", kScope), R"(t=["a","b"])");
    EXPECT_EQ(render_string("a={{ contact.address }}", kScope), R"(a={"city":"Lyon"})");
}

TEST(Template, SingleExpressionKeepsType) {
    EXPECT_EQ(render_string("{{ contact.score }}", kScope), json(42));
    EXPECT_EQ(render_string("{{contact.ratio}}", kScope), json(0.5));
    EXPECT_EQ(render_string("{{ contact.vip }}", kScope), json(true));
    EXPECT_EQ(render_string("{{ contact.tags }}", kScope), json::parse(R"(["a","b"])"));
    EXPECT_EQ(render_string("{{ contact.address }}", kScope), json::parse(R"({"city":"Lyon"})"));
    EXPECT_EQ(render_string("{{ contact.missing | 7 }}", kScope), json(7));
    EXPECT_EQ(render_string("{{ contact.missing | 2.5 }}", kScope), json(2.5));
    EXPECT_EQ(render_string("{{ contact.missing | -3 }}", kScope), json(-3));
    EXPECT_EQ(render_string("{{ contact.missing | false }}", kScope), json(false));
    EXPECT_EQ(render_string("{{ contact.missing | null }}", kScope), json(nullptr));
    // Surrounding text, even whitespace, makes it a string.
    EXPECT_EQ(render_string(" {{ contact.score }}", kScope), json(" 42"));
    EXPECT_EQ(render_string("{{ contact.score }}{{ contact.score }}", kScope), json("4242"));
}

TEST(Template, FallbacksSkipMissingNullAndEmpty) {
    EXPECT_EQ(render_string(R"({{ contact.nope | "there" }})", kScope), "there");
    EXPECT_EQ(render_string(R"({{ contact.company | "co" }})", kScope), "co");
    EXPECT_EQ(render_string(R"({{ contact.last_name | 'x' }})", kScope), "x");
    EXPECT_EQ(render_string(R"({{ contact.nope | contact.first_name | "z" }})", kScope), "Ada");
    EXPECT_EQ(render_string(R"(Hi {{ contact.nope | "" }}.)", kScope), "Hi .");
    EXPECT_EQ(render_string(R"({{ "a \"q\" \\ b" }})", kScope), R"(a "q" \ b)");
    EXPECT_EQ(render_string(R"({{ 'it\'s' }})", kScope), "it's");
    EXPECT_EQ(render_string(R"({{ "a}}b" }})", kScope), "a}}b");
}

TEST(Template, IndicesAndQuotedKeys) {
    EXPECT_EQ(render_string("{{ contact.tags[1] }}", kScope), "b");
    EXPECT_EQ(render_string("{{ contact.tags.0 }}", kScope), "a");
    EXPECT_EQ(render_string("{{ steps.send.output.items[1].id }}", kScope), json(8));
    EXPECT_EQ(render_string("{{ steps.send.output.items[ 0 ].id }}", kScope), json(7));
    EXPECT_EQ(render_string(R"({{ contact["Content-Type"] }})", kScope), "x");
    EXPECT_EQ(render_string("{{ contact.tags[5] | 'none' }}", kScope), "none");
    EXPECT_EQ(render_string("{{ contact.first_name.x | 'none' }}", kScope), "none");
}

TEST(Template, UnresolvedVariableNamesFirstPath) {
    try {
        render_string(R"(Hi {{ contact.nope | contact.company }})", kScope);
        FAIL() << "expected UnresolvedVariable";
    } catch (const UnresolvedVariable& e) {
        EXPECT_EQ(e.path(), "contact.nope");
        EXPECT_EQ(std::string(e.what()),
                  "unresolved template variable 'contact.nope' (add a fallback: "
                  "{{ contact.nope | \"...\" }})");
    }
    EXPECT_THROW(render_string("{{ contact.last_name }}", kScope), UnresolvedVariable);
    EXPECT_THROW(render_string("{{ contact.company }}", kScope), UnresolvedVariable);
    EXPECT_THROW(render_string("{{ contact.tags[9] }}", kScope), UnresolvedVariable);
}

TEST(Template, SyntaxErrorsCarryOffsets) {
    EXPECT_EQ(error_offset("ab {{ contact.first_name"), 3u);
    EXPECT_EQ(error_offset("ab {{ }}"), 3u);
    EXPECT_EQ(error_offset("ab {{}}"), 3u);
    EXPECT_EQ(error_offset("{{ a b }}"), 5u);
    EXPECT_EQ(error_offset("{{ a | }}"), 7u);
    EXPECT_EQ(error_offset("{{ | a }}"), 3u);
    EXPECT_EQ(error_offset("{{ a. }}"), 5u);
    EXPECT_EQ(error_offset("{{ a[x] }}"), 5u);
    EXPECT_EQ(error_offset("{{ a[1 }}"), 7u);
    EXPECT_EQ(error_offset("xx {{ 'abc }}"), 6u);
    EXPECT_EQ(error_offset("{{ # }}"), 3u);
    EXPECT_EQ(error_offset("{{ 12ab }}"), 5u);
    EXPECT_EQ(error_offset("{{ a }"), 5u);
    EXPECT_EQ(error_offset("{{ a "), 0u);
    EXPECT_THROW(template_variables("{{ a | }}"), TemplateError);
}

TEST(Template, VariablesListsPathsWithFallbackFlag) {
    auto vars =
        template_variables(R"(Hi {{ contact.a | steps.x[2].y | "d" }} {{ run.id }} {{ 'l' }})");
    ASSERT_EQ(vars.size(), 3u);
    EXPECT_EQ(vars[0].text, "contact.a");
    EXPECT_EQ(vars[0].path, (std::vector<std::string>{"contact", "a"}));
    EXPECT_EQ(vars[0].offset, 6u);
    EXPECT_TRUE(vars[0].has_fallback);
    EXPECT_EQ(vars[1].text, "steps.x[2].y");
    EXPECT_EQ(vars[1].path, (std::vector<std::string>{"steps", "x", "2", "y"}));
    EXPECT_TRUE(vars[1].has_fallback);
    EXPECT_EQ(vars[2].text, "run.id");
    EXPECT_FALSE(vars[2].has_fallback);
    EXPECT_TRUE(template_variables("no template").empty());
}

TEST(Template, RenderValueRecurses) {
    json value = json::parse(R"({
        "to": "{{ contact.first_name }}",
        "{{ key }}": ["{{ contact.score }}", "n={{ contact.score }}", 3, null, {"x": "{{ contact.vip }}"}],
        "n": 1.5
    })");
    json out = render_value(value, kScope);
    EXPECT_EQ(out, json::parse(R"({
        "to": "Ada",
        "{{ key }}": [42, "n=42", 3, null, {"x": true}],
        "n": 1.5
    })"));
}

}  // namespace
}  // namespace relance::expr
