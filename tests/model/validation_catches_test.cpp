// Validation catches what would fail (or silently do nothing) later: event types that never
// match, variables a run may not have, and the sequence form's defaults. Each case loaded or
// validated clean before, then misbehaved at run time.
#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

FakeCatalog catalog() {
    FakeCatalog c;
    ActionSpec send;
    send.plugin = "mail";
    send.name = "send";
    send.channel = "email";
    send.input_schema = json::parse(R"({
        "type": "object", "required": ["to", "subject"], "additionalProperties": false,
        "properties": {"to": {"type": "string"}, "subject": {"type": "string"},
                       "from": {"type": "string"}, "text": {"type": "string"}}})");
    c.add(send);
    ActionSpec lookup;
    lookup.plugin = "crm";
    lookup.name = "lookup";
    c.add(lookup);
    return c;
}

std::vector<Diagnostic> check(const std::string& text) {
    Workflow wf = load_workflow_text(text, "v.yaml");
    return validate(wf, compile(wf), catalog());
}

const std::string kHeader = R"(name: v
version: 1
inputs:
  email: {type: string, required: true}
  first_name: string
  segment: {type: string, default: smb}
  tags: array
steps:
)";

// ---- event types ----

TEST(EventTypes, UnknownTypesAreErrorsWithASuggestion) {
    auto ds = load_errors(R"(name: e
version: 1
stop_on: [Replied, open, repiled, meeting_booked, bounced]
steps:
  - wait_for: [Clicked, opened]
    timeout: 3d
)");
    EXPECT_TRUE(has_diag(ds, 3, 11,
                         "unknown event type 'Replied' in 'stop_on' (did you mean "
                         "'replied'?)"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 20, "'open' in 'stop_on' (did you mean 'opened'?)")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 26, "'repiled' in 'stop_on' (did you mean 'replied'?)"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 35,
                         "'meeting_booked' in 'stop_on': the engine's types are "
                         "delivered, opened, clicked, replied, bounced, "
                         "unsubscribed, complained; declare your own under "
                         "'custom_events'"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 16, "'Clicked' in 'wait_for' (did you mean 'clicked'?)"))
        << dump(ds);
    EXPECT_EQ(ds.size(), 5u) << dump(ds);
}

TEST(EventTypes, CustomTypesAreDeclared) {
    Workflow wf = load_workflow_text(R"(name: e
version: 1
stop_on: [replied, meeting_booked]
custom_events: [meeting_booked, demo.requested]
steps:
  - wait_for: demo.requested
    timeout: 3d
)",
                                     "e.yaml");
    EXPECT_EQ(wf.custom_events, (std::vector<std::string>{"meeting_booked", "demo.requested"}));
    EXPECT_EQ(wf.stop_on, (std::vector<std::string>{"replied", "meeting_booked"}));

    auto ds = load_errors(R"(name: e
version: 1
custom_events: [replied, Booked, x, x, [a]]
steps:
  - wait: 1d
)");
    EXPECT_TRUE(has_diag(ds, 3, 17, "'replied' is one of the engine's event types",
                         Diagnostic::Severity::warning))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 26, "a custom event type is a lowercase name")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 37, "custom event type 'x' is declared twice")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 3, 40, "a custom event type is a lowercase name")) << dump(ds);
}

TEST(EventTypes, AWaitForTypeTheWorkflowStopsOnNeverWakes) {
    auto ds = check(kHeader + R"(  - id: await
    wait_for: [opened, replied]
    timeout: 3d
)");
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 9, 5, "'wait_for' replied never wakes this step",
                         Diagnostic::Severity::warning))
        << dump(ds);
}

// ---- template variables ----

