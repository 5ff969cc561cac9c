// The workflow loader and validator on any bytes: a workflow either loads (then compiles and
// validates) or is refused with a LoadError; anything else (a crash, a sanitizer report, an
// unexpected exception, a hang) is a bug.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <relance/model/validate.hpp>
#include <relance/model/workflow.hpp>
#include <string>

namespace {

using relance::model::ActionSpec;

// Two plugins with schemas, so that `uses:` and `with:` checks run too.
class Catalog final : public relance::model::ActionCatalog {
  public:
    Catalog() {
        ActionSpec send;
        send.plugin = "mail";
        send.name = "send";
        send.channel = "email";
        send.input_schema = nlohmann::json::parse(R"({
            "type": "object", "required": ["to"],
            "anyOf": [{"required": ["subject", "text"]}, {"required": ["template_id"]}],
            "properties": {"to": {"type": "string"}, "subject": {"type": "string"},
                           "text": {"type": "string"}, "template_id": {"type": "string"},
                           "n": {"type": "integer", "minimum": 1},
                           "tags": {"type": "array", "items": {"enum": ["a", "b"]}}}})");
        specs_.push_back(send);
        ActionSpec lookup;
        lookup.plugin = "crm";
        lookup.name = "lookup";
        specs_.push_back(lookup);
    }
    bool has_plugin(const std::string& p) const override { return p == "mail" || p == "crm"; }
    const ActionSpec* find_action(const std::string& p, const std::string& a) const override {
        for (const auto& s : specs_)
            if (s.plugin == p && s.name == a) return &s;
        return nullptr;
    }
    std::vector<std::string> plugin_names() const override { return {"mail", "crm"}; }

  private:
    std::vector<ActionSpec> specs_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Catalog catalog;
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto wf = relance::model::load_workflow_text(text, "fuzz.yaml");
        auto program = relance::model::compile(wf);
        relance::model::validate(wf, program, catalog);
    } catch (const relance::model::LoadError&) {
        // a clean refusal, with its diagnostics
    }
    return 0;
}
