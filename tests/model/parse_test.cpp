#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;
using namespace std::chrono_literals;

namespace {

const char* kAllKinds = R"(name: all-kinds
version: 2024-05-01
description: every step kind
inputs:
  email: {type: string, required: true, description: "the address"}
  first_name: string
  tier: {type: string, default: standard}
  score: {type: integer, default: 0}
  extra: {type: object}
steps:
  - id: intro
    name: First email
    uses: mail.send
    with:
      to: "{{ contact.email }}"
      count: 3
      ratio: 1.5
      flag: true
      nothing: ~
      quoted: "42"
      list: [a, 2]
      nested: {k: v}
    when: "inputs.tier ~= 'skip'"
    retry: {attempts: 3, backoff: 5m, factor: 3, max_backoff: 1h}
    on_error: continue
  - wait: 1h30m
  - id: branch
    if: "inputs.tier == 'enterprise'"
    then:
      - set: {greeting: "Hello"}
    else:
      - exit: {reason: not enterprise}
  - lua: |
      return { score = #inputs.email }
    retry: 2
    on_error: {goto: intro}
  - exit: done
)";

TEST(Parse, EveryStepKind) {
    Workflow wf = load_workflow_text(kAllKinds, "all.yaml");
    EXPECT_EQ(wf.name, "all-kinds");
    EXPECT_EQ(wf.version, "2024-05-01");
    EXPECT_EQ(wf.description, "every step kind");
    EXPECT_EQ(wf.file, "all.yaml");
    EXPECT_EQ(wf.source, kAllKinds);

    ASSERT_EQ(wf.inputs.size(), 5u);
    EXPECT_EQ(wf.inputs[0].name, "email");
    EXPECT_TRUE(wf.inputs[0].required);
    EXPECT_EQ(wf.inputs[0].description, "the address");
    EXPECT_EQ(wf.inputs[1].type, InputType::string);
    EXPECT_FALSE(wf.inputs[1].required);
    EXPECT_EQ(wf.inputs[2].default_value, json("standard"));
    EXPECT_EQ(wf.inputs[3].type, InputType::integer);
    EXPECT_EQ(wf.inputs[3].default_value, json(0));
    EXPECT_EQ(wf.inputs[4].type, InputType::object);
    EXPECT_EQ(wf.inputs[0].pos.line, 5);
    EXPECT_EQ(wf.inputs[0].pos.column, 3);

    ASSERT_EQ(wf.steps.size(), 5u);
    const Step& a = wf.steps[0];
    EXPECT_EQ(a.kind, StepKind::action);
    EXPECT_EQ(a.id, "intro");
    EXPECT_TRUE(a.id_given);
    EXPECT_EQ(a.name, "First email");
    EXPECT_EQ(a.plugin, "mail");
    EXPECT_EQ(a.action, "send");
    EXPECT_EQ((*a.with)["to"], "{{ contact.email }}");
    EXPECT_EQ((*a.with)["count"], 3);
    EXPECT_EQ((*a.with)["ratio"], 1.5);
    EXPECT_EQ((*a.with)["flag"], true);
    EXPECT_TRUE((*a.with)["nothing"].is_null());
    EXPECT_EQ((*a.with)["quoted"], "42");  // quoted scalars stay text
    EXPECT_EQ((*a.with)["list"], json::parse(R"(["a", 2])"));
    EXPECT_EQ((*a.with)["nested"], json::parse(R"({"k": "v"})"));
    EXPECT_EQ(a.when, "inputs.tier ~= 'skip'");
    EXPECT_EQ(a.retry.attempts, 3);
    EXPECT_EQ(a.retry.backoff, 5min);
    EXPECT_EQ(a.retry.factor, 3.0);
    EXPECT_EQ(a.retry.max_backoff, 1h);
    EXPECT_EQ(a.on_error.kind, OnError::Kind::continue_);
    EXPECT_EQ(a.pos.line, 11);
    EXPECT_EQ(a.pos.column, 5);
    EXPECT_EQ(a.uses_pos.line, 13);
    EXPECT_EQ(a.uses_pos.column, 11);
    EXPECT_EQ(a.with_pos.at("").line, 14);  // the `with:` key
    EXPECT_EQ(a.with_pos.at("/to").line, 15);
    EXPECT_EQ(a.with_pos.at("/to").column, 11);
    EXPECT_EQ(a.with_key_pos.at("/to").column, 7);
    EXPECT_EQ(a.with_pos.at("/list/1").line, 21);
    EXPECT_EQ(a.with_pos.at("/nested/k").line, 22);
    EXPECT_EQ(a.when_pos.line, 23);

    const Step& w = wf.steps[1];
    EXPECT_EQ(w.kind, StepKind::wait);
    EXPECT_EQ(w.wait_for, 90min);
    EXPECT_EQ(w.id, "wait");
    EXPECT_FALSE(w.id_given);

    const Step& i = wf.steps[2];
    EXPECT_EQ(i.kind, StepKind::if_);
    EXPECT_EQ(i.condition, "inputs.tier == 'enterprise'");
    ASSERT_EQ(i.then_steps.size(), 1u);
    ASSERT_EQ(i.else_steps.size(), 1u);
    EXPECT_EQ(i.then_steps[0].kind, StepKind::set);
    EXPECT_EQ(i.then_steps[0].set, json::parse(R"({"greeting": "Hello"})"));
    EXPECT_EQ(i.then_steps[0].set_pos.at("/greeting").line, 30);
    EXPECT_EQ(i.else_steps[0].kind, StepKind::exit);
    EXPECT_EQ(i.else_steps[0].exit_reason, "not enterprise");

    const Step& l = wf.steps[3];
    EXPECT_EQ(l.kind, StepKind::lua);
    EXPECT_EQ(l.lua, "return { score = #inputs.email }\n");
    EXPECT_EQ(l.retry.attempts, 2);
    EXPECT_EQ(l.on_error.kind, OnError::Kind::go_to);
    EXPECT_EQ(l.on_error.target, "intro");

    EXPECT_EQ(wf.steps[4].kind, StepKind::exit);
    EXPECT_EQ(wf.steps[4].exit_reason, "done");
}

TEST(Parse, DefaultRetryAndOnError) {
    Workflow wf = load_workflow_text("name: a\nversion: 1\nsteps:\n  - uses: x.y\n", "f");
    EXPECT_EQ(wf.steps[0].retry.attempts, 1);
    EXPECT_EQ(wf.steps[0].on_error.kind, OnError::Kind::fail);
    EXPECT_TRUE(wf.steps[0].with->is_object());
    EXPECT_TRUE(wf.steps[0].with->empty());
}

TEST(Parse, DerivedIds) {
    Workflow wf = load_workflow_text(R"(name: ids
version: 1
steps:
  - uses: sendgrid.send
  - wait: 1d
  - uses: sendgrid.send
  - if: "true"
    then:
      - uses: sendgrid.send
      - wait: 2d
      - id: set
        set: {a: 1}
    else:
      - set: {b: 2}
  - lua: "return {}"
  - wait: 3d
  - uses: my-crm.update
  - exit: done
)",
                                     "ids.yaml");
    std::vector<std::string> ids;
    std::function<void(const std::vector<Step>&)> walk = [&](const std::vector<Step>& ss) {
        for (const auto& s : ss) {
            ids.push_back(s.id);
            walk(s.then_steps);
            walk(s.else_steps);
        }
    };
    walk(wf.steps);
    // The given id `set` wins; the derived set after it becomes set_2.
    EXPECT_EQ(ids, (std::vector<std::string>{"sendgrid_send", "wait", "sendgrid_send_2", "if",
                                             "sendgrid_send_3", "wait_2", "set", "set_2", "lua",
                                             "wait_3", "my_crm_update", "exit"}));
}