TEST(Templates, ABareInputNameSuggestsItsRoot) {
    auto ds = check(kHeader + R"(  - set:
      a: "{{ first_name }}"
      b: "{{ greeting }}"
  - id: greeting
    lua: "return {}"
)");
    EXPECT_TRUE(has_diag(ds, 10, 14, "unknown root 'first_name'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 14, "(did you mean 'contact.first_name'?)")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 14, "(did you mean 'steps.greeting.output'?)")) << dump(ds);
}

TEST(Templates, AnOptionalInputWithoutFallbackIsAnError) {
    auto ds = check(kHeader + R"(  - set:
      a: "{{ contact.first_name }}"
      b: "Hi {{ inputs.first_name }}"
      c: "{{ inputs.first_name | 'there' }}"
      d: "{{ inputs.segment }} {{ contact.email }}"
      e: "{{ inputs.email.domain }}"
      f: "{{ inputs.tags.0 | 'none' }}"
)");
    EXPECT_TRUE(has_diag(ds, 10, 14, "input 'first_name' is optional and has no default"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 11, 17,
                         "add a fallback ({{ inputs.first_name | \"...\" }}), a "
                         "'default', or 'required: true'"))
        << dump(ds);
    EXPECT_TRUE(has_diag(ds, 14, 14, "input 'email' is a string, it has no field 'domain'"))
        << dump(ds);
    EXPECT_EQ(ds.size(), 3u) << dump(ds);
    // Lua may test for nil: no error there.
    ds = check(kHeader + "  - if: \"inputs.first_name ~= nil\"\n    then: []\n");
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

TEST(Templates, AStepOutputMustBeThereOnEveryPath) {
    auto ds = check(kHeader + R"(  - id: maybe
    when: "inputs.segment == 'enterprise'"
    uses: crm.lookup
  - id: soft
    uses: crm.lookup
    on_error: continue
  - id: sure
    uses: crm.lookup
  - id: await
    wait_for: opened
    timeout: 3d
    then:
      - set: {seen: "{{ steps.await.output.type }}"}
  - set:
      a: "{{ steps.maybe.output.x }}"
      b: "{{ steps.soft.output.x }}"
      c: "{{ steps.sure.output.x }}"
      d: "{{ steps.await.output.type }}"
      e: "{{ steps.maybe.output.x | steps.sure.output.x }}"
      f: "{{ vars.seen }}"
)");
    EXPECT_TRUE(has_diag(ds, 23, 14, "steps.maybe has no output on some path")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 24, 14, "steps.soft has no output on some path")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 26, 14, "steps.await has no output on some path")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 28, 14, "vars.seen is not set on every path")) << dump(ds);
    EXPECT_EQ(ds.size(), 4u) << dump(ds);
}

TEST(Templates, AGotoPathWithoutTheOutputCounts) {
    auto ds = check(kHeader + R"(  - id: first
    uses: crm.lookup
    on_error: {goto: report}
  - id: second
    uses: crm.lookup
  - id: report
    set: {a: "{{ steps.first.output.x }}", b: "{{ steps.second.output.x }}"}
)");
    // `first` failing jumps to report without its output, and without second's.
    EXPECT_TRUE(has_diag(ds, 15, 18, "steps.first has no output")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 15, 51, "steps.second has no output")) << dump(ds);
}

// ---- the sequence form's defaults ----

TEST(SequenceDefaults, EntriesInheritUsesAndWith) {
    Workflow wf = load_workflow_text(R"(name: s
version: 1
inputs:
  email: {type: string, required: true}
defaults:
  uses: mail.send
  with: {to: "{{ contact.email }}", from: sam@x.test}
  retry: 3
sequence:
  - day: 0
    with: {subject: Hello}
  - day: 2
    with: {subject: Again, from: ana@x.test}
    retry: 1
  - day: 4
    uses: crm.lookup
)",
                                     "s.yaml");
    ASSERT_EQ(wf.steps.size(), 5u);
    const Step& first = wf.steps[0];
    EXPECT_EQ(first.plugin, "mail");
    EXPECT_EQ(first.action, "send");
    EXPECT_EQ(first.uses_pos.line, 6);
    EXPECT_EQ(first.with, json::parse(R"({"to": "{{ contact.email }}", "from": "sam@x.test",
                                           "subject": "Hello"})"));
    EXPECT_EQ(first.with_pos.at("/to").line, 7);  // where the default is written
    EXPECT_EQ(first.retry.attempts, 3);
    const Step& second = wf.steps[2];
    EXPECT_EQ((*second.with)["from"], "ana@x.test");  // the entry's own key wins
    EXPECT_EQ(second.retry.attempts, 1);
    const Step& third = wf.steps[4];
    EXPECT_EQ(third.plugin, "crm");
    EXPECT_TRUE(third.with->empty());  // the default `with` is mail.send's
    EXPECT_EQ(third.retry.attempts, 3);
    EXPECT_TRUE(validate(wf, compile(wf), catalog()).empty());
}

TEST(SequenceDefaults, MistakesAreReported) {
    // An entry missing a field the defaults do not give: reported at the entry.
    Workflow wf = load_workflow_text(R"(name: s
version: 1
defaults: {uses: mail.send, with: {to: a@x.test}}
sequence:
  - day: 0
  - day: 1
    with: {subject: Hi}
)",
                                     "s.yaml");
    auto ds = validate(wf, compile(wf), catalog());
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 5, 5, "'mail.send' needs the field 'subject'")) << dump(ds);

    auto errors = load_errors(R"(name: s
version: 1
defaults: {uses: mail.send, id: x}
steps:
  - wait: 1d
)");
    EXPECT_TRUE(has_diag(errors, 3, 1, "'defaults' applies to the entries of 'sequence'"))
        << dump(errors);
    EXPECT_TRUE(has_diag(errors, 3, 29, "unknown key 'id' in defaults")) << dump(errors);

    errors = load_errors(R"(name: s
version: 1
defaults: {with: {to: a@x.test}}
sequence:
  - day: 0
)");
    EXPECT_TRUE(has_diag(errors, 5, 5, "step has no kind")) << dump(errors);
}

}  // namespace
