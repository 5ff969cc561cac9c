#include "manifest.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <relance/base/text_limits.hpp>
#include <set>

namespace relance::host::detail {

namespace {

// A manifest is code the plugin ships, but it is read before anything else is trusted.
constexpr JsonLimits kManifestLimits{1u << 20, 64};
constexpr std::int64_t kMaxTimeoutMs = 24LL * 3600 * 1000;

std::string require_string(const json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) throw Refused("invalid manifest: " + where + "missing \"" + key + "\"");
    if (!it->is_string() || it->get<std::string>().empty())
        throw Refused("invalid manifest: " + where + "\"" + key + "\" must be a non-empty string");
    return it->get<std::string>();
}

std::optional<Millis> timeout_of(const json& obj, const std::string& where) {
    auto it = obj.find("timeout_ms");
    if (it == obj.end()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 ||
        it->get<std::int64_t>() > kMaxTimeoutMs)
        throw Refused("invalid manifest: " + where +
                      "\"timeout_ms\" must be a whole number of milliseconds from 1 to 86400000");
    return Millis{it->get<std::int64_t>()};
}

schema::JsonSchema compile(const json& schema, const std::string& where, const char* key) {
    try {
        return schema::JsonSchema::compile(schema);
    } catch (const schema::SchemaError& e) {
        throw Refused("invalid manifest: " + where + "\"" + key +
                      "\" is not a valid JSON Schema: " + e.what());
    }
}

// "inbound": {"description", "callbacks": [{"name", ...}], "secrets": [names], "events":
// [types], "timeout_ms"}. Each secret it names must be declared in "secrets" too, since only
// declared secrets are lent.
json parse_inbound(const json& in, const json& declared_secrets) {
    const std::string where = "invalid manifest: \"inbound\": ";
    if (!in.is_object()) throw Refused(where + "must be an object");
    json out = in;
    auto callbacks = in.find("callbacks");
    if (callbacks == in.end() || !callbacks->is_array() || callbacks->empty())
        throw Refused(where + "\"callbacks\" must be a non-empty array");
    std::set<std::string> names;
    for (const json& c : *callbacks) {
        if (!c.is_object() || !c.contains("name") || !c["name"].is_string() ||
            !valid_name(c["name"].get<std::string>()))
            throw Refused(where + "each callback needs a \"name\" matching [a-z][a-z0-9_-]*");
        if (!names.insert(c["name"].get<std::string>()).second)
            throw Refused(where + "callback '" + c["name"].get<std::string>() + "' declared twice");
    }
    if (auto s = in.find("secrets"); s != in.end()) {
        if (!s->is_array()) throw Refused(where + "\"secrets\" must be an array of names");
        for (const json& name : *s) {
            bool known =
                name.is_string() &&
                std::any_of(declared_secrets.begin(), declared_secrets.end(), [&](const json& d) {
                    return d.value("name", std::string{}) == name.get<std::string>();
                });
            if (!known)
                throw Refused(where + "secret " + name.dump() +
                              " is not declared in the manifest's \"secrets\"");
        }
    } else {
        out["secrets"] = json::array();
    }
    if (auto e = in.find("events"); e != in.end()) {
        if (!e->is_array()) throw Refused(where + "\"events\" must be an array");
        for (const json& type : *e)
            if (!type.is_string() || !valid_name(type.get<std::string>()))
                throw Refused(where + "each event type must match [a-z][a-z0-9_-]*");
    }
    if (auto t = timeout_of(in, "\"inbound\": ")) out["timeout_ms"] = t->count();
    return out;
}

}  // namespace