TEST(Parse, SyntaxErrorHasYamlPosition) {
    // Line 3 is indented under a scalar: yaml-cpp reports it at 3:8.
    auto ds = load_errors("name: a\nversion: 1\n steps: []\n");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].pos.file, "wf.yaml");
    EXPECT_EQ(ds[0].pos.line, 3);
    EXPECT_NE(ds[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Parse, BadIndentationInSteps) {
    auto ds = load_errors(R"(name: a
version: 1
steps:
  - uses: x.y
    with:
      to: a
     subject: b
)");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].pos.line, 7) << dump(ds);
}

TEST(Parse, UnclosedFlowMapping) {
    auto ds = load_errors("name: a\nversion: 1\nsteps:\n  - set: {a: 1\n");
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_GE(ds[0].pos.line, 4) << dump(ds);
}

TEST(Parse, CollectsManyErrorsWithPositions) {
    auto ds = load_errors(R"(version: 1
descripton: typo
steps:
  - uses: mail.send
    wiht: {to: a}
  - uses: mail.send
    wait: 3d
  - wait: 3 days
  - id: dup
    wait: 1d
  - id: dup
    exit: done
  - id: 9bad
    exit: x
  - name: no kind here
  - wait: 0s
)");
    EXPECT_TRUE(has_diag(ds, 1, 1, "missing required key 'name'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 2, 1, "did you mean 'description'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 5, "unknown key 'wiht'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 5, "did you mean 'with'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 5, "exactly one kind")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 11, "invalid duration")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 9, "duplicate step id 'dup' (first used at wf.yaml:9:9)"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 9, "must be an identifier")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 5, "step has no kind")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 16, 11, "must be positive")) << dump(ds);
    // Sorted by position, and what() lists them all as file:line:col: error: message.
    for (std::size_t i = 1; i < ds.size(); ++i) EXPECT_LE(ds[i - 1].pos.line, ds[i].pos.line);
    try {
        load_workflow_text("version: 1\nsteps: [{wait: 1d}]\n", "x.yaml");
        FAIL();
    } catch (const LoadError& e) {
        EXPECT_STREQ(e.what(), "x.yaml:1:1: error: missing required key 'name'");
    }
}

