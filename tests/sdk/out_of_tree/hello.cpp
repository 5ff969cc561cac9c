// The smallest useful plugin: one action, no sandbox. Built out of tree by the SDK test.
#include <relance/plugin.hpp>

namespace {

namespace sdk = relance::sdk;
using sdk::json;

const char* const kManifest = R"json({
  "name": "hello",
  "version": "0.1.0",
  "description": "Says hello.",
  "actions": [{
    "name": "greet",
    "description": "Greets someone.",
    "safe_to_repeat": true,
    "input_schema": {"type": "object", "properties": {"name": {"type": "string"}},
                     "required": ["name"], "additionalProperties": false},
    "output_schema": {"type": "object", "properties": {"greeting": {"type": "string"}}}
  }]
})json";

class Hello final : public sdk::Plugin {
  public:
    using sdk::Plugin::Plugin;

    json invoke(const sdk::Call& call) override {
        std::string name = call.input.value("name", "");
        if (name.empty()) throw sdk::permanent("name must not be empty");
        return json{{"greeting", "hello " + name},
                    {"at_ms", host().now().time_since_epoch().count()},
                    {"mode", sandbox_mode() ? "sandbox" : "live"}};
    }
};

}  // namespace

RELANCE_PLUGIN(Hello, sdk::NoSandbox, kManifest)
