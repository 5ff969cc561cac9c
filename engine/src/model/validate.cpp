// Static checks of a loaded workflow against the plugins' manifests: everything that can be known
// before a run starts is reported here, with positions, so a mistake costs an edit, not a run.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/base/utf8.hpp>
#include <relance/calendar/date_text.hpp>
#include <relance/expr/lua_sandbox.hpp>
#include <relance/expr/template.hpp>
#include <relance/model/validate.hpp>
#include <relance/schema/json_schema.hpp>
#include <set>
#include <sstream>

#include "availability.hpp"
#include "lua_scan.hpp"
#include "suggest.hpp"

namespace relance::model {

using detail::did_you_mean;
using detail::join;

namespace {

const std::vector<std::string> kRoots = {"inputs", "contact", "steps", "vars",
                                         "run",    "history", "sender"};

using detail::pointer_escape;

bool has_template(const json& v) {
    if (v.is_string()) return expr::is_template(v.get_ref<const std::string&>());
    if (v.is_object() || v.is_array()) {
        for (const auto& c : v)
            if (has_template(c)) return true;
    }
    return false;
}

std::string json_type(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "array";
    return "object";
}

bool type_matches(const json& v, const std::string& t) {
    if (t == "integer")
        return v.is_number_integer() ||
               (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>());
    if (t == "number") return v.is_number();
    return json_type(v) == t;
}

std::string shown(const json& v) {
    std::string d = v.dump();
    if (d.size() > 40) d = std::string(relance::cut_utf8(d, 37)) + "...";
    return d;
}

class Checker {
  public:
    Checker(const Workflow& wf, const Program& program, const ActionCatalog& catalog,
            const Config* config)
        : wf_(wf), program_(program), catalog_(catalog), config_(config) {
        std::istringstream in(wf.source);
        for (std::string line; std::getline(in, line);) lines_.push_back(line);
        for (const auto& f : wf.inputs) {
            input_names_.push_back(f.name);
            input_of_[f.name] = &f;
        }
        for (const auto& [id, idx] : program.index_of) {
            step_ids_.push_back(id);
            const Step* s = program.nodes[idx].step;
            if (s->kind == StepKind::set)
                for (const auto& [name, v] : s->set->items()) set_at_[name].push_back(idx);
        }
        try {
            lua_ = std::make_unique<expr::LuaSandbox>();
        } catch (const std::exception& e) {
            lua_init_error_ = e.what();
        }
    }

    std::vector<Diagnostic> run() {
        if (!lua_init_error_.empty())
            warn(SourcePos{wf_.file, 0, 0},
                 "Lua checks skipped: sandbox unavailable (" + lua_init_error_ + ")");
        check_steps(wf_.steps);
        check_availability();
        if (!wf_.senders.empty() && !channel_steps_)
            warn(wf_.senders_pos,
                 "'senders' has no effect: no step uses an action with a "
                 "channel (such as sendgrid.send)");
        for (const auto& id : program_.unreachable) {
            auto it = program_.index_of.find(id);
            if (it == program_.index_of.end()) continue;
            error(program_.nodes[it->second].step->pos,
                  "step '" + id +
                      "' is never reached (no path leads to it: check the exit or "
                      "on_error before it)");
        }
        std::stable_sort(diags_.begin(), diags_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
        });
        return std::move(diags_);
    }

  private:
    void error(const SourcePos& p, std::string m) {
        diags_.push_back({Diagnostic::Severity::error, p, std::move(m)});
    }
    void warn(const SourcePos& p, std::string m) {
        diags_.push_back({Diagnostic::Severity::warning, p, std::move(m)});
    }

    void check_steps(const std::vector<Step>& steps) {
        for (const auto& s : steps) {
            check_step(s);
            check_steps(s.then_steps);
            check_steps(s.else_steps);
        }
    }

