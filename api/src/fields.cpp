#include "fields.hpp"

#include <relance/app/error.hpp>

namespace relance::api::detail {

namespace {

app::Error invalid(const std::string& field, const std::string& message) {
    return app::Error(app::ErrorKind::invalid, message, field);
}

}  // namespace

std::string json_type_name(const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null:
            return "null";
        case nlohmann::json::value_t::object:
            return "an object";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            return "a number";
        default:
            return "not a JSON value";
    }
}

Fields::Fields(const nlohmann::json& body, std::initializer_list<const char*> known) : body_(body) {
    for (const auto& [name, value] : body.items()) {
        bool listed = false;
        for (const char* k : known) listed |= name == k;
        if (listed) continue;
        std::string expected;
        for (const char* k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
        throw invalid(name, "unknown field '" + name + "'" +
                                (expected.empty() ? std::string(": this route takes no fields")
                                                  : " (this route takes " + expected + ")"));
    }
}

const nlohmann::json* Fields::find(const char* name) const {
    auto it = body_.find(name);
    if (it == body_.end() || it->is_null()) return nullptr;
    return &*it;
}

std::string Fields::required_string(const char* name) const {
    const nlohmann::json* v = find(name);
    if (!v) throw invalid(name, std::string("the field '") + name + "' is required");
    if (!v->is_string())
        throw invalid(name, std::string("the field '") + name + "' must be a string, not " +
                                json_type_name(*v));
    std::string s = v->get<std::string>();
    if (s.empty()) throw invalid(name, std::string("the field '") + name + "' is empty");
    return s;
}

std::optional<std::string> Fields::optional_string(const char* name) const {
    const nlohmann::json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_string())
        throw invalid(name, std::string("the field '") + name + "' must be a string, not " +
                                json_type_name(*v));
    return v->get<std::string>();
}

std::optional<nlohmann::json> Fields::optional_object(const char* name) const {
    const nlohmann::json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_object())
        throw invalid(name, std::string("the field '") + name + "' must be an object, not " +
                                json_type_name(*v));
    return *v;
}

}  // namespace relance::api::detail
