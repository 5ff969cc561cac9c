// The `plugins:` section of the workspace config: how the worker runs each plugin. Internal to
// relance_model; its own file so the config loader only calls it.
#pragma once

#include <relance/model/config.hpp>

#include "yaml_reader.hpp"

namespace relance::model::detail {

//   plugins:
//     sendgrid: {isolation: process, timeout: 45s}
// Problems are reported through `reader` with their position.
void parse_plugin_settings(YamlReader& reader, const Entry& section, Config& cfg,
                           const SourcePos& rootp);

}  // namespace relance::model::detail