    void check_step(const Step& s) {
        auto it = program_.index_of.find(s.id);
        index_ = it == program_.index_of.end() ? -1 : it->second;
        if (!s.when.empty()) check_lua(s.when, true, s.when_pos, "'when' condition");
        if (s.on_error.kind == OnError::Kind::go_to && !program_.index_of.count(s.on_error.target))
            error(s.on_error.pos, "on_error goto target '" + s.on_error.target +
                                      "' is not a step id" +
                                      did_you_mean(s.on_error.target, step_ids_));
        sends_from_accounts_ =
            s.kind == StepKind::action && !(s.senders ? *s.senders : wf_.senders).empty();
        switch (s.kind) {
            case StepKind::action:
                check_action(s);
                check_templates(s.with, "", s.with_pos, s.pos);
                for (const auto& v : s.variants) check_templates(v.with, "", v.with_pos, v.pos);
                break;
            case StepKind::set:
                check_templates(s.set, "", s.set_pos, s.pos);
                break;
            case StepKind::if_:
                check_lua(s.condition, true, s.condition_pos, "'if' condition");
                break;
            case StepKind::lua:
                check_lua(s.lua, false, s.lua_pos, "'lua' block");
                break;
            case StepKind::wait:
                if (s.wait_until)
                    check_wait_until(*s.wait_until);
                else if (s.wait_for.count() <= 0 && s.wait_business_days <= 0)
                    error(s.pos, "wait duration must be positive");
                break;
            case StepKind::wait_for:
                for (const auto& type : s.wait_events)
                    if (std::find(wf_.stop_on.begin(), wf_.stop_on.end(), type) !=
                        wf_.stop_on.end())
                        warn(s.pos, "'wait_for' " + type + " never wakes this step: '" + type +
                                        "' is in the workflow's stop_on, so it stops the run "
                                        "instead (remove it from stop_on to branch on it)");
                break;
            case StepKind::exit:
                break;
        }
    }

    // `wait: {until}`: its template refers to what exists; a literal is a moment already.
    void check_wait_until(const WaitUntil& w) {
        if (w.until.empty()) return;  // reported by the loader
        // "{{" makes it a template, closed or not: an unclosed one is a template error.
        if (w.until.find("{{") != std::string::npos) {
            check_templates(json(w.until), "", {}, w.until_pos);
            return;
        }
        try {
            calendar::parse_instant(w.until);
        } catch (const std::exception& e) {
            error(w.until_pos, std::string("'until' is not a moment: ") + e.what());
        }
    }

    // ---- actions and their `with:` ----

    void check_action(const Step& s) {
        if (s.plugin.empty()) return;  // malformed `uses:`, reported by the loader
        std::string uses = s.plugin + "." + s.action;
        if (!catalog_.has_plugin(s.plugin)) {
            if (auto problem = catalog_.plugin_problem(s.plugin)) {
                error(s.uses_pos,
                      "plugin '" + s.plugin + "' in '" + uses + "' cannot be used: " + *problem);
                return;
            }
            auto names = catalog_.plugin_names();
            error(s.uses_pos, "unknown plugin '" + s.plugin + "' in '" + uses + "'" +
                                  did_you_mean(s.plugin, names) +
                                  (names.empty() ? " (no plugins are loaded)"
                                                 : " (loaded plugins: " + join(names) + ")"));
            return;
        }
        const ActionSpec* spec = catalog_.find_action(s.plugin, s.action);
        if (!spec) {
            auto names = catalog_.action_names(s.plugin);
            error(s.uses_pos, "plugin '" + s.plugin + "' has no action '" + s.action + "'" +
                                  did_you_mean(s.action, names) +
                                  (names.empty() ? "" : " (actions: " + join(names) + ")"));
            return;
        }
        std::set<std::string> supplied;
        if (!check_senders(s, *spec, uses, supplied)) return;
        if (s.variants.empty()) {
            check_with(s, *spec, uses, supplied);
            return;
        }
        // Each variant's `with` merged over the step's is what a run will send: check each.
        for (const auto& v : s.variants) {
            Step merged = s;
            merged.variants.clear();
            for (const auto& [k, val] : v.with->items()) (*merged.with)[k] = val;
            for (const auto& [ptr, p] : v.with_pos) merged.with_pos[ptr] = p;
            if (!s.with_pos.count("")) merged.with_pos[""] = v.pos;
            check_with(merged, *spec, uses + " (variant " + v.name + ")", supplied);
        }
    }

