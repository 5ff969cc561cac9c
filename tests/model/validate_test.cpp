#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

FakeCatalog mail_catalog() {
    FakeCatalog c;
    ActionSpec send;
    send.plugin = "mail";
    send.name = "send";
    send.input_schema = json::parse(R"({
        "type": "object",
        "required": ["to", "subject"],
        "additionalProperties": false,
        "properties": {
            "to": {"type": "string"},
            "subject": {"type": "string"},
            "priority": {"type": "integer", "minimum": 1, "maximum": 5},
            "mode": {"enum": ["plain", "html"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "meta": {"$ref": "#/definitions/meta"},
            "code": {"type": "string", "pattern": "^(a|b)*$"}
        },
        "definitions": {"meta": {"type": "object", "additionalProperties": {"type": "string"}}}
    })");
    c.add(send);
    ActionSpec lookup;
    lookup.plugin = "mail";
    lookup.name = "lookup";
    c.add(lookup);
    ActionSpec crm;
    crm.plugin = "crm";
    crm.name = "update";
    c.add(crm);
    return c;
}

std::vector<Diagnostic> check(const std::string& text) {
    Workflow wf = load_workflow_text(text, "v.yaml");
    Program p = compile(wf);
    return validate(wf, p, mail_catalog());
}

const char* kHeader = R"(name: v
version: 1
inputs:
  email: {type: string, required: true}
  first_name: string
steps:
)";

TEST(Validate, CleanWorkflowHasNoDiagnostics) {
    auto ds = check(std::string(kHeader) + R"(  - id: hello
    uses: mail.send
    with:
      to: "{{ contact.email }}"
      subject: "Hi {{ inputs.first_name | 'there' }} {{ run.id }}"
      priority: 3
      mode: plain
      tags: [a, b]
      meta: {source: csv}
  - set: {n: "{{ steps.hello.output.id }}"}
  - lua: "return { x = vars.n }"
    when: "vars.n ~= nil"
  - uses: mail.send
    with: {to: "{{ vars.n }}", subject: s}
)");
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

TEST(Validate, UnknownPluginAndAction) {
    auto ds = check(std::string(kHeader) + R"(  - uses: mial.send
  - uses: mail.sned
  - uses: sms.send
)");
    EXPECT_TRUE(has_diag(ds, 7, 11, "unknown plugin 'mial'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 11, "did you mean 'mail'?")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 11, "loaded plugins: mail, crm")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 11, "plugin 'mail' has no action 'sned'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 11, "did you mean 'send'?")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 11, "actions: send, lookup")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 11, "unknown plugin 'sms'")) << dump(ds);
    EXPECT_EQ(ds.size(), 3u) << dump(ds);
}

TEST(Validate, WithAgainstSchema) {
    auto ds = check(std::string(kHeader) + R"(  - uses: mail.send
    with:
      to: "{{ contact.email }}"
      subjet: Hello
      priority: high
      mode: rich
      tags: [a, 3]
      meta: {source: 1}
  - uses: mail.send
  - uses: mail.send
    with:
      to: 42
      subject: "{{ inputs.email }}"
      priority: "{{ inputs.email }}"
)");
    EXPECT_TRUE(has_diag(ds, 8, 5, "needs the field 'subject'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 7, "has no field 'subjet' (did you mean 'subject'?)")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 17, "field 'priority' expects integer, got string \"high\""))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 12, 13, "field 'mode' is invalid")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 13, "field 'tags' is invalid")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 14, 13, "field 'meta' is invalid")) << dump(ds);
    // No `with:` at all: both required fields, at the step.
    EXPECT_TRUE(has_diag(ds, 15, 5, "needs the field 'to'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 5, "needs the field 'subject'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 18, 11, "field 'to' expects string, got integer 42")) << dump(ds);
    // Templated values are not type-checked (priority holds a template).
    for (const auto& d : ds) EXPECT_NE(d.pos.line, 20) << dump(ds);
    EXPECT_EQ(ds.size(), 9u) << dump(ds);
}

