// The schema checker moved to the plugin host, next to the compiled manifests
// (<relance/host/schema_check.hpp>); this name stays until the executor checks inputs with
// LoadedPlugin::check_input.
#pragma once

#include <relance/host/schema_check.hpp>

namespace relance::runtime {
using host::SchemaChecker;
}  // namespace relance::runtime
