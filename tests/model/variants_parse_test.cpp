// Step variants: parsed with positions, and each variant's `with` validated merged over the
// step's.
#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

TEST(VariantsParse, NamesWeightsAndWith) {
    Workflow wf = load_workflow_text(R"(name: v
version: 1
steps:
  - uses: mail.send
    sticky: true
    with: {to: a@b.test}
    variants:
      - {name: a, weight: 3, with: {subject: A}}
      - {name: b, with: {subject: B}}
)",
                                     "v.yaml");
    const Step& s = wf.steps[0];
    ASSERT_EQ(s.variants.size(), 2u);
    EXPECT_TRUE(s.sticky_variant);
    EXPECT_EQ(s.variants[0].name, "a");
    EXPECT_EQ(s.variants[0].weight, 3);
    EXPECT_EQ(s.variants[1].weight, 1);
    EXPECT_EQ((*s.variants[1].with)["subject"], "B");
}

TEST(VariantsParse, BadVariantsAreReported) {
    auto ds = load_errors(R"(name: v
version: 1
steps:
  - uses: mail.send
    variants:
      - {name: a, weight: 0}
      - {name: a}
      - {weight: 2}
  - uses: mail.send
    variants: [{name: only}]
  - wait: 1d
    variants: [{name: x}, {name: y}]
)");
    EXPECT_TRUE(has_diag(ds, 6, 27, "'weight' must be a positive number")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 7, 16, "variant name 'a' is used twice")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 8, 9, "a variant needs a 'name'")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 10, 15, "at least two variants")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 12, 5, "'variants' is not allowed on a 'wait' step")) << dump(ds);
}

TEST(VariantsParse, EachVariantIsValidatedMergedWithTheStep) {
    FakeCatalog c;
    ActionSpec send;
    send.plugin = "mail";
    send.name = "send";
    send.input_schema = json::parse(R"({"type": "object", "required": ["to", "subject"],
        "additionalProperties": false,
        "properties": {"to": {"type": "string"}, "subject": {"type": "string"}}})");
    c.add(send);
    Workflow wf = load_workflow_text(R"(name: v
version: 1
steps:
  - uses: mail.send
    with: {to: a@b.test}
    variants:
      - {name: a, with: {subject: A}}
      - {name: b, with: {subjet: B}}
)",
                                     "v.yaml");
    auto ds = validate(wf, compile(wf), c);
    bool missing = false, unknown = false;
    for (const auto& d : ds) {
        missing |= d.message.find("(variant b)' needs the field 'subject'") != std::string::npos;
        unknown |= d.message.find("no field 'subjet'") != std::string::npos;
        EXPECT_EQ(d.message.find("variant a"), std::string::npos) << d.str();
    }
    EXPECT_TRUE(missing) << dump(ds);
    EXPECT_TRUE(unknown) << dump(ds);
}

}  // namespace