    // The sender accounts of a channel step: the step's `senders`, else the workflow's. Fills
    // `supplied` with the input fields every one of them provides (their `with`). Returns false
    // when the fields cannot be judged (senders named, no config to look them up).
    bool check_senders(const Step& s, const ActionSpec& spec, const std::string& uses,
                       std::set<std::string>& supplied) {
        const std::vector<std::string>& names = s.senders ? *s.senders : wf_.senders;
        const SourcePos& where = s.senders ? s.senders_pos : wf_.senders_pos;
        if (spec.channel.empty()) {
            if (s.senders && !s.senders->empty())
                error(s.senders_pos, "'" + uses +
                                         "' reaches no one (its plugin declares no "
                                         "channel), so it has no senders");
            return true;
        }
        ++channel_steps_;
        if (names.empty()) return true;
        if (!config_) {
            if (!warned_no_config_)
                warn(where,
                     "senders are not checked (no config file: pass --config or set "
                     "RELANCE_CONFIG); fields they fill in are not checked either");
            warned_no_config_ = true;
            return false;
        }
        std::vector<std::string> unknown;
        auto ids = config_->expand(names, &unknown);
        for (const auto& n : unknown)  // once per place, not once per step
            if (reported_senders_.insert(where.str() + "\n" + n).second)
                error(where, "unknown sender or pool '" + n + "' (config " + config_->file + ")" +
                                 did_you_mean(n, config_->names()));
        if (!unknown.empty()) return false;  // what they would fill in is unknown
        bool first = true;
        int matching = 0;
        for (const auto& id : ids) {
            const SenderAccount* a = config_->find_sender(id);
            if (a->channel != spec.channel) continue;
            ++matching;
            std::set<std::string> keys;
            for (const auto& [k, v] : a->with->items()) keys.insert(k);
            if (first) {
                supplied = keys;
            } else {
                std::set<std::string> both;
                std::set_intersection(supplied.begin(), supplied.end(), keys.begin(), keys.end(),
                                      std::inserter(both, both.end()));
                supplied = both;
            }
            first = false;
        }
        if (matching == 0)
            error(where, "'" + uses + "' sends by " + spec.channel + ", but none of " +
                             join(names) + " sends by " + spec.channel);
        return true;
    }

    SourcePos at(const std::map<std::string, SourcePos>& m, const std::string& key,
                 const SourcePos& fallback) const {
        auto it = m.find(key);
        return it == m.end() ? fallback : it->second;
    }

    void check_with(const Step& s, const ActionSpec& spec, const std::string& uses,
                    const std::set<std::string>& supplied) {
        const json& schema = spec.input_schema;
        if (!schema.is_object() || schema.empty()) return;
        SourcePos wpos = at(s.with_pos, "", s.pos);
        const json& with = s.with->is_object() ? *s.with : json::object();
        json present = with;  // what the call will hold: the step's fields and the sender's
        for (const auto& k : supplied) present[k] = true;
        json props = schema.value("properties", json::object());
        if (!props.is_object()) props = json::object();
        std::vector<std::string> prop_names;
        for (const auto& [k, v] : props.items()) prop_names.push_back(k);

        if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
            for (const auto& r : *req) {
                if (!r.is_string() || present.contains(r.get<std::string>())) continue;
                error(wpos,
                      "'" + uses + "' needs the field '" + r.get<std::string>() + "' in 'with'");
            }
        }
        check_presence_rules(schema, present, uses, wpos);
        json addl = schema.value("additionalProperties", json(true));
        for (const auto& [key, value] : with.items()) {
            std::string ptr = "/" + pointer_escape(key);
            SourcePos kpos = at(s.with_key_pos, ptr, wpos);
            SourcePos vpos = at(s.with_pos, ptr, kpos);
            const json* sub = nullptr;
            if (props.contains(key)) {
                sub = &props[key];
            } else if (addl.is_boolean() && !addl.get<bool>()) {
                error(kpos, "'" + uses + "' has no field '" + key + "'" +
                                did_you_mean(key, prop_names) + " (fields: " + join(prop_names) +
                                ")");
                continue;
            } else if (addl.is_object()) {
                sub = &addl;
            }
            if (!sub || has_template(value)) continue;  // templates are checked once rendered
            check_literal(key, value, *sub, spec, vpos);
        }
    }

