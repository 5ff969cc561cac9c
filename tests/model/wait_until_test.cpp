// `wait: {until, offset, past}`: what the loader reads, the mistakes it and `validate` report with
// file:line:col, the offset syntax, and docs/workflow.schema.json agreeing with the loader.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

const char* kHeader = R"(name: webinar
version: 1
inputs:
  email: {type: string, required: true}
  webinar_at: {type: string, required: true}
  maybe_at: string
steps:
)";

std::vector<Diagnostic> check(const std::string& steps) {
    Workflow wf = load_workflow_text(std::string(kHeader) + steps, "w.yaml");
    Program p = compile(wf);
    return validate(wf, p, FakeCatalog());
}

// A diagnostic on `line` (any column when col is 0) whose message contains `needle`.
bool has_at(const std::vector<Diagnostic>& ds, int line, int col, const std::string& needle) {
    for (const auto& d : ds)
        if (d.pos.line == line && (col == 0 || d.pos.column == col) &&
            d.severity == Diagnostic::Severity::error &&
            d.message.find(needle) != std::string::npos)
            return true;
    return false;
}

TEST(WaitUntil, OffsetsParse) {
    auto o = parse_moment_offset("-1d");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->days, -1);
    EXPECT_EQ(o->exact.count(), 0);
    o = parse_moment_offset("+1h30m");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->days, 0);
    EXPECT_EQ(o->exact, minutes(90));
    o = parse_moment_offset("-1d12h");  // a calendar day back, then twelve exact hours
    ASSERT_TRUE(o);
    EXPECT_EQ(o->days, -1);
    EXPECT_EQ(o->exact, -hours(12));
    o = parse_moment_offset("36h");  // hours stay hours: no day in them
    ASSERT_TRUE(o);
    EXPECT_EQ(o->days, 0);
    EXPECT_EQ(o->exact, hours(36));
    o = parse_moment_offset("-1w2d");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->days, -9);
    o = parse_moment_offset("-2bd");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->business_days, -2);
    EXPECT_EQ(o->days, 0);
    for (const char* bad : {"", "-", "+", "1 day", "--1d", "+-1d", "-1.5h", "-30m1h", "1bd2",
                            "-1dd", "d", "-1d 2h", "-99999999999d", "-2bd1h"})
        EXPECT_FALSE(parse_moment_offset(bad)) << bad;
}

TEST(WaitUntil, TheLoaderReadsTheMapping) {
    Workflow wf = load_workflow_text(std::string(kHeader) + R"(  - id: day_before
    wait: {until: "{{ inputs.webinar_at }}", offset: -1d, past: run_now}
  - wait:
      until: 2026-04-02T18:00:00Z
  - wait: 3d
)",
                                     "w.yaml");
    ASSERT_EQ(wf.steps.size(), 3u);
    const Step& a = wf.steps[0];
    EXPECT_EQ(a.kind, StepKind::wait);
    ASSERT_TRUE(a.wait_until);
    EXPECT_EQ(a.wait_until->until, "{{ inputs.webinar_at }}");
    EXPECT_EQ(a.wait_until->offset.days, -1);
    EXPECT_EQ(a.wait_until->offset_text, "-1d");
    EXPECT_EQ(a.wait_until->past, WaitUntil::Past::run_now);
    EXPECT_EQ(a.wait_until->until_pos.line, 9);
    const Step& b = wf.steps[1];
    ASSERT_TRUE(b.wait_until);
    EXPECT_EQ(b.wait_until->past, WaitUntil::Past::skip);  // the default
    EXPECT_TRUE(b.wait_until->offset.empty());
    EXPECT_EQ(b.id, "wait");
    EXPECT_FALSE(wf.steps[2].wait_until);  // a duration is still a duration
    EXPECT_EQ(wf.steps[2].id, "wait_2");
    EXPECT_TRUE(check(R"(  - wait: {until: "{{ inputs.webinar_at }}", offset: -1d}
)")
                    .empty());
}

