// Hostile and malformed files: every one is a clean LoadError naming file:line:col (or the
// file), never a crash, a hang or gigabytes of memory. Each case crashed or misbehaved before
// the YAML door (relance/model/yaml_document.hpp) and the linear scanners existed.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/model/config.hpp>
#include <relance/model/yaml_document.hpp>

#include "helpers.hpp"

using namespace relance::model;
using namespace relance::model::testing;

namespace {

// A workflow that is valid apart from what the test puts at the end of its single step.
const std::string kHead = "name: w\nversion: 1\nsteps:\n";

TEST(HostileInput, AHundredThousandCharacterNameIsAnError) {
    std::string name(100'000, 'A');
    auto ds = load_errors("name: " + name + "\nversion: 1\nsteps:\n  - wait: 1d\n");
    ASSERT_TRUE(has_diag(ds, 1, 7, "workflow name")) << dump(ds).substr(0, 500);
    // The message quotes the start of the name, not all of it.
    EXPECT_LT(ds[0].message.size(), 400u);
    EXPECT_NE(ds[0].message.find("(100000 bytes)"), std::string::npos);
}

TEST(HostileInput, LongKeysAreErrors) {
    // YAML limits implicit keys to 1024 characters: a syntax error, at the end of the key.
    std::string key(100'000, 'k');
    auto ds = load_errors(kHead + "  - wait: 1d\n    " + key + ": 1\n");
    EXPECT_TRUE(has_diag(ds, 5, 100'005, "YAML syntax error")) << dump(ds).substr(0, 500);
    // Under that, an unknown key quotes the start of it only.
    ds = load_errors(kHead + "  - wait: 1d\n    " + key.substr(0, 1000) + ": 1\n");
    ASSERT_TRUE(has_diag(ds, 5, 5, "unknown key 'kkkk")) << dump(ds).substr(0, 500);
    EXPECT_LT(ds[0].message.size(), 400u);
}

TEST(HostileInput, AThirtyThousandDigitScalarIsJustTooLarge) {
    std::string digits(30'000, '7');
    auto ds = load_errors(kHead + "  - uses: mail.send\n    retry: " + digits + "\n");
    EXPECT_TRUE(has_diag(ds, 5, 12, "'attempts' must be an integer from 1 to 100"))
        << dump(ds).substr(0, 500);
    // As a plain `with:` value it stays text (JSON has no infinity): no error, no crash.
    Workflow wf = load_workflow_text(
        kHead + "  - uses: mail.send\n    with: {n: " + digits + ", f: 1." + digits + "e99999}\n",
        "wf.yaml");
    EXPECT_TRUE((*wf.steps[0].with)["n"].is_string());
    EXPECT_TRUE((*wf.steps[0].with)["f"].is_string());
}

TEST(HostileInput, ALongLuaStringValidates) {
    std::string text(20'000, 'x');
    Workflow wf =
        load_workflow_text(kHead + "  - id: l\n    lua: |\n      local s = \"" + text + "\" .. '" +
                               text + "'\n      return { n = #s, a = inputs.first_name }\n",
                           "wf.yaml");
    FakeCatalog catalog;
    auto ds = validate(wf, compile(wf), catalog);
    // The reference after the strings is still found (a warning: it is not declared).
    bool found = false;
    for (const auto& d : ds)
        found |= d.message.find("in Lua: 'inputs.first_name'") != std::string::npos;
    EXPECT_TRUE(found) << dump(ds).substr(0, 500);
}

TEST(HostileInput, ASelfReferentialAliasIsACycle) {
    // 33 bytes.
    std::string text = "name: w\nversion: 1\nsteps: &a [*a]";
    auto ds = load_errors(text);
    EXPECT_TRUE(has_diag(ds, 3, 12, "refers to a node that contains it")) << dump(ds);
    // Deeper inside, and in a mapping.
    ds = load_errors(kHead + "  - &s\n    set: {a: *s}\n");
    EXPECT_TRUE(has_diag(ds, 5, 14, "refers to a node that contains it")) << dump(ds);
}

TEST(HostileInput, BillionLaughsIsRefusedBeforeItGrows) {
    std::string text =
        kHead + "  - set:\n      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    std::string prev = "a";
    for (char c = 'b'; c <= 'i'; ++c) {
        std::string list;
        for (int k = 0; k < 9; ++k) list += (k ? ", *" : "*") + prev;
        text += "      " + std::string(1, c) + ": &" + c + " [" + list + "]\n";
        prev = std::string(1, c);
    }
    ASSERT_LT(text.size(), 1024u);
    auto ds = load_errors(text);
    ASSERT_EQ(ds.size(), 1u) << dump(ds);
    EXPECT_NE(ds[0].message.find("more than 100000 nodes once its aliases are expanded"),
              std::string::npos)
        << dump(ds);
    EXPECT_GT(ds[0].pos.line, 4);
}

TEST(HostileInput, AliasesWithinTheBudgetStillWork) {
    Workflow wf = load_workflow_text(kHead + R"(  - set: &vals {a: 1, b: [x, y]}
  - set: *vals
)",
                                     "wf.yaml");
    ASSERT_EQ(wf.steps.size(), 2u);
    EXPECT_EQ((*wf.steps[1].set)["b"][1], "y");
}

TEST(HostileInput, DeepNestingIsAnError) {
    std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    auto ds = load_errors(kHead + "  - set: {a: " + deep + "}\n");
    // Root, steps, the step and `set` are four levels; the 61st bracket (column 14 + 60) would
    // be the 65th.
    EXPECT_TRUE(has_diag(ds, 4, 74, "nested deeper than 64 levels")) << dump(ds);
    // Block style, through an alias that nests a deep node inside another deep one.
    std::string text = kHead + "  - set:\n      a: &d ";
    for (int i = 0; i < 40; ++i) text += "[";
    for (int i = 0; i < 40; ++i) text += "]";
    text += "\n      b: [[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]\n";
    ds = load_errors(text);
    EXPECT_TRUE(has_diag(ds, 6, 36, "nested deeper than 64 levels once this alias is expanded"))
        << dump(ds);
}

TEST(HostileInput, TextThatIsNotUtf8IsRefusedWhereItStops) {
    // "Relancé" in Latin-1: byte 0xE9.
    auto ds = load_errors(kHead + "  - set: {greeting: \"Relanc\xE9\"}\n");
    EXPECT_TRUE(has_diag(ds, 4, 28, "not valid UTF-8 (byte 0xE9)")) << dump(ds);
    EXPECT_TRUE(has_diag(ds, 4, 28, "Latin-1")) << dump(ds);
    // UTF-16 with its byte-order mark.
    ds = load_errors(std::string("\xFF\xFEn\0a\0", 6));
    EXPECT_TRUE(has_diag(ds, 1, 1, "it is UTF-16; save it as UTF-8")) << dump(ds);
    // A UTF-8 byte-order mark is fine.
    EXPECT_EQ(load_workflow_text("\xEF\xBB\xBF" + kHead + "  - wait: 1d\n", "wf.yaml").name, "w");
}

TEST(HostileInput, AFileOverTheSizeLimitIsNotRead) {
    namespace fs = std::filesystem;
    fs::path path =
        fs::temp_directory_path() / ("relance-big-" + std::to_string(::getpid()) + ".yaml");
    {
        std::ofstream out(path);
        out << kHead << "  - set:\n      a: \"";
        out << std::string(2u << 20, 'x') << "\"\n";
    }
    try {
        load_workflow_file(path.string());
        ADD_FAILURE() << "a 2 MiB workflow loaded";
    } catch (const LoadError& e) {
        EXPECT_NE(std::string(e.what()).find("the workflow file is larger than 1048576 bytes"),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(e.diagnostics().at(0).pos.file, path.string());
    }
    fs::remove(path);
}

TEST(HostileInput, TheConfigGoesThroughTheSameDoor) {
    auto ds = config_errors("senders: &a [*a]\n");
    EXPECT_TRUE(has_diag(ds, 1, 14, "refers to a node that contains it")) << dump(ds);
    ds = config_errors("senders:\n  - id: caf\xE9@x.test\n    channel: email\n");
    EXPECT_TRUE(has_diag(ds, 2, 12, "not valid UTF-8")) << dump(ds);
    ds = config_errors("senders:\n  - id: a@x.test\n    channel: " + std::string(100'000, 'e') +
                       "!\n");
    EXPECT_TRUE(has_diag(ds, 3, 14, "must be a lowercase name")) << dump(ds).substr(0, 300);
    ds = config_errors("pools:\n  " + std::string(1'000, 'p') + "!: [x]\n");
    EXPECT_TRUE(has_diag(ds, 2, 3, "must use letters, digits")) << dump(ds).substr(0, 300);
}

TEST(HostileInput, LimitsAreParameters) {
    YamlLimits tight;
    tight.max_nodes = 5;
    EXPECT_THROW(load_yaml_document("[1, 2, 3, 4, 5]", "x.yaml", tight), LoadError);
    EXPECT_NO_THROW(load_yaml_document("[1, 2, 3, 4]", "x.yaml", tight));
    tight = {};
    tight.max_depth = 2;
    EXPECT_NO_THROW(load_yaml_document("[[1]]", "x.yaml", tight));
    EXPECT_THROW(load_yaml_document("[[[1]]]", "x.yaml", tight), LoadError);
    YAML::Node n = load_yaml_document("a: &x [1]\nb: *x\n", "x.yaml");
    EXPECT_EQ(n["b"][0].as<int>(), 1);
}

}  // namespace