    // Whole-object rules that depend only on which fields are present ("template_id, or subject
    // with text or html"): judged on the keys of `with`, a templated value counting as present.
    // Branches with other kinds of rules are left to the run-time check after rendering.
    static bool presence_only(const json& branch) {
        if (!branch.is_object()) return false;
        for (const auto& [k, v] : branch.items())
            if (k != "required" && k != "anyOf" && k != "oneOf" && k != "allOf") return false;
        return true;
    }
    static bool presence_holds(const json& branch, const json& with) {
        if (auto r = branch.find("required"); r != branch.end() && r->is_array())
            for (const auto& name : *r)
                if (name.is_string() && !with.contains(name.get<std::string>())) return false;
        if (auto all = branch.find("allOf"); all != branch.end() && all->is_array())
            for (const auto& b : *all)
                if (presence_only(b) && !presence_holds(b, with)) return false;
        for (const char* k : {"anyOf", "oneOf"})
            if (auto any = branch.find(k);
                any != branch.end() && any->is_array() && !any->empty()) {
                bool judged = std::all_of(any->begin(), any->end(), presence_only);
                if (judged && std::none_of(any->begin(), any->end(),
                                           [&](const json& b) { return presence_holds(b, with); }))
                    return false;
            }
        return true;
    }
    static std::string describe_presence(const json& branch) {
        std::vector<std::string> parts;
        if (auto r = branch.find("required"); r != branch.end() && r->is_array())
            for (const auto& name : *r)
                if (name.is_string()) parts.push_back(name.get<std::string>());
        return join(parts, " + ");
    }
    void check_presence_rules(const json& schema, const json& with, const std::string& uses,
                              const SourcePos& wpos) {
        for (const char* k : {"anyOf", "oneOf"}) {
            auto any = schema.find(k);
            if (any == schema.end() || !any->is_array() || any->empty()) continue;
            if (!std::all_of(any->begin(), any->end(), presence_only)) continue;
            if (std::any_of(any->begin(), any->end(),
                            [&](const json& b) { return presence_holds(b, with); }))
                continue;
            std::vector<std::string> options;
            for (const auto& b : *any) options.push_back(describe_presence(b));
            error(wpos, "'" + uses + "' needs one of these sets of fields in 'with': " +
                            join(options, ", or "));
        }
    }

    void check_literal(const std::string& key, const json& value, const json& sub,
                       const ActionSpec& spec, const SourcePos& vpos) {
        // Our own message for the common case: clearer than the schema library's.
        if (sub.is_object() && sub.contains("type")) {
            const json& t = sub["type"];
            std::vector<std::string> types;
            if (t.is_string()) types.push_back(t.get<std::string>());
            if (t.is_array())
                for (const auto& x : t)
                    if (x.is_string()) types.push_back(x.get<std::string>());
            if (!types.empty() && std::none_of(types.begin(), types.end(), [&](const auto& x) {
                    return type_matches(value, x);
                })) {
                error(vpos, "field '" + key + "' expects " + join(types, " or ") + ", got " +
                                json_type(value) + " " + shown(value));
                return;
            }
        }
        // Everything else (enum, pattern, nested objects, $ref) through the schema checker,
        // against the whole schema minus its whole-object rules so that internal references
        // still resolve. Its patterns run on RE2: a literal is user input, and std::regex's
        // recursion (valijson's own) would let a long one crash `validate`.
        const schema::JsonSchema* compiled = compiled_input(spec, vpos, key);
        if (!compiled) return;
        json doc = json::object();
        doc[key] = value;
        std::vector<std::string> problems;
        try {
            problems = compiled->check(doc, key);
        } catch (const std::exception& e) {
            warn(vpos, "cannot check field '" + key + "': " + e.what());
            return;
        }
        if (problems.empty()) return;
        // "key: description" or "key.sub.0: description": say where inside the field.
        std::string problem = problems.front();
        std::string where;
        if (problem.rfind(key + ".", 0) == 0) {
            auto colon = problem.find(": ", key.size());
            if (colon != std::string::npos) {
                where = problem.substr(key.size() + 1, colon - key.size() - 1);
                problem = problem.substr(colon + 2);
            }
        } else if (problem.rfind(key + ": ", 0) == 0) {
            problem = problem.substr(key.size() + 2);
        }
        error(vpos, "field '" + key + "' is invalid" + (where.empty() ? "" : " at " + where) +
                        ": " + problem);
    }

