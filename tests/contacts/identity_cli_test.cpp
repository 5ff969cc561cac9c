// "Never spam a person twice", end to end: the real `relance` binary suppresses one spelling of
// an internationalised address and then runs a sequence for another spelling of it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;

class IdentityCli : public ::testing::Test {
  protected:
    ProcessResult relance(const std::vector<std::string>& rest) {
        std::vector<std::string> args = {RELANCE_BIN, "--db", dir / "cli.db", "--plugin-path",
                                         RELANCE_PLUGIN_DIR};
        args.insert(args.end(), rest.begin(), rest.end());
        return run_process(args);
    }
    json relance_json(std::vector<std::string> rest) {
        rest.insert(rest.begin(), "--json");
        auto r = relance(rest);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        json j = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out;
        return j;
    }
    std::string leads(const std::string& text) {
        std::ofstream(dir / "leads.csv") << text;
        return dir / "leads.csv";
    }

    // Suppresses `entry`, runs the prospecting sequence for `csv` and drains the worker; the
    // addresses the sandbox outbox received.
    std::vector<std::string> suppress_then_run(const std::string& entry, const std::string& csv) {
        auto added = relance({"suppress", "add", entry});
        EXPECT_EQ(added.exit_code, 0) << added.err;
        auto run = relance({"run", prospecting, "--input", leads(csv)});
        EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
        auto worker = relance({"worker", "--until-idle"});
        EXPECT_EQ(worker.exit_code, 0) << worker.err;
        std::vector<std::string> to;
        for (const auto& e : relance_json({"sandbox", "outbox"}))
            to.push_back(e["entry"]["to"].dump());
        return to;
    }

    bool reached(const std::vector<std::string>& outbox, const std::string& who) {
        for (const auto& to : outbox)
            if (to.find(who) != std::string::npos) return true;
        return false;
    }

    // Whether a run ended with a reason containing `text` ("suppressed email ...").
    bool some_run_says(const std::string& text) {
        for (const auto& r : relance_json({"runs", "list"}))
            if (r.value("reason", "").find(text) != std::string::npos) return true;
        return false;
    }

    const std::string prospecting = std::string(RELANCE_SOURCE_DIR) + "/workflows/prospecting.yaml";
    TempDir dir;
};

TEST_F(IdentityCli, SuppressedULabelIsNotReachedThroughTheALabel) {
    auto outbox = suppress_then_run("anna@M\xC3\x9CLLER.de",
                                    "id,email\nl1,anna@xn--mller-kva.de\nl2,bob@acme.test\n");
    EXPECT_TRUE(reached(outbox, "bob@acme.test"));
    EXPECT_FALSE(reached(outbox, "anna@")) << "suppressed, reached anyway";
    EXPECT_TRUE(some_run_says("suppressed email anna@xn--mller-kva.de"))
        << relance_json({"runs", "list"}).dump(2);
}

TEST_F(IdentityCli, SuppressedALabelDomainIsNotReachedThroughTheULabel) {
    auto outbox = suppress_then_run("@xn--mller-kva.de",
                                    "id,email\nl1,carl@eu.m\xC3\xBCller.de\nl2,bob@acme.test\n");
    EXPECT_TRUE(reached(outbox, "bob@acme.test"));
    EXPECT_FALSE(reached(outbox, "carl@")) << "suppressed, reached anyway";
    EXPECT_TRUE(some_run_says("suppressed domain xn--mller-kva.de"))
        << relance_json({"runs", "list"}).dump(2);
}

TEST_F(IdentityCli, AnInvalidInternationalisedDomainIsRefusedByName) {
    auto r = relance({"suppress", "add", "anna@xn--zz.de"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("\"xn--zz.de\" is not a valid internationalised domain name"),
              std::string::npos)
        << r.err;
}

}  // namespace
}  // namespace relance::test
