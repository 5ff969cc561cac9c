// Simulation scenarios: how contacts react to each message (delivered, opened, replied,
// bounced...), with probabilities and delays, per step or by default, drawn from a seed so the
// same scenario gives the same simulation every time.
#pragma once

#include <relance/base/clock.hpp>

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace relance::runtime {

struct Reaction {
    double p = 0;       // probability, 0..1
    Millis after{0};    // delay after the send
};

struct Scenario {
    std::uint64_t seed = 1;
    std::map<std::string, Reaction> defaults;                         // by event type
    std::map<std::string, std::map<std::string, Reaction>> by_step;  // step id -> type -> ...

    // {"seed": 42, "default": {"opened": {"p": 0.5, "after": "6h"}}, "steps": {"intro": {...}}}
    // Throws std::invalid_argument naming the field ("steps.intro.replied.p: ...").
    static Scenario parse(const nlohmann::json& spec);
    // YAML or JSON file, read through model::load_yaml_document (bounded). Throws
    // std::invalid_argument "file:line:col: field: problem".
    static Scenario load(const std::string& path);
    // The same from the text of a file named `name`.
    static Scenario load_text(const std::string& text, const std::string& name);

    // One message per event type the scenario draws that is neither the engine's
    // (model::engine_event_types) nor in `custom` (the workflow's custom_events): a draw of a
    // misspelt type would never stop or wake a run.
    std::vector<std::string> unknown_types(const std::vector<std::string>& custom) const;

    // The events a message causes: a bounce excludes everything else; other types are drawn
    // independently. Deterministic in (seed, message id).
    std::vector<std::pair<std::string, Millis>> draw(const std::string& step_id,
                                                     const std::string& message_id) const;
};

}  // namespace relance::runtime
