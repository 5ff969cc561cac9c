#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <relance/base/digest.hpp>
#include <relance/model/workflow.hpp>
#include <relance/model/yaml_document.hpp>
#include <relance/runtime/scenario.hpp>
#include <stdexcept>

namespace relance::runtime {

namespace {

using json = nlohmann::json;

std::uint64_t mix(std::uint64_t x) {  // splitmix64
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::map<std::string, Reaction> parse_reactions(const json& spec, const std::string& where) {
    std::map<std::string, Reaction> out;
    if (!spec.is_object())
        throw std::invalid_argument(where + ": expected a mapping of event types");
    for (const auto& [type, r] : spec.items()) {
        std::string at = where + "." + type;
        Reaction reaction;
        if (r.is_number()) {
            reaction.p = r.get<double>();
        } else if (r.is_object()) {
            if (!r.contains("p") || !r["p"].is_number())
                throw std::invalid_argument(at + ".p: a probability from 0 to 1 is required");
            reaction.p = r["p"].get<double>();
            if (r.contains("after")) {
                auto d = r["after"].is_string()
                             ? model::parse_duration(r["after"].get<std::string>())
                             : std::nullopt;
                if (!d) throw std::invalid_argument(at + ".after: a duration like 30m, 6h, 2d");
                reaction.after = *d;
            }
        } else {
            throw std::invalid_argument(at + ": expected {p, after} or a probability");
        }
        if (reaction.p < 0 || reaction.p > 1)
            throw std::invalid_argument(at + ".p: must be between 0 and 1");
        out[type] = reaction;
    }
    return out;
}

model::SourcePos position(const YAML::Node& n, const std::string& file) {
    YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return model::SourcePos{file, 0, 0};
    return model::SourcePos{file, m.line + 1, m.column + 1};
}

// The document as JSON, and where each field is ("steps.intro.replied" -> file:line:col) so
// that an error found on the JSON names its place. Recursion is bounded: load_yaml_document
// refused anything nested deeper than its limit.
json yaml_to_json(const YAML::Node& n, const std::string& file, const std::string& path,
                  std::map<std::string, model::SourcePos>& where) {
    if (!path.empty()) where[path] = position(n, file);
    if (n.IsMap()) {
        json o = json::object();
        for (const auto& kv : n) {
            if (!kv.first.IsScalar())
                throw std::invalid_argument(position(kv.first, file).str() +
                                            ": keys must be plain text");
            const std::string& key = kv.first.Scalar();
            o[key] = yaml_to_json(kv.second, file, path.empty() ? key : path + "." + key, where);
        }
        return o;
    }
    if (n.IsSequence()) {
        json a = json::array();
        std::size_t i = 0;
        for (const auto& x : n)
            a.push_back(yaml_to_json(x, file, path + "[" + std::to_string(i++) + "]", where));
        return a;
    }
    if (!n.IsDefined() || n.IsNull()) return nullptr;
    if (n.Tag() == "?") {
        json v = json::parse(n.Scalar(), nullptr, false);
        if (!v.is_discarded() && (v.is_number() || v.is_boolean())) return v;
    }
    return n.Scalar();
}

}  // namespace

Scenario Scenario::parse(const json& spec) {
    if (!spec.is_object()) throw std::invalid_argument("scenario: expected a mapping");
    Scenario s;
    for (const auto& [key, value] : spec.items()) {
        if (key == "seed") {
            if (!value.is_number_integer()) throw std::invalid_argument("seed: a whole number");
            s.seed = value.get<std::uint64_t>();
        } else if (key == "default") {
            s.defaults = parse_reactions(value, "default");
        } else if (key == "steps") {
            if (!value.is_object()) throw std::invalid_argument("steps: a mapping of step ids");
            for (const auto& [step, r] : value.items())
                s.by_step[step] = parse_reactions(r, "steps." + step);
        } else {
            throw std::invalid_argument(key + ": unknown key (seed, default, steps)");
        }
    }
    return s;
}

Scenario Scenario::load(const std::string& path) {
    std::string text;
    try {
        text = model::read_yaml_file(path, "scenario file");
    } catch (const model::LoadError& e) {
        const auto& d = e.diagnostics().front();
        throw std::invalid_argument(d.pos.str() + ": " + d.message);
    }
    return load_text(text, path);
}

Scenario Scenario::load_text(const std::string& text, const std::string& path) {
    YAML::Node doc;
    try {
        // The same door as workflows: size, UTF-8, nesting, node count, alias cycles.
        doc = model::load_yaml_document(text, path);
    } catch (const model::LoadError& e) {
        const auto& d = e.diagnostics().front();
        throw std::invalid_argument(d.pos.str() + ": " + d.message);
    }
    std::map<std::string, model::SourcePos> where;
    json spec = yaml_to_json(doc, path, "", where);
    try {
        return parse(spec);
    } catch (const std::invalid_argument& e) {
        // "steps.intro.replied.p: ..." -> "file:line:col: steps.intro.replied.p: ...", at the
        // deepest field of the path the file has.
        std::string message = e.what();
        std::string field = message.substr(0, message.find(": "));
        for (std::string f = field; !f.empty();) {
            if (auto it = where.find(f); it != where.end())
                throw std::invalid_argument(it->second.str() + ": " + message);
            auto dot = f.rfind('.');
            f.resize(dot == std::string::npos ? 0 : dot);
        }
        throw std::invalid_argument(path + ": " + message);
    }
}

std::vector<std::string> Scenario::unknown_types(const std::vector<std::string>& custom) const {
    std::vector<std::string> out;
    const auto& known = model::engine_event_types();
    auto check = [&](const std::string& where, const std::map<std::string, Reaction>& rs) {
        for (const auto& [type, r] : rs) {
            if (std::find(known.begin(), known.end(), type) != known.end() ||
                std::find(custom.begin(), custom.end(), type) != custom.end())
                continue;
            std::string hint = model::suggest_event_type(type);
            out.push_back(where + "." + type + ": unknown event type '" + type + "'" +
                          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                          ": the workflow cannot react to it (its own types are declared under "
                          "'custom_events')");
        }
    };
    check("default", defaults);
    for (const auto& [step, rs] : by_step) check("steps." + step, rs);
    return out;
}

std::vector<std::pair<std::string, Millis>> Scenario::draw(const std::string& step_id,
                                                           const std::string& message_id) const {
    std::map<std::string, Reaction> reactions = defaults;
    if (auto it = by_step.find(step_id); it != by_step.end())
        for (const auto& [type, r] : it->second) reactions[type] = r;
    std::vector<std::pair<std::string, Millis>> out;
    std::uint64_t state = mix(seed ^ stable_hash(message_id));
    auto roll = [&](const std::string& type) {
        state = mix(state ^ stable_hash(type));
        return static_cast<double>(state >> 11) / static_cast<double>(1ull << 53);
    };
    if (auto b = reactions.find("bounced"); b != reactions.end() && roll("bounced") < b->second.p) {
        out.emplace_back("bounced", b->second.after);
        return out;
    }
    for (const auto& [type, r] : reactions)
        if (type != "bounced" && roll(type) < r.p) out.emplace_back(type, r.after);
    return out;
}

}  // namespace relance::runtime
