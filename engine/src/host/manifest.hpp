// Reading a plugin's manifest: its fields, checked, and its schemas, compiled. Any problem is a
// refusal naming the field, so a plugin with a bad manifest never runs unchecked.
#pragma once

#include <map>
#include <optional>
#include <relance/host/plugin_host.hpp>
#include <relance/schema/json_schema.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace relance::host::detail {

// Raised while loading one file; becomes a LoadFailure.
struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ActionSchemas {
    schema::JsonSchema input;
    std::optional<schema::JsonSchema>
        output;  // none declared: outputs are only checked to be objects
};

struct CompiledManifest {
    PluginManifest manifest;
    std::map<std::string, ActionSchemas> schemas;  // by action name
};

// [a-z][a-z0-9_-]*: plugin, action and channel names. A linear scan.
bool valid_name(std::string_view name);

// Throws Refused("invalid manifest: ...").
CompiledManifest parse_manifest(const char* text);

}  // namespace relance::host::detail