    // The action's input schema without the rules that judge a whole object, compiled once per
    // action; null (with a warning) when it does not compile.
    const schema::JsonSchema* compiled_input(const ActionSpec& spec, const SourcePos& vpos,
                                             const std::string& key) {
        auto [slot, fresh] = schemas_.try_emplace(&spec);
        if (fresh) {
            json root = spec.input_schema;
            // Whole-object rules (required fields, "subject or template_id") cannot judge a
            // document holding one field; they are checked after rendering, at run time.
            for (const char* k : {"required", "anyOf", "oneOf", "allOf", "not", "if", "then",
                                  "else", "dependencies", "dependentRequired", "minProperties"})
                root.erase(k);
            try {
                slot->second = schema::JsonSchema::compile(root);
            } catch (const std::exception& e) {
                slot->second.reset();
                schema_errors_[&spec] = e.what();
            }
        }
        if (!slot->second) {
            warn(vpos, "cannot check field '" + key + "': the input schema of " + spec.plugin +
                           "." + spec.name + " is not usable (" + schema_errors_[&spec] + ")");
            return nullptr;
        }
        return &*slot->second;
    }

    // ---- templates ----

    // The column of byte `offset` of a scalar starting at `p`, when the scalar sits on one line
    // exactly as written (plain or quoted without escapes); else the scalar's own position.
    SourcePos column_of(const SourcePos& p, const std::string& text, std::size_t offset) const {
        if (p.line <= 0 || p.line > static_cast<int>(lines_.size()) || p.column <= 0) return p;
        const std::string& line = lines_[p.line - 1];
        std::size_t c = p.column - 1;
        if (c < line.size() && (line[c] == '"' || line[c] == '\'')) ++c;
        if (line.compare(c, text.size(), text) != 0) return p;
        SourcePos out = p;
        out.column = static_cast<int>(c + offset) + 1;
        return out;
    }

    void check_templates(const json& v, const std::string& ptr,
                         const std::map<std::string, SourcePos>& positions,
                         const SourcePos& fallback) {
        SourcePos here = at(positions, ptr, fallback);
        if (v.is_object()) {
            for (const auto& [k, c] : v.items())
                check_templates(c, ptr + "/" + pointer_escape(k), positions, here);
            return;
        }
        if (v.is_array()) {
            std::size_t i = 0;
            for (const auto& c : v)
                check_templates(c, ptr + "/" + std::to_string(i++), positions, here);
            return;
        }
        if (!v.is_string()) return;
        const std::string& text = v.get_ref<const std::string&>();
        std::vector<expr::VariableRef> refs;
        try {
            refs = expr::template_variables(text);
        } catch (const expr::TemplateError& e) {
            error(column_of(here, text, e.offset()), std::string("template error: ") + e.what());
            return;
        }
        for (const auto& ref : refs) check_ref(ref, column_of(here, text, ref.offset));
    }

