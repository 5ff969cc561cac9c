// The command line on hostile and messy files, end to end (the real binary): each case crashed,
// hung, or passed and then misbehaved before the input boundaries were bounded.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;

class InputsCli : public ::testing::Test {
  protected:
    ProcessResult relance(std::vector<std::string> rest, const std::string& stdin_text = {}) {
        std::vector<std::string> args = {RELANCE_BIN, "--db", dir / "cli.db", "--plugin-path",
                                         RELANCE_PLUGIN_DIR};
        args.insert(args.end(), rest.begin(), rest.end());
        return run_process(args, stdin_text);
    }
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return dir / name;
    }
    std::string workflow() {
        return write("wf.yaml", R"(name: inputs
version: 1
inputs:
  email: {type: string, required: true}
  name: {type: string, default: there}
steps:
  - set: {greeting: "Hi {{ inputs.name }}"}
  - wait: 1d
)");
    }
    TempDir dir;
};

TEST_F(InputsCli, ALatin1WorkflowIsRefusedByValidateRunAndSimulate) {
    std::string wf =
        write("latin1.yaml", "name: l\nversion: 1\nsteps:\n  - set: {a: \"Relanc\xE9\"}\n");
    std::string csv = write("l.csv", "email\na@x.test\n");
    for (auto args : std::vector<std::vector<std::string>>{
             {"validate", wf}, {"run", wf, "--input", csv}, {"simulate", wf, "--input", csv}}) {
        auto r = relance(args);
        EXPECT_EQ(r.exit_code, 2) << args[0] << "\n" << r.out << r.err;
        EXPECT_NE(r.err.find(wf + ":4:21: error: the file is not valid UTF-8 (byte 0xE9)"),
                  std::string::npos)
            << args[0] << "\n"
            << r.err;
    }
}

TEST_F(InputsCli, HostileYamlIsAnErrorNotACrash) {
    std::string cycle = write("cycle.yaml", "name: w\nversion: 1\nsteps: &a [*a]");
    auto r = relance({"validate", cycle});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(cycle + ":3:12: error: this alias refers to a node that contains it"),
              std::string::npos)
        << r.err;

    std::string laughs =
        "name: w\nversion: 1\nsteps:\n  - set:\n      a: &a [lol, lol, lol, lol, "
        "lol, lol, lol, lol, lol]\n";
    for (char c = 'b'; c <= 'i'; ++c) {
        std::string prev(1, static_cast<char>(c - 1));
        laughs += "      " + std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" +
                  prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
                  ", *" + prev + "]\n";
    }
    r = relance({"validate", write("laughs.yaml", laughs)});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("more than 100000 nodes once its aliases are expanded"), std::string::npos)
        << r.err;

    std::string scenario = write("scenario.yaml", "seed: 1\ndefault: &d {opened: *d}\n");
    r = relance({"simulate", workflow(), "--input", write("l.csv", "email\na@x.test\n"),
                 "--scenario", scenario});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("error: scenario " + scenario +
                         ":2:22: this alias refers to a node that contains it"),
              std::string::npos)
        << r.err;
}

TEST_F(InputsCli, ScenarioFieldsAndTypesAreCheckedWithTheirPlace) {
    std::string csv = write("l.csv", "email\na@x.test\n");
    auto r = relance({"simulate", workflow(), "--input", csv, "--scenario",
                      write("s1.yaml", "seed: 1\ndefault:\n  opened: {p: 2}\n")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("s1.yaml:3:15: default.opened.p: must be between 0 and 1"),
              std::string::npos)
        << r.err;
    r = relance({"simulate", workflow(), "--input", csv, "--scenario",
                 write("s2.yaml", "default:\n  repiled: 0.5\n")});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("default.repiled: unknown event type 'repiled' (did you mean "
                         "'replied'?)"),
              std::string::npos)
        << r.err;
}

TEST_F(InputsCli, DeepJsonIsOneRejectedRecord) {
    std::string deep = "{\"email\": \"d@x.test\", \"x\": " + std::string(60'000, '[') +
                       std::string(60'000, ']') + "}";
    std::string file = write(
        "leads.jsonl", "{\"email\": \"a@x.test\"}\n" + deep + "\n{\"email\": \"b@x.test\"}\n");
    auto r = relance({"run", workflow(), "--input", file});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.out.find("2 run(s) started"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find(file + ":2: the record is nested deeper than 64 levels"),
              std::string::npos)
        << r.err;
}

TEST_F(InputsCli, CsvFromExcelAndWindows) {
    std::string wf = workflow();
    // Windows-1252 with semicolons: refused with the hint, then read with --encoding.
    std::string cp = write("excel.csv", "email;name\r\na@x.test;Ren\xE9\r\nb@x.test;Zo\r\n");
    auto r = relance({"run", wf, "--input", cp});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;  // a malformed input file is invalid input
    EXPECT_NE(r.err.find(cp + ":2:13: not valid UTF-8 (byte 0xE9)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pass --encoding cp1252"), std::string::npos) << r.err;
    r = relance({"--json", "run", wf, "--input", cp, "--encoding", "cp1252"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["started"].size(), 2u) << r.out;
    // UTF-16LE with its BOM, from stdin; tab-separated.
    std::string text = "\xFF\xFE";
    for (char c : std::string("email\tname\nc@x.test\tAl\n")) {
        text += c;
        text += '\0';
    }
    r = relance({"run", wf, "--input", "-"}, text);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("1 run(s) started"), std::string::npos) << r.out;
    // A bad row names its line and column; the rest start.
    std::string bad = write("bad.csv", "email,name\nd@x.test,Di,extra\n\n  \ne@x.test,Ed\n");
    r = relance({"run", wf, "--input", bad});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(bad + ":2: column 13: expected 2 fields (as in the header), found 3"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("1 run(s) started"), std::string::npos) << r.out;
    // An option value that is not one is a usage error.
    r = relance({"run", wf, "--input", bad, "--encoding", "ebcdic"});
    EXPECT_EQ(r.exit_code, 64);
    EXPECT_NE(r.err.find("expected utf-8, utf-16"), std::string::npos) << r.err;
    r = relance({"run", wf, "--input", bad, "--delimiter", "\"\""});
    EXPECT_EQ(r.exit_code, 64);
}

TEST_F(InputsCli, ABrokenInputStartsWhatCameBeforeAndSaysWhere) {
    std::string wf = workflow();
    std::string file = write("open.csv", "email\na@x.test\nb@x.test\n\"c@x.test\n");
    auto r = relance({"run", wf, "--input", file});
    EXPECT_EQ(r.exit_code, 2);  // invalid input (docs/cli.md): what came before is started
    EXPECT_NE(r.err.find(file + ":4:1: a quoted field of the record starting on this line is "
                                "never closed"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("2 run(s) started"), std::string::npos) << r.out;
    r = relance({"--json", "run", wf, "--input", file});
    json j = json::parse(r.out);
    EXPECT_EQ(j["duplicates"], 2);
    EXPECT_NE(j["error"].get<std::string>().find("never closed"), std::string::npos);
}

}  // namespace
}  // namespace relance::test