TEST(Validate, ActionWithoutSchemaAcceptsAnything) {
    auto ds = check(std::string(kHeader) + "  - uses: crm.update\n    with: {anything: 1}\n");
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

TEST(Validate, TemplateVariables) {
    auto ds = check(std::string(kHeader) + R"(  - id: first
    set:
      a: "{{ inputs.emial }}"
      b: "{{ contact.company }}"
      c: '{{ contact.company | "there" }}'
      d: "{{ steps.later.output }}"
      e: "{{ steps.nope.output }}"
      f: "{{ vars.unset }}"
      g: "{{ secrets.key }}"
      h: "{{ steps.first.output }}"
  - id: later
    uses: mail.send
    with:
      to: "x {{ vars.a }} {{ vars.zz }}"
      subject: s
)");
    EXPECT_TRUE(has_diag(ds, 9, 14, "'emial' is not a declared input (did you mean 'email'?)"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 14, "'company' is not a declared input")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 14, "fallback will be used", Diagnostic::Severity::warning))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 12, 14, "steps.later is not before this step")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 14, "there is no step 'nope'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 14, 14, "vars.unset is not set by any 'set' step")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 14, "unknown root 'secrets'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 14, "allowed roots: inputs, contact, steps, vars, run"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 16, 14, "steps.first is not before this step")) << dump(ds);
    // vars.a is set before `later`; vars.zz is not (column maps into the string).
    EXPECT_TRUE(has_diag(ds, 20, 30, "vars.zz is not set")) << dump(ds);
    EXPECT_EQ(ds.size(), 9u) << dump(ds);
}

// A variable set in a branch is absent when the other branch ran: read without a fallback, it
// fails the step at run time, so validation says so (it counted as set before).
TEST(Validate, VarsSetInOneBranchNeedAFallback) {
    auto ds = check(std::string(kHeader) + R"(  - if: "true"
    then:
      - set: {x: 1}
  - set: {y: "{{ vars.x }}"}
)");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 18, "vars.x is not set on every path to this step")) << dump(ds);
    ds = check(std::string(kHeader) + R"(  - if: "true"
    then:
      - set: {x: 1}
  - set: {y: "{{ vars.x | 0 }}"}
)");
    EXPECT_TRUE(ds.empty()) << dump(ds);
    // Set in both branches: always there.
    ds = check(std::string(kHeader) + R"(  - if: "true"
    then:
      - set: {x: 1}
    else:
      - set: {x: 2}
  - set: {y: "{{ vars.x }}"}
)");
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

TEST(Validate, TemplateSyntaxError) {
    auto ds = check(std::string(kHeader) + R"(  - set:
      a: "Hi {{ contact.email"
)");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].pos.line, 8);
    EXPECT_GE(ds[0].pos.column, 10);
    EXPECT_NE(ds[0].message.find("template error"), std::string::npos);
}

TEST(Validate, LuaSyntaxErrors) {
    auto ds = check(std::string(kHeader) + R"(  - if: "inputs.email =="
    then: []
  - lua: |
      local x = 1
      return { x = }
  - set: {a: 1}
    when: "((("
)");
    EXPECT_TRUE(has_diag(ds, 7, 9, "Lua syntax error in 'if' condition")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 7, "Lua syntax error in 'lua' block (line 2)")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 13, 11, "Lua syntax error in 'when' condition")) << dump(ds);
    EXPECT_EQ(ds.size(), 3u) << dump(ds);
}

TEST(Validate, UnreachableSteps) {
    auto ds = check(std::string(kHeader) + R"(  - exit: done
  - id: orphan
    wait: 1d
)");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 5, "step 'orphan' is never reached")) << dump(ds);
}

TEST(Validate, OnErrorTargetCheckedForBuiltWorkflows) {
    // A workflow assembled in code (not loaded) can still name a missing goto target.
    Workflow wf = load_workflow_text(std::string(kHeader) + "  - uses: crm.update\n", "v.yaml");
    wf.steps[0].on_error.kind = OnError::Kind::go_to;
    wf.steps[0].on_error.target = "missing";
    Program p = compile(wf);
    auto ds = validate(wf, p, mail_catalog());
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_NE(ds[0].message.find("goto target 'missing'"), std::string::npos);
}

}  // namespace

