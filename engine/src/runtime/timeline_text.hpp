// Small formatting helpers shared by the runtime's timeline records.
#pragma once

#include <relance/model/workflow.hpp>

#include <cstdint>
#include <string>

namespace relance::runtime {

// The kind label of a step in the timeline: "sendgrid.send" for actions, else "wait", "if"...
std::string step_kind_label(const model::Step& step);

}  // namespace relance::runtime
