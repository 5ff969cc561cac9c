// Static checks of a workflow against the loaded plugins, run by `relance validate` and before
// any run starts.
#pragma once

#include <optional>
#include <relance/model/config.hpp>
#include <relance/model/workflow.hpp>
#include <string>
#include <vector>

namespace relance::model {

// What the validator needs to know of one plugin action (from the plugin's manifest).
struct ActionSpec {
    std::string plugin;
    std::string name;
    std::string description;
    bool safe_to_repeat = false;
    // The channel through which the action reaches a person ("email", "sms", "linkedin"...);
    // "" for actions that reach no one (lookups, webhooks). A step of a channel action sends
    // from the workflow's sender accounts of that channel, within their limits.
    std::string channel;
    JsonValue input_schema = JsonValue::object();   // JSON Schema (draft 7)
    JsonValue output_schema = JsonValue::object();  // JSON Schema; may be empty
};

class ActionCatalog {
  public:
    virtual ~ActionCatalog() = default;
    virtual bool has_plugin(const std::string& plugin) const = 0;
    // nullptr when the plugin has no such action.
    virtual const ActionSpec* find_action(const std::string& plugin,
                                          const std::string& action) const = 0;
    // For "did you mean" hints.
    virtual std::vector<std::string> plugin_names() const = 0;
    // The actions of one plugin, for "unknown action" messages. Not pure so that existing
    // catalogs keep compiling; the default lists nothing.
    virtual std::vector<std::string> action_names(const std::string& plugin) const {
        (void)plugin;
        return {};
    }
    // Why a plugin that was found cannot be used (its create() failed, with the reason), so a
    // workflow naming it fails validation with that reason rather than "unknown plugin". None by
    // default.
    virtual std::optional<std::string> plugin_problem(const std::string& plugin) const {
        (void)plugin;
        return std::nullopt;
    }
};

// Every problem found, errors and warnings, each with file:line:col:
//  - `uses:` naming an unknown plugin or action;
//  - `with:` missing a required field, naming an unknown one, or holding a literal of the wrong
//    type (templates are checked after rendering, at run time);
//  - a template naming an unknown variable (an input not declared, a step not before this one,
//    a var never set);
//  - steps no path reaches; `on_error` targets that do not exist;
//  - Lua conditions and blocks that do not compile;
//  - `senders` naming pools or accounts the config does not have, or none of the step's
//    channel (without a config, a warning: fields the senders fill in are then not checked).
std::vector<Diagnostic> validate(const Workflow& wf, const Program& program,
                                 const ActionCatalog& catalog, const Config* config = nullptr);

}  // namespace relance::model
