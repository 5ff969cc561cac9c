// Reads a workflow's `triggers:` (relance/model/triggers.hpp) with positions. Internal to
// relance_model: the workflow loader calls it for the key, then check_trigger_inputs once the
// workflow's inputs are known.
#pragma once

#include <relance/model/workflow.hpp>

#include "yaml_reader.hpp"

namespace relance::model::detail {

void parse_triggers(YamlReader& reader, const Entry& entry, Triggers& triggers,
                    const SourcePos& rootp);

// Each webhook's input mapping names declared inputs (when the workflow declares any).
void check_trigger_inputs(YamlReader& reader, const Workflow& wf);

}  // namespace relance::model::detail
