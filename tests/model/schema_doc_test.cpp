// docs/workflow.schema.json is what editors use to check workflow files: it must accept every
// shipped workflow and reject what the loader rejects.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
const fs::path kRoot = RELANCE_SOURCE_DIR;

// YAML 1.2 core schema: plain scalars may be null, booleans or numbers; quoted ones are text.
json to_json(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: {
            json o = json::object();
            for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
            return o;
        }
        case YAML::NodeType::Sequence: {
            json a = json::array();
            for (const auto& item : n) a.push_back(to_json(item));
            return a;
        }
        case YAML::NodeType::Scalar: {
            const std::string& s = n.Scalar();
            if (n.Tag() != "?") return s;
            if (s == "true" || s == "false") return s == "true";
            if (s == "null" || s == "~") return nullptr;
            json number = json::parse(s, nullptr, false);
            return number.is_number() ? number : json(s);
        }
        default:
            return nullptr;
    }
}

class SchemaDoc : public ::testing::Test {
protected:
    virtual const char* schema_file() const { return "workflow.schema.json"; }
    void SetUp() override {
        std::ifstream in(kRoot / "docs" / schema_file());
        ASSERT_TRUE(in) << "docs/" << schema_file() << " is missing";
        schema_json = json::parse(in);
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
        parser.populateSchema(adapter, schema);
    }
    bool accepts(const json& doc, std::string* why = nullptr) {
        valijson::Validator validator;
        valijson::ValidationResults results;
        valijson::adapters::NlohmannJsonAdapter target(doc);
        bool ok = validator.validate(schema, target, &results);
        valijson::ValidationResults::Error e;
        while (why && results.popError(e)) *why += e.description + "; ";
        return ok;
    }
    json schema_json;
    valijson::Schema schema;
};

TEST_F(SchemaDoc, AcceptsEveryShippedWorkflow) {
    int files = 0;
    for (const auto& entry : fs::directory_iterator(kRoot / "workflows")) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        std::string why;
        EXPECT_TRUE(accepts(to_json(YAML::LoadFile(entry.path().string())), &why))
            << entry.path() << ": " << why;
    }
    EXPECT_GT(files, 0);
}

TEST_F(SchemaDoc, RejectsWhatTheLoaderRejects) {
    const char* base = "name: x\nversion: 1\nsteps:\n";
    EXPECT_TRUE(accepts(to_json(YAML::Load(std::string(base) + "  - wait: 3d\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load(std::string(base) + "  - wiat: 3d\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load(std::string(base) + "  - wait: 3 days\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load(std::string(base) + "  - uses: nodot\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load("version: 1\nsteps:\n  - wait: 3d\n"))));
}

// The sequence form's defaults and custom event types, as the loader reads them.
TEST_F(SchemaDoc, DefaultsAndCustomEvents) {
    auto doc = [](const std::string& text) { return to_json(YAML::Load(text)); };
    EXPECT_TRUE(accepts(doc("name: x\nversion: 1\ncustom_events: [meeting_booked]\n"
                            "stop_on: [replied, meeting_booked]\n"
                            "defaults: {uses: mail.send, with: {to: a}, retry: 3}\n"
                            "sequence:\n  - {day: 0, with: {subject: s}}\n"
                            "  - {day: 2, uses: crm.update}\n")));
    // Without a default action, every entry names its own.
    EXPECT_FALSE(accepts(doc("name: x\nversion: 1\nsequence:\n  - {day: 0}\n")));
    EXPECT_FALSE(accepts(doc("name: x\nversion: 1\ndefaults: {with: {to: a}}\n"
                             "sequence:\n  - {day: 0}\n")));
    // defaults belong to the sequence form, and take only their keys.
    EXPECT_FALSE(accepts(doc("name: x\nversion: 1\ndefaults: {uses: a.b}\nsteps:\n"
                             "  - wait: 3d\n")));
    EXPECT_FALSE(accepts(doc("name: x\nversion: 1\ndefaults: {uses: a.b, id: x}\n"
                             "sequence:\n  - {day: 0}\n")));
    EXPECT_FALSE(accepts(doc("name: x\nversion: 1\ncustom_events: [Booked]\nsteps:\n"
                             "  - wait: 3d\n")));
}

}  // namespace

// docs/config.schema.json, for the workspace config file.
class ConfigSchemaDoc : public SchemaDoc {
protected:
    const char* schema_file() const override { return "config.schema.json"; }
};

TEST_F(ConfigSchemaDoc, AcceptsTheShippedConfigAndRejectsTypos) {
    std::string why;
    json shipped = to_json(YAML::LoadFile((kRoot / "workflows/config/relance.yaml").string()));
    EXPECT_TRUE(accepts(shipped, &why)) << why;
    const char* base = "senders:\n  - {id: a@x.test, channel: email, limits: ";
    EXPECT_TRUE(accepts(to_json(YAML::Load(std::string(base) + "{daily_cap: 5, min_gap: 90s}}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load(std::string(base) + "{dialy_cap: 5}}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load(std::string(base) + "{min_gap: 90 seconds}}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load("senders:\n  - {id: a@x.test}\n"))));  // no channel
    // The workspace calendar.
    EXPECT_TRUE(accepts(to_json(
        YAML::Load("calendar: {blackout_dates: [2026-12-24, 2026-12-31], holidays: [FR, uk]}\n"))));
    EXPECT_TRUE(accepts(to_json(YAML::Load("calendar: {blackout_dates: 2026-12-24}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load("calendar: {blackout: [2026-12-24]}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load("calendar: {blackout_dates: [24/12/2026]}\n"))));
    EXPECT_FALSE(accepts(to_json(YAML::Load("calendar: {holidays: [Narnia]}\n"))));
}