namespace {

// A literal is user input: its `pattern` runs on RE2, in linear time. valijson's own std::regex
// recursed once per character and overflowed the stack on a long value, killing `validate`.
TEST(Validate, PatternsOfLiteralsRunInLinearTime) {
    const std::string longest(200000, 'a');
    auto ds =
        check(std::string(kHeader) +
              "  - uses: mail.send\n    with: {to: x, subject: y, code: " + longest +
              "b}\n  - uses: mail.send\n    with: {to: x, subject: y, code: " + longest + "c}\n");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_EQ(ds[0].pos.line, 10) << dump(ds);
    EXPECT_NE(ds[0].message.find("field 'code' is invalid"), std::string::npos) << dump(ds);
    EXPECT_NE(ds[0].message.find("pattern"), std::string::npos) << dump(ds);
}

TEST(Validate, MalformedPluginSchemaIsAWarningNotACrash) {
    FakeCatalog c;
    ActionSpec bad;
    bad.plugin = "bad";
    bad.name = "act";
    bad.input_schema = json::parse(R"({"properties": {"a": {"type": 5, "minimum": "x"}}})");
    c.add(bad);
    Workflow wf = load_workflow_text(
        "name: b\nversion: 1\nsteps:\n  - uses: bad.act\n    with: {a: 1}\n", "b.yaml");
    Program p = compile(wf);
    auto ds = validate(wf, p, c);
    for (const auto& d : ds) EXPECT_EQ(d.severity, Diagnostic::Severity::warning) << dump(ds);
}

}  // namespace

// "template_id, or subject with text": rules on which fields are present are judged at validate
// time (a templated value counts as present), not discovered by the first run that fails.
TEST(Validate, PresenceRulesOfTheWholeInputAreChecked) {
    FakeCatalog c;
    ActionSpec send;
    send.plugin = "mail";
    send.name = "send";
    send.input_schema = json::parse(R"({
        "type": "object",
        "required": ["to"],
        "anyOf": [{"required": ["template_id"]}, {"required": ["subject", "text"]}],
        "properties": {"to": {"type": "string"}, "subject": {"type": "string"},
                       "text": {"type": "string"}, "template_id": {"type": "string"}}
    })");
    c.add(send);
    auto run = [&](const std::string& with) {
        Workflow wf = load_workflow_text(std::string(kHeader) +
                                             "  - id: s\n    uses: mail.send\n"
                                             "    with: " +
                                             with + "\n",
                                         "p.yaml");
        return validate(wf, compile(wf), c);
    };
    auto bad = run(R"({to: "{{ inputs.email }}", text: hi})");
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(bad[0].pos.line, 9);
    EXPECT_NE(bad[0].message.find("template_id, or subject + text"), std::string::npos)
        << bad[0].message;
    EXPECT_TRUE(run(R"({to: a@b.test, subject: "{{ inputs.email }}", text: hi})").empty());
    EXPECT_TRUE(run(R"({to: a@b.test, template_id: d-1})").empty());
}

// Lua is dynamic, so references in conditions and blocks are warned about, not refused.
TEST(Validate, LuaReferencesAreWarnedAbout) {
    auto ds = check(std::string(kHeader) + R"(  - id: a
    when: "inputs.nope == 1 and steps.zz.output == 2 and inputs.email ~= 'inputs.quoted'"
    set: {x: 1}
  - lua: |
      -- vars.in_comment
      return { v = vars.x, w = vars.never }
)");
    std::vector<std::string> warnings;
    for (const auto& d : ds) {
        EXPECT_EQ(d.severity, Diagnostic::Severity::warning) << d.str();
        warnings.push_back(d.message);
    }
    ASSERT_EQ(warnings.size(), 3u) << dump(ds);
    EXPECT_NE(warnings[0].find("'nope' is not a declared input"), std::string::npos);
    EXPECT_NE(warnings[1].find("no step 'zz'"), std::string::npos);
    EXPECT_NE(warnings[2].find("vars.never"), std::string::npos);
}