bool valid_name(std::string_view s) {
    if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

CompiledManifest parse_manifest(const char* text) {
    if (!text) throw Refused("invalid manifest: manifest_json is NULL");
    if (auto problem = json_limit_error(text, kManifestLimits))
        throw Refused("invalid manifest: " + *problem);
    json raw = json::parse(text, nullptr, false);
    if (raw.is_discarded()) throw Refused("invalid manifest: not valid JSON");
    if (!raw.is_object()) throw Refused("invalid manifest: not a JSON object");

    CompiledManifest out;
    PluginManifest& m = out.manifest;
    m.name = require_string(raw, "name", "");
    if (!valid_name(m.name))
        throw Refused("invalid manifest: plugin name '" + m.name + "' must match [a-z][a-z0-9_-]*");
    m.version = require_string(raw, "version", "");
    if (auto it = raw.find("description"); it != raw.end() && it->is_string())
        m.description = it->get<std::string>();
    std::optional<Millis> plugin_timeout = timeout_of(raw, "");

    auto actions = raw.find("actions");
    if (actions == raw.end()) throw Refused("invalid manifest: missing \"actions\"");
    if (!actions->is_array()) throw Refused("invalid manifest: \"actions\" must be an array");
    std::set<std::string> seen;
    for (size_t i = 0; i < actions->size(); ++i) {
        const json& a = (*actions)[i];
        std::string where = "actions[" + std::to_string(i) + "]: ";
        if (!a.is_object()) throw Refused("invalid manifest: " + where + "not an object");
        model::ActionSpec spec;
        spec.plugin = m.name;
        spec.name = require_string(a, "name", where);
        where = "action '" + spec.name + "': ";
        if (!valid_name(spec.name))
            throw Refused("invalid manifest: " + where + "name must match [a-z][a-z0-9_-]*");
        if (!seen.insert(spec.name).second)
            throw Refused("invalid manifest: " + where + "declared twice");
        if (auto it = a.find("description"); it != a.end() && it->is_string())
            spec.description = it->get<std::string>();
        if (auto it = a.find("safe_to_repeat"); it != a.end()) {
            if (!it->is_boolean())
                throw Refused("invalid manifest: " + where +
                              "\"safe_to_repeat\" must be a boolean");
            spec.safe_to_repeat = it->get<bool>();
        }
        if (auto it = a.find("channel"); it != a.end()) {
            if (!it->is_string() || !valid_name(it->get<std::string>()))
                throw Refused("invalid manifest: " + where +
                              "\"channel\" must be a lowercase name such as \"email\"");
            spec.channel = it->get<std::string>();
        }
        auto in = a.find("input_schema");
        if (in == a.end()) throw Refused("invalid manifest: " + where + "missing \"input_schema\"");
        if (!in->is_object())
            throw Refused("invalid manifest: " + where + "\"input_schema\" must be an object");
        spec.input_schema = *in;
        std::optional<schema::JsonSchema> output;
        if (auto it = a.find("output_schema"); it != a.end()) {
            if (!it->is_object())
                throw Refused("invalid manifest: " + where + "\"output_schema\" must be an object");
            spec.output_schema = *it;
            if (!it->empty()) output = compile(*it, where, "output_schema");
        }
        if (auto t = timeout_of(a, where))
            m.timeouts[spec.name] = *t;
        else if (plugin_timeout)
            m.timeouts[spec.name] = *plugin_timeout;
        out.schemas.emplace(spec.name,
                            ActionSchemas{compile(*in, where, "input_schema"), std::move(output)});
        m.actions.push_back(std::move(spec));
    }

    if (auto it = raw.find("secrets"); it != raw.end()) {
        if (!it->is_array()) throw Refused("invalid manifest: \"secrets\" must be an array");
        for (const json& s : *it) {
            // A bare string is shorthand for {"name": s}.
            json entry = s.is_string() ? json{{"name", s}} : s;
            if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
                throw Refused("invalid manifest: each secret needs a \"name\"");
            if (!entry.contains("required")) entry["required"] = true;
            m.secrets->push_back(std::move(entry));
        }
    }
    auto optional_member = [&](const char* key, json& target, bool array) {
        auto it = raw.find(key);
        if (it == raw.end()) return;
        if (array ? !it->is_array() : !it->is_object())
            throw Refused(std::string("invalid manifest: \"") + key + "\" must be " +
                          (array ? "an array" : "an object"));
        target = *it;
    };
    optional_member("limits", *m.limits, false);
    optional_member("events", *m.events, true);
    optional_member("pollers", *m.pollers, true);
    if (auto it = raw.find("inbound"); it != raw.end()) *m.inbound = parse_inbound(*it, *m.secrets);
    m.raw = std::move(raw);
    return out;
}

}  // namespace relance::host::detail
