// Templates are bounded (issue 8, point 3): the parser is linear and does not recurse, the text,
// the nesting of values and the size of what one call renders are capped, and every error names
// the template. Inputs that could crash the process run in a child (hang_guard.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "hang_guard.hpp"
#include "relance/expr/template.hpp"

namespace relance::expr {
namespace {

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const TemplateError& e) {
        return e.what();
    } catch (const UnresolvedVariable& e) {
        return std::string("unresolved: ") + e.what();
    }
    return "no error";
}

// A value nested `depth` levels, built and destroyed without recursion.
json nested(int depth) {
    json value = "leaf";
    for (int i = 0; i < depth; ++i) value = json::array({std::move(value)});
    return value;
}

TEST(TemplateLimits, TemplateTextIsCapped) {
    const std::string huge = "Hi {{ name }} " + std::string(1u << 20, 'x');
    const json scope = {{"name", "Ada"}};
    const std::string message = error_of([&] { render_string(huge, scope); });
    EXPECT_EQ(
        message.rfind("template is larger than 1 MiB (1048590 bytes): \"Hi {{ name }} xxx", 0), 0u)
        << message;
    EXPECT_NE(error_of([&] { template_variables(huge); }).find("larger than 1 MiB"),
              std::string::npos);
    TemplateLimits small;
    small.max_template_bytes = 64;
    EXPECT_NE(error_of([&] {
                  render_value(json{{"a", std::string(65, 'y')}}, scope, small);
              }).find("template is larger than 64 bytes"),
              std::string::npos);
    EXPECT_EQ(render_string("Hi {{ name }}", scope, small), "Hi Ada");
}

// A short template can expand a large value many times: what one call renders is capped.
TEST(TemplateLimits, RenderedOutputIsCappedAndNamed) {
    const json scope = {{"big", std::string(1u << 20, 'b')}, {"list", json::array()}};
    std::string text = "Dear {{ big }}";
    for (int i = 0; i < 20; ++i) text += " {{ big }}";
    EXPECT_EQ(error_of([&] { render_string(text, scope); }),
              "template renders to more than 16 MiB: \"Dear {{ big }} {{ big }} {{ big }} {{ big "
              "}} {{ big }} {{ bi...\"");
    // Across the strings of one `with:` value, with the place of the string that went over.
    json with = {{"to", "x@example.com"}, {"parts", json::array()}};
    for (int i = 0; i < 20; ++i) with["parts"].push_back("{{ big }}");
    EXPECT_EQ(error_of([&] { render_value(with, scope); }),
              "template at /parts/15 renders to more than 16 MiB: \"{{ big }}\"");
    // Typed values count too.
    json array = json::array();
    for (int i = 0; i < 1000; ++i) array.push_back(std::string(1000, 'a'));
    const json scope2 = {{"rows", array}};
    TemplateLimits small;
    small.max_output_bytes = 100'000;
    EXPECT_NE(error_of([&] {
                  render_string("{{ rows }}", scope2, small);
              }).find("renders to more than 100000 bytes"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  render_string("rows: {{ rows }}", scope2, small);
              }).find("renders to more than 100000 bytes"),
              std::string::npos);
    EXPECT_EQ(render_string("{{ rows[999] }}", scope2, small), std::string(1000, 'a'));
}

// Deep `with:` trees and deep inserted values: a clear error, never a stack overflow.
TEST(TemplateLimits, DeepValuesAreErrorsNotCrashes) {
    const test::Outcome o = test::run_guarded([] {
        // (Copying a json value recurses in nlohmann::json: the test builds each one.)
        std::string out = error_of([&] { render_value(nested(200'000), json::object()); });
        json scope = json::object();
        scope["deep"] = nested(200'000);
        out += " | " + error_of([&] { render_string("{{ deep }}", scope); });
        out += " | " + error_of([&] { render_string("x {{ deep }}", scope); });
        return out;
    });
    ASSERT_TRUE(o.ended) << o.problem;
    EXPECT_EQ(o.output,
              "template value at /0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/"
              "0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0 is nested deeper "
              "than 64 levels | value of 'deep' is nested deeper than 64 levels | value of 'deep' "
              "is nested deeper than 64 levels");
    // Up to the limit, values render as before.
    EXPECT_EQ(render_value(nested(63), json::object()), nested(63));
    EXPECT_EQ(render_string("{{ v }}", json{{"v", nested(63)}}), nested(63));
}

// Long names, long literals, many expressions, long numbers: results or clear errors.
TEST(TemplateLimits, LongInputsAreHandled) {
    const std::string name(100'000, 'n');
    const std::string message =
        error_of([&] { render_string("{{ " + name + " }}", json::object()); });
    EXPECT_EQ(message.size(), std::string("unresolved: unresolved template variable '' (add a "
                                          "fallback: {{  | \"...\" }})")
                                      .size() +
                                  2 * 203)
        << message.substr(0, 300);
    try {
        render_string("{{ " + name + " }}", json::object());
    } catch (const UnresolvedVariable& e) {
        EXPECT_EQ(e.path(), name);
    }
    EXPECT_EQ(render_string("{{ " + name + " }}", json{{name, "v"}}), "v");
    const std::string literal(20'000, 'l');
    EXPECT_EQ(render_string("{{ missing | \"" + literal + "\" }}", json::object()), literal);
    const std::string digits(30'000, '7');
    EXPECT_NE(error_of([&] { render_string("{{ missing | " + digits + " }}", json::object()); }),
              "no error");
    EXPECT_NE(error_of([&] { render_string(std::string(100'000, '{'), json::object()); }),
              "no error");
    std::string many;
    for (int i = 0; i < 100'000; ++i) many += "{{a}}";
    EXPECT_EQ(render_string(many, json{{"a", "x"}}), std::string(100'000, 'x'));
    EXPECT_EQ(template_variables(many).size(), 100'000u);
    std::string path = "a";
    for (int i = 0; i < 50'000; ++i) path += ".b";
    EXPECT_EQ(template_variables("{{ " + path + " }}").front().path.size(), 50'001u);
}

}  // namespace
}  // namespace relance::expr