TEST(WaitUntil, BadShapesAreReportedWhereTheyAre) {
    auto ds = load_errors(std::string(kHeader) + R"(  - id: day_before
    wait:
      until: "{{ inputs.webinar_at }}"
      offset: -1 day
      past: later
  - wait:
      offset: -1d
  - wait: {until: [a, b]}
  - wait: {until: "{{ inputs.webinar_at }}", ofset: -1d}
  - wait: 3d
    on_error: continue
  - wait: {until: 2026-04-02}
    on_error: continue
)");
    EXPECT_TRUE(has_at(ds, 11, 15, "invalid offset '-1 day'")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 12, 13, "'past' must be skip or run_now, got 'later'")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 13, 5, "needs 'until'")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 15, 19, "'until' takes a moment")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 16, 46, "unknown key 'ofset'")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 18, 5, "'on_error' on a 'wait' step applies to its 'until' form"))
        << dump(ds);
    EXPECT_FALSE(has_at(ds, 20, 0, "on_error")) << dump(ds);  // the until form takes it
}

TEST(WaitUntil, ValidateChecksTheTemplateAndLiterals) {
    auto ds = check(R"(  - wait: {until: "{{ inputs.webinar }}", offset: -1d}
  - wait: {until: "{{ inputs.maybe_at }}"}
  - wait: {until: "{{ inputs.webinar_at ", offset: -2h}
  - wait: {until: "2026-02-30T10:00"}
  - wait: {until: "{{ inputs.maybe_at | inputs.webinar_at }}"}
)");
    EXPECT_TRUE(has_at(ds, 8, 0, "'webinar' is not a declared input")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 9, 0, "is optional and has no default")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 10, 0, "template error")) << dump(ds);
    EXPECT_TRUE(has_at(ds, 11, 19, "'until' is not a moment: invalid time '2026-02-30T10:00'"))
        << dump(ds);
    EXPECT_FALSE(has_at(ds, 12, 0, "")) << dump(ds);  // a fallback chain is fine
    for (const auto& d : ds) EXPECT_EQ(d.pos.file, "w.yaml");
}

// With `past: skip` the step after the wait may never run: reading its output needs a fallback.
TEST(WaitUntil, PastSkipMakesTheNextStepsOutputOptional) {
    const std::string tail = R"(
  - id: pick
    lua: "return {line = 'hi'}"
  - set: {line: "{{ steps.pick.output.line }}"}
)";
    auto skip = check("  - wait: {until: \"{{ inputs.webinar_at }}\", past: skip}" + tail);
    EXPECT_TRUE(has_at(skip, 11, 0, "steps.pick has no output on some path")) << dump(skip);
    auto now = check("  - wait: {until: \"{{ inputs.webinar_at }}\", past: run_now}" + tail);
    EXPECT_TRUE(now.empty()) << dump(now);
}

TEST(WaitUntil, TheJsonSchemaAgreesWithTheLoader) {
    std::ifstream in(std::filesystem::path(RELANCE_SOURCE_DIR) / "docs/workflow.schema.json");
    ASSERT_TRUE(in);
    json schema_json = json::parse(in);
    valijson::Schema schema;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema);
    auto accepts = [&](const json& wait, const json& extra = json::object()) {
        json step = extra;
        step["wait"] = wait;
        json doc = {{"name", "w"}, {"version", 1}, {"steps", json::array({step})}};
        valijson::Validator validator;
        valijson::adapters::NlohmannJsonAdapter target(doc);
        return validator.validate(schema, target, nullptr);
    };
    EXPECT_TRUE(accepts("3d"));
    EXPECT_TRUE(accepts({{"until", "{{ inputs.webinar_at }}"}, {"offset", "-1d"}}));
    EXPECT_TRUE(accepts({{"until", "2026-04-02T18:00"}, {"offset", "+1h30m"}, {"past", "skip"}}));
    EXPECT_TRUE(accepts({{"until", "x"}, {"offset", "-2bd"}, {"past", "run_now"}},
                        {{"on_error", "continue"}}));
    EXPECT_FALSE(accepts({{"offset", "-1d"}}));                     // no until
    EXPECT_FALSE(accepts({{"until", "x"}, {"offset", "-1 day"}}));  // bad offset
    EXPECT_FALSE(accepts({{"until", "x"}, {"past", "later"}}));     // bad policy
    EXPECT_FALSE(accepts({{"until", "x"}, {"ofset", "-1d"}}));      // unknown key
    EXPECT_FALSE(accepts({{"until", ""}}));                         // empty
    EXPECT_FALSE(accepts("-1d"));  // a negative duration is not a wait
}

}  // namespace
