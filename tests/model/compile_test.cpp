#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

TEST(Compile, FlatListChainsToEnd) {
    Workflow wf = load_workflow_text(
        "name: a\nversion: 1\nsteps:\n  - wait: 1d\n  - set: {x: 1}\n  - uses: p.a\n", "f");
    Program p = compile(wf);
    ASSERT_EQ(p.nodes.size(), 3u);
    EXPECT_EQ(p.nodes[0].next, 1);
    EXPECT_EQ(p.nodes[1].next, 2);
    EXPECT_EQ(p.nodes[2].next, -1);
    EXPECT_EQ(p.nodes[0].step, &wf.steps[0]);
    EXPECT_EQ(p.index_of.at("p_a"), 2);
    EXPECT_TRUE(p.unreachable.empty());
}

// Ids are given so the expected layout reads directly off the text.
const char* kNested = R"(name: nested
version: 1
steps:
  - id: a
    uses: p.a
    on_error: {goto: cleanup}
  - id: outer
    if: "inputs.x"
    then:
      - id: b
        wait: 1d
      - id: inner
        if: "inputs.y"
        then:
          - id: c
            wait: 1d
        else: []
      - id: d
        wait: 1d
    else:
      - id: e
        exit: no
      - id: dead
        wait: 1d
  - id: f
    wait: 1d
  - id: stop
    exit: done
  - id: cleanup
    set: {failed: true}
  - id: g
    if: "true"
    then: []
)";

TEST(Compile, NestedSuccessors) {
    Workflow wf = load_workflow_text(kNested, "n.yaml");
    Program p = compile(wf);
    std::vector<std::string> order;
    for (const auto& n : p.nodes) order.push_back(n.step->id);
    EXPECT_EQ(order, (std::vector<std::string>{"a", "outer", "b", "inner", "c", "d", "e", "dead",
                                               "f", "stop", "cleanup", "g"}));
    auto at = [&](const char* id) { return p.nodes[p.index_of.at(id)]; };
    auto idx = [&](const char* id) { return p.index_of.at(id); };
    EXPECT_EQ(at("a").next, idx("outer"));
    EXPECT_EQ(at("a").on_error, idx("cleanup"));
    EXPECT_EQ(at("outer").next, idx("f"));
    EXPECT_EQ(at("outer").then_first, idx("b"));
    EXPECT_EQ(at("outer").else_first, idx("e"));
    EXPECT_EQ(at("b").next, idx("inner"));
    EXPECT_EQ(at("inner").next, idx("d"));
    EXPECT_EQ(at("inner").then_first, idx("c"));
    EXPECT_EQ(at("inner").else_first, -1);  // empty else: the runtime goes to next
    EXPECT_EQ(at("c").next, idx("d"));      // last of inner's then -> inner's next
    EXPECT_EQ(at("d").next, idx("f"));      // last of outer's then -> outer's next
    EXPECT_EQ(at("e").next, -1);            // exit
    EXPECT_EQ(at("dead").next, idx("f"));
    EXPECT_EQ(at("f").next, idx("stop"));
    EXPECT_EQ(at("stop").next, -1);
    EXPECT_EQ(at("cleanup").next, idx("g"));
    EXPECT_EQ(at("g").then_first, -1);
    EXPECT_EQ(at("g").else_first, -1);
    EXPECT_EQ(at("g").next, -1);
    EXPECT_EQ(at("b").on_error, -1);
    // `dead` follows an exit; `cleanup` and `g` follow an exit but cleanup is a goto target.
    EXPECT_EQ(p.unreachable, (std::vector<std::string>{"dead"}));
}

TEST(Compile, UnreachableAfterExit) {
    Workflow wf = load_workflow_text(R"(name: u
version: 1
steps:
  - exit: early
  - id: never
    wait: 1d
  - if: "x"
    then:
      - id: never_either
        wait: 1d
)",
                                     "u.yaml");
    Program p = compile(wf);
    EXPECT_EQ(p.unreachable, (std::vector<std::string>{"never", "if", "never_either"}));
}

TEST(Compile, IsPureFunctionOfSource) {
    Workflow a = load_workflow_text(kNested, "n.yaml");
    Workflow b = load_workflow_text(kNested, "other.yaml");
    Program pa = compile(a), pb = compile(b);
    ASSERT_EQ(pa.nodes.size(), pb.nodes.size());
    for (std::size_t i = 0; i < pa.nodes.size(); ++i) {
        EXPECT_EQ(pa.nodes[i].step->id, pb.nodes[i].step->id);
        EXPECT_EQ(pa.nodes[i].next, pb.nodes[i].next);
        EXPECT_EQ(pa.nodes[i].then_first, pb.nodes[i].then_first);
        EXPECT_EQ(pa.nodes[i].else_first, pb.nodes[i].else_first);
        EXPECT_EQ(pa.nodes[i].on_error, pb.nodes[i].on_error);
    }
}

TEST(Compile, EmptyWorkflowGivesEmptyProgram) {
    Workflow wf;
    Program p = compile(wf);
    EXPECT_TRUE(p.nodes.empty());
    EXPECT_TRUE(p.unreachable.empty());
}

}  // namespace