    // In Lua code a reference is only flagged as a warning: Lua is dynamic and may test for nil
    // on purpose; in templates an unknown variable is an error.
    void check_ref(const expr::VariableRef& ref, const SourcePos& p, bool in_lua = false) {
        const auto& path = ref.path;
        if (path.empty()) return;
        auto error = [&](const SourcePos& at, const std::string& m) {
            if (in_lua)
                this->warn(at, "in Lua: " + m);
            else
                this->error(at, m);
        };
        const std::string& root = path[0];
        std::string shown_ref = "{{ " + ref.text + " }}";
        if (root == "run" || root == "history") return;  // history: whatever the contact did
        if (root == "sender") {
            static const std::vector<std::string> fields = {"id", "channel", "vars"};
            if (!sends_from_accounts_)
                error(p, "'" + ref.text +
                             "': 'sender' is only known in a channel step that "
                             "sends from sender accounts ('senders:')");
            else if (path.size() >= 2 &&
                     std::find(fields.begin(), fields.end(), path[1]) == fields.end())
                error(p, "'" + ref.text + "': a sender has " + join(fields) +
                             did_you_mean(path[1], fields));
            return;
        }
        if (root == "inputs") {
            if (path.size() < 2) return;
            if (std::find(input_names_.begin(), input_names_.end(), path[1]) == input_names_.end())
                error(p, "'" + ref.text + "': '" + path[1] + "' is not a declared input" +
                             did_you_mean(path[1], input_names_) + declared_inputs());
            else if (!in_lua)
                check_input_use(ref, *input_of_.at(path[1]), p);
            return;
        }
        if (root == "contact") {
            if (path.size() < 2) return;
            if (auto it = input_of_.find(path[1]); it != input_of_.end()) {
                if (!in_lua) check_input_use(ref, *it->second, p);
                return;
            }
            std::string m = "'" + ref.text + "': '" + path[1] + "' is not a declared input" +
                            did_you_mean(path[1], input_names_);
            if (ref.has_fallback)
                warn(p, m + "; the fallback will be used when the contact has no such field");
            else
                error(p, m + "; declare it under 'inputs' or add a fallback: {{ " + ref.text +
                             " | \"...\" }}");
            return;
        }
        if (root == "steps") {
            if (path.size() < 2) {
                error(p, "'" + ref.text + "': name a step, e.g. steps.<id>.output");
                return;
            }
            auto it = program_.index_of.find(path[1]);
            if (it == program_.index_of.end())
                error(p, "'" + ref.text + "': there is no step '" + path[1] + "'" +
                             did_you_mean(path[1], step_ids_));
            else if (index_ >= 0 && it->second >= index_)
                error(p, "'" + ref.text + "': steps." + path[1] + " is not before this step");
            else if (!in_lua && !ref.has_fallback && path.size() >= 3 && path[2] == "output")
                must_be_set({detail::Fact::Kind::output, path[1]}, ref, p);
            return;
        }
        if (root == "vars") {
            if (path.size() < 2) return;
            auto it = set_at_.find(path[1]);
            bool before =
                it != set_at_.end() && std::any_of(it->second.begin(), it->second.end(),
                                                   [&](int i) { return index_ < 0 || i < index_; });
            if (!before) {
                std::vector<std::string> names;
                for (const auto& [n, idx] : set_at_) names.push_back(n);
                error(p, "'" + ref.text + "': vars." + path[1] +
                             " is not set by any 'set' step before this one" +
                             did_you_mean(path[1], names));
            } else if (!in_lua && !ref.has_fallback) {
                must_be_set({detail::Fact::Kind::var, path[1]}, ref, p);
            }
            return;
        }
        error(p, "'" + ref.text + "' in " + shown_ref + ": unknown root '" + root +
                     "' (allowed roots: " + join(kRoots) + ")" + root_hint(root));
    }

    // `{{ first_name }}` most likely means the input, the step or the variable of that name.
    std::string root_hint(const std::string& root) const {
        if (input_of_.count(root)) return " (did you mean 'contact." + root + "'?)";
        if (program_.index_of.count(root)) return " (did you mean 'steps." + root + ".output'?)";
        if (set_at_.count(root)) return " (did you mean 'vars." + root + "'?)";
        return did_you_mean(root, kRoots);
    }

    // A declared input read by a template: it must be there whenever the step runs, and hold
    // fields only when it is an object or an array.
    void check_input_use(const expr::VariableRef& ref, const InputField& f, const SourcePos& p) {
        bool scalar = f.type != InputType::object && f.type != InputType::array;
        if (ref.path.size() >= 3 && scalar) {
            error(p, "'" + ref.text + "': input '" + f.name + "' is " +
                         (f.type == InputType::integer ? "an " : "a ") + to_string(f.type) +
                         ", it has no field '" + ref.path[2] + "'");
            return;
        }
        if (ref.has_fallback || f.required || f.default_value) return;
        error(p, "'" + ref.text + "': input '" + f.name +
                     "' is optional and has no default, so "
                     "a record without it fails this step at run time; add a fallback ({{ " +
                     ref.text + " | \"...\" }}), a 'default', or 'required: true'");
    }

    // A step output or a variable read without a fallback: checked once every step is seen,
    // against the paths that reach the reading step.
    void must_be_set(detail::Fact fact, const expr::VariableRef& ref, const SourcePos& p) {
        if (index_ < 0) return;
        std::string key =
            std::string(fact.kind == detail::Fact::Kind::var ? "v:" : "o:") + fact.name;
        auto [it, fresh] = fact_index_.emplace(key, facts_.size());
        if (fresh) facts_.push_back(fact);
        queries_.push_back({it->second, index_});
        query_refs_.push_back({ref.text, p});
    }

