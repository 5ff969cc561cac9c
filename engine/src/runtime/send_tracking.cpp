#include "send_tracking.hpp"

#include <relance/tracking/key.hpp>

namespace relance::runtime {

namespace {

bool takes(const model::ActionSpec& spec, const char* field) {
    const nlohmann::json& schema = *spec.input_schema;
    auto props = schema.find("properties");
    return props != schema.end() && props->is_object() && props->contains(field);
}

}  // namespace

const std::string& SendTracking::key() {
    if (!key_)
        key_ = key_source_ ? key_source_() : tracking::load_key(store_, to_unix_ms(clock_.now()));
    return *key_;
}

std::optional<tracking::SendPlan> SendTracking::plan(const model::ActionSpec* spec,
                                                     const model::Workflow& workflow,
                                                     const model::Step& step,
                                                     const std::string& message_id,
                                                     const model::Config* config) {
    if (!config || config->tracking.base_url.empty() || !spec || spec->channel != "email")
        return std::nullopt;
    tracking::SendPlan plan;
    plan.base_url = config->tracking.base_url;
    plan.message_id = message_id;
    plan.unsubscribe = !step.transactional && takes(*spec, "unsubscribe_url");
    plan.opens = step.track.opens.value_or(workflow.track.opens.value_or(false));
    plan.clicks = step.track.clicks.value_or(workflow.track.clicks.value_or(false));
    if (!plan.unsubscribe && !plan.opens && !plan.clicks) return std::nullopt;
    plan.key = key();
    return plan;
}

}  // namespace relance::runtime
