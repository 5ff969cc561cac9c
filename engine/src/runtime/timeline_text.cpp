#include "timeline_text.hpp"

namespace relance::runtime {

std::string step_kind_label(const model::Step& step) {
    if (step.kind == model::StepKind::action) return step.plugin + "." + step.action;
    return model::to_string(step.kind);
}

}  // namespace relance::runtime
