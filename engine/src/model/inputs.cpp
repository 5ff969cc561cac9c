// Coercion of raw input records (CSV rows arrive as strings) into typed run inputs.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/base/text_limits.hpp>
#include <relance/model/inputs.hpp>

namespace relance::model {

namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string shown(const json& v) {
    std::string d = v.dump();
    if (d.size() > 60) d = std::string(cut_utf8(d, 57)) + "...";  // never inside a character
    return d;
}

// Converts one present, non-empty value; nullopt when it cannot be (`why` says more when the
// reason is not just the type).
std::optional<json> coerce(const json& v, InputType type, std::string& why) {
    switch (type) {
        case InputType::string:
            if (v.is_string()) return v;
            // A JSON record may carry ids as numbers; their text is what a string input means.
            if (v.is_number() || v.is_boolean()) return json(v.dump());
            return std::nullopt;
        case InputType::integer: {
            if (v.is_number_integer()) return v;
            if (v.is_number_float()) {
                double d = v.get<double>();
                if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15)
                    return json(static_cast<long long>(d));
                return std::nullopt;
            }
            if (!v.is_string()) return std::nullopt;
            std::string s = trim(v.get<std::string>());
            if (s.empty()) return std::nullopt;
            errno = 0;
            char* end = nullptr;
            long long n = std::strtoll(s.c_str(), &end, 10);
            if (errno != 0 || *end != '\0') return std::nullopt;
            return json(n);
        }
        case InputType::number: {
            if (v.is_number()) return v;
            if (!v.is_string()) return std::nullopt;
            std::string s = trim(v.get<std::string>());
            if (s.empty()) return std::nullopt;
            errno = 0;
            char* end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (errno != 0 || *end != '\0' || !std::isfinite(d)) return std::nullopt;
            // Keep integral text integral ("42" stays 42, not 42.0) for stable templates.
            if (s.find_first_of(".eE") == std::string::npos && std::fabs(d) < 9.0e15)
                return json(static_cast<long long>(d));
            return json(d);
        }
        case InputType::boolean: {
            if (v.is_boolean()) return v;
            if (v.is_number_integer()) {
                auto n = v.get<long long>();
                if (n == 0 || n == 1) return json(n == 1);
                return std::nullopt;
            }
            if (!v.is_string()) return std::nullopt;
            std::string s = lower(trim(v.get<std::string>()));
            if (s == "true" || s == "yes" || s == "1") return json(true);
            if (s == "false" || s == "no" || s == "0") return json(false);
            return std::nullopt;
        }
        case InputType::object:
        case InputType::array: {
            json parsed = v;
            if (v.is_string()) {
                // JSON text in a CSV cell is user input like any other: bounded before parsing.
                if (auto limit = json_limit_error(v.get_ref<const std::string&>())) {
                    why = "its JSON text is " + *limit;
                    return std::nullopt;
                }
                parsed = json::parse(v.get<std::string>(), nullptr, /*allow_exceptions=*/false);
                if (parsed.is_discarded()) return std::nullopt;
            }
            if (type == InputType::object ? parsed.is_object() : parsed.is_array()) return parsed;
            return std::nullopt;
        }
    }
    return std::nullopt;
}

bool is_empty(const json& v) {
    return v.is_null() || (v.is_string() && trim(v.get<std::string>()).empty());
}

}  // namespace

json coerce_inputs(const Workflow& wf, const json& record, std::vector<InputProblem>& problems) {
    json out = record.is_object() ? record : json::object();
    if (!record.is_object() && !record.is_null())
        problems.push_back({"", "input record must be an object, got " + shown(record)});
    for (const auto& f : wf.inputs) {
        auto it = out.find(f.name);
        bool absent = it == out.end() || is_empty(*it);
        if (absent) {
            if (f.default_value) {
                out[f.name] = *f.default_value;
            } else {
                // An empty CSV cell means "not given": drop it so templates fall back cleanly.
                if (it != out.end()) out.erase(it);
                if (f.required) problems.push_back({f.name, "required field is missing"});
            }
            continue;
        }
        std::string why;
        if (auto v = coerce(*it, f.type, why)) {
            *it = std::move(*v);
        } else if (!why.empty()) {
            problems.push_back({f.name, std::string("expected ") + to_string(f.type) + ": " + why});
        } else {
            problems.push_back(
                {f.name, std::string("expected ") + to_string(f.type) + ", got " + shown(*it)});
        }
    }
    return out;
}

}  // namespace relance::model