    void check_availability() {
        if (queries_.empty()) return;
        auto set = detail::facts_always_set(program_, facts_, queries_);
        for (std::size_t q = 0; q < queries_.size(); ++q) {
            if (set[q]) continue;
            const detail::Fact& f = facts_[queries_[q].fact];
            const auto& [text, p] = query_refs_[q];
            std::string what =
                f.kind == detail::Fact::Kind::var
                    ? "vars." + f.name +
                          " is not set on every path to this step "
                          "(a 'set' step in a branch that may not run, or skipped by "
                          "its 'when' or a wait's 'past: skip', or failed under on_error)"
                    : "steps." + f.name +
                          " has no output on some path to this "
                          "step (it may sit in a branch that did not run, be skipped "
                          "by its 'when' or a wait's 'past: skip', fail under on_error, "
                          "or time out)";
            error(p, "'" + text + "': " + what + "; add a fallback: {{ " + text + " | \"...\" }}");
        }
    }

    std::string declared_inputs() const {
        return input_names_.empty() ? " (no inputs are declared)"
                                    : " (declared: " + join(input_names_) + ")";
    }

    // ---- Lua ----

    void check_lua(const std::string& code, bool expression, const SourcePos& p,
                   const std::string& what) {
        if (!lua_ || code.empty()) return;
        std::string msg = lua_->check_syntax(code, expression);
        if (msg.empty()) {
            check_lua_refs(code, p);
            return;
        }
        // The sandbox reports "line N: message"; raw Lua says `[string "..."]:N: message`.
        int lua_line = 0;
        std::tie(lua_line, msg) = detail::split_lua_line(msg);
        error(lua_position(p, lua_line),
              "Lua syntax error in " + what +
                  (lua_line > 0 && !expression ? " (line " + std::to_string(lua_line) + ")"
                                               : std::string()) +
                  ": " + msg);
    }

    // References like inputs.x, steps.id, vars.name in Lua text (strings and comments removed)
    // are checked with the template rules, as warnings.
    void check_lua_refs(const std::string& code, const SourcePos& p) {
        for (auto& [root, name] : detail::lua_references(code)) {
            expr::VariableRef r;
            r.path = {root, name};
            r.text = root + "." + name;
            r.has_fallback = true;  // Lua can fall back with `or`
            check_ref(r, p, true);
        }
    }

    SourcePos lua_position(const SourcePos& p, int lua_line) const {
        if (lua_line <= 0 || p.line <= 0 || p.line > static_cast<int>(lines_.size())) return p;
        const std::string& line = lines_[p.line - 1];
        std::size_t c = p.column > 0 ? p.column - 1 : 0;
        bool block = c < line.size() && (line[c] == '|' || line[c] == '>');
        SourcePos out = p;
        // A block scalar's text starts on the line after its indicator.
        out.line = block ? p.line + lua_line : p.line + lua_line - 1;
        if (out.line == p.line) return out;
        if (out.line > static_cast<int>(lines_.size())) return p;
        const std::string& l = lines_[out.line - 1];
        auto first = l.find_first_not_of(" \t");
        out.column = first == std::string::npos ? 1 : static_cast<int>(first) + 1;
        return out;
    }

    const Workflow& wf_;
    const Program& program_;
    const ActionCatalog& catalog_;
    const Config* config_;
    int channel_steps_ = 0;
    bool warned_no_config_ = false;
    std::set<std::string> reported_senders_;  // "place\nname" of unknown senders reported
    bool sends_from_accounts_ = false;        // the step being checked names sender accounts
    std::vector<std::string> lines_;
    std::vector<std::string> input_names_;
    std::map<std::string, const InputField*> input_of_;
    // Reads of step outputs and variables without a fallback (must_be_set).
    std::vector<detail::Fact> facts_;
    std::map<std::string, std::size_t> fact_index_;
    std::vector<detail::FactQuery> queries_;
    std::vector<std::pair<std::string, SourcePos>> query_refs_;
    std::vector<std::string> step_ids_;
    std::map<std::string, std::vector<int>> set_at_;  // var name -> indices of set steps
    std::map<const ActionSpec*, std::optional<schema::JsonSchema>> schemas_;
    std::map<const ActionSpec*, std::string> schema_errors_;  // why a schema did not compile
    std::unique_ptr<expr::LuaSandbox> lua_;
    std::string lua_init_error_;
    int index_ = -1;  // document-order index of the step being checked
    std::vector<Diagnostic> diags_;
};

}  // namespace

std::vector<Diagnostic> validate(const Workflow& wf, const Program& program,
                                 const ActionCatalog& catalog, const Config* config) {
    return Checker(wf, program, catalog, config).run();
}

}  // namespace relance::model
