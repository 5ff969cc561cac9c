// The fixture of the command-line tests: the real `relance` binary, run in a temp directory
// with its own SQLite file and the real plugins.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../support/process.hpp"

namespace relance::test {

class Cli : public ::testing::Test {
  protected:
    std::vector<std::string> cmd(const std::vector<std::string>& rest) {
        std::vector<std::string> args = {RELANCE_BIN, "--db", dir / "cli.db", "--plugin-path",
                                         RELANCE_PLUGIN_DIR};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    }
    ProcessResult relance(const std::vector<std::string>& rest) { return run_process(cmd(rest)); }

    // Runs with --json and parses stdout; fails the test when it is not JSON.
    nlohmann::json relance_json(std::vector<std::string> rest) {
        rest.insert(rest.begin(), "--json");
        auto r = relance(rest);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out;
        return j;
    }

    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    }

    const std::string src = RELANCE_SOURCE_DIR;
    const std::string prospecting = src + "/workflows/prospecting.yaml";
    const std::string leads = src + "/workflows/data/leads.csv";
    TempDir dir;
};

}  // namespace relance::test