TEST(Parse, TopLevelProblems) {
    auto ds = load_errors("name: Bad Name\nversion: 1\nsteps: []\n");
    EXPECT_TRUE(has_diag(ds, 1, 7, "lowercase")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 1, "'steps' is empty")) << dump(ds);

    ds = load_errors("name: a\nversion: 1\n");
    EXPECT_TRUE(has_diag(ds, 1, 1, "missing required key 'steps'")) << dump(ds);

    ds = load_errors("- just\n- a list\n");
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_NE(ds[0].message.find("must be a mapping"), std::string::npos);

    ds = load_errors("");
    ASSERT_EQ(ds.size(), 1u);
}

TEST(Parse, StepKeyProblems) {
    auto ds = load_errors(R"(name: a
version: 1
steps:
  - wait: 1d
    with: {a: 1}
  - uses: Mail
  - if: "x"
  - uses: a.b
    on_error: explode
  - uses: a.b
    on_error: {goto: nowhere}
  - uses: a.b
    retry: {attempts: 0, backoff: soon, factor: 0.5, jitter: 2}
  - set: {bad-name: 1}
  - exit: [1]
  - "just text"
)");
    EXPECT_TRUE(has_diag(ds, 5, 5, "'with' is not allowed on a 'wait' step")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 11, "plugin.action")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 5, "needs a 'then'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 15, "'on_error' must be fail, continue")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 22, "goto target 'nowhere'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 23, "'attempts'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 35, "invalid duration 'soon'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 49, "'factor'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 62, "'jitter' must be a number from 0")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 14, 11, "variable name 'bad-name'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 11, "'exit' takes")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 16, 5, "a step must be a mapping")) << dump(ds);
}

TEST(Parse, InputProblems) {
    auto ds = load_errors(R"(name: a
version: 1
inputs:
  email: strng
  age: {type: integer, default: old}
  ok: {type: string, requird: true}
  flag: {type: boolean, required: maybe}
  bad-name: string
steps:
  - exit: x
)");
    EXPECT_TRUE(has_diag(ds, 4, 10, "did you mean 'string'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 33, "default of input 'age' is not an integer")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 6, 22, "did you mean 'required'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 35, "'required' must be true or false")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 3, "input name 'bad-name'")) << dump(ds);
}

TEST(Parse, DuplicateYamlKey) {
    auto ds = load_errors("name: a\nversion: 1\nname: b\nsteps: [{exit: x}]\n");
    EXPECT_TRUE(has_diag(ds, 3, 1, "duplicate key 'name'")) << dump(ds);
}

TEST(Parse, LoadFileKeepsPathAndReportsMissingFile) {
    try {
        load_workflow_file("/nonexistent/wf.yaml");
        FAIL();
    } catch (const LoadError& e) {
        ASSERT_EQ(e.diagnostics().size(), 1u);
        EXPECT_EQ(e.diagnostics()[0].pos.file, "/nonexistent/wf.yaml");
        EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos);
    }
}

TEST(Parse, DiagnosticFormatting) {
    Diagnostic d{Diagnostic::Severity::warning, SourcePos{"f.yaml", 3, 7}, "careful"};
    EXPECT_EQ(d.str(), "f.yaml:3:7: warning: careful");
    EXPECT_EQ((SourcePos{"f.yaml", 3, 7}).str(), "f.yaml:3:7");
    EXPECT_EQ((SourcePos{"f.yaml", 0, 0}).str(), "f.yaml");
    EXPECT_STREQ(to_string(StepKind::if_), "if");
    EXPECT_STREQ(to_string(InputType::boolean), "boolean");
}

struct DurationCase {
    const char* text;
    long long ms;  // -1: malformed
};

class Duration : public ::testing::TestWithParam<DurationCase> {};

TEST_P(Duration, Parses) {
    auto [text, ms] = GetParam();
    auto d = parse_duration(text);
    if (ms < 0) {
        EXPECT_FALSE(d.has_value()) << text;
    } else {
        ASSERT_TRUE(d.has_value()) << text;
        EXPECT_EQ(d->count(), ms) << text;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Duration,
    ::testing::Values(DurationCase{"90s", 90'000}, DurationCase{"30m", 1'800'000},
                      DurationCase{"2h", 7'200'000}, DurationCase{"3d", 259'200'000},
                      DurationCase{"1w", 604'800'000}, DurationCase{"1h30m", 5'400'000},
                      DurationCase{"1d12h", 129'600'000}, DurationCase{"1w2d3h4m5s", 788'645'000},
                      DurationCase{"0s", 0}, DurationCase{"", -1}, DurationCase{"5", -1},
                      DurationCase{"m", -1}, DurationCase{"5x", -1}, DurationCase{"-5m", -1},
                      DurationCase{"1.5h", -1}, DurationCase{"30m1h", -1}, DurationCase{"1h1h", -1},
                      DurationCase{" 5m", -1}, DurationCase{"5m ", -1}, DurationCase{"5M", -1},
                      DurationCase{"5ms", -1}, DurationCase{"99999999999d", -1}));

}  // namespace
