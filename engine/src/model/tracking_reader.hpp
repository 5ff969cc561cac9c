// `track:` in workflows (workflow and step level) and `tracking:` in the workspace config
// (docs/tracking.md). Internal to relance_model; their own file so the loaders only call them.
#pragma once

#include <relance/model/config.hpp>

#include "yaml_reader.hpp"

namespace relance::model::detail {

//   track: {opens: true, clicks: true}
void parse_track(YamlReader& reader, const Entry& entry, TrackOptions& out,
                 const SourcePos& fallback);

//   tracking: {base_url: https://t.acme.test, scanner_window: 10s, trust_forwarded_for: false}
void parse_tracking_settings(YamlReader& reader, const Entry& section, TrackingSettings& out,
                             const SourcePos& rootp);

}  // namespace relance::model::detail
