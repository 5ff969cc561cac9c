// The shipped example must load, compile and validate cleanly (templates, ids, reachability).
#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/model/inputs.hpp>
#include <sstream>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

const std::string kRoot = RELANCE_SOURCE_DIR;

// Accepts any input: the example's `with:` blocks are checked against the real sendgrid manifest
// by the CLI tests (tests/cli: `relance validate workflows/*`); here the model alone is tested.
FakeCatalog sendgrid_catalog() {
    FakeCatalog c;
    ActionSpec send;
    send.plugin = "sendgrid";
    send.name = "send";
    c.add(send);
    return c;
}

TEST(Example, ProspectingLoadsCompilesAndValidates) {
    Workflow wf = load_workflow_file(kRoot + "/workflows/prospecting.yaml");
    EXPECT_EQ(wf.name, "prospecting");
    Program p = compile(wf);
    EXPECT_TRUE(p.unreachable.empty());
    auto ds = validate(wf, p, sendgrid_catalog());
    EXPECT_TRUE(ds.empty()) << dump(ds);

    int sends = 0, waits = 0;
    for (const auto& n : p.nodes) {
        if (n.step->kind == StepKind::action) {
            ++sends;
            EXPECT_EQ(n.step->plugin, "sendgrid");
            EXPECT_EQ((*n.step->with)["from"], "sam@relance-demo.test");
        }
        if (n.step->kind == StepKind::wait) ++waits;
    }
    EXPECT_EQ(sends, 4);  // intro, two follow-up variants, breakup: three per contact
    EXPECT_EQ(waits, 2);
    const Node& branch = p.nodes[p.index_of.at("follow_up_branch")];
    EXPECT_EQ(p.nodes[branch.then_first].step->id, "follow_up_enterprise");
    EXPECT_EQ(p.nodes[branch.else_first].step->id, "follow_up");
}

// The example printed in docs/workflows.md must stay valid too.
TEST(Example, ReferenceDocExampleValidates) {
    std::ifstream in(kRoot + "/docs/workflows.md");
    ASSERT_TRUE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string doc = ss.str();
    auto start = doc.find("```yaml\n", doc.find("## A complete example"));
    ASSERT_NE(start, std::string::npos);
    start += 8;
    auto end = doc.find("```", start);
    Workflow wf = load_workflow_text(doc.substr(start, end - start), "docs/workflows.md");
    Program p = compile(wf);
    auto ds = validate(wf, p, sendgrid_catalog());
    EXPECT_TRUE(ds.empty()) << dump(ds);
}

TEST(Example, ValidatorCatchesAMissingPlugin) {
    Workflow wf = load_workflow_file(kRoot + "/workflows/prospecting.yaml");
    Program p = compile(wf);
    FakeCatalog empty;
    auto ds = validate(wf, p, empty);
    EXPECT_EQ(ds.size(), 4u) << dump(ds);
}

TEST(Example, LeadsCsvCoercesCleanly) {
    Workflow wf = load_workflow_file(kRoot + "/workflows/prospecting.yaml");
    std::ifstream in(kRoot + "/workflows/data/leads.csv");
    ASSERT_TRUE(in);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    {
        std::stringstream ss(line);
        for (std::string f; std::getline(ss, f, ',');) header.push_back(f);
    }
    EXPECT_EQ(header, (std::vector<std::string>{"id", "email", "first_name", "last_name", "company",
                                                "segment"}));
    int rows = 0, enterprise = 0, no_first_name = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        for (std::string f; std::getline(ss, f, ',');) cells.push_back(f);
        cells.resize(header.size());
        json record = json::object();
        for (std::size_t i = 0; i < header.size(); ++i) record[header[i]] = cells[i];
        std::vector<InputProblem> problems;
        json out = coerce_inputs(wf, record, problems);
        EXPECT_TRUE(problems.empty()) << line;
        ++rows;
        if (out["segment"] == "enterprise") ++enterprise;
        if (!out.contains("first_name")) ++no_first_name;
        const std::string email = out["email"];
        EXPECT_TRUE(email.ends_with(".test") || email.ends_with("@example.com")) << email;
    }
    EXPECT_GE(rows, 45);
    EXPECT_GT(enterprise, 5);
    EXPECT_GE(no_first_name, 3);
}

}  // namespace
