// The fields of a JSON request body, checked: a field the route does not know is refused
// (naming it), and each field read has the type the route expects (naming it when not). Errors
// are app::Error invalid with the field's name, so they answer 400 like any invalid input.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace relance::api::detail {

class Fields {
  public:
    // Refuses any member of `body` not in `known`.
    Fields(const nlohmann::json& body, std::initializer_list<const char*> known);

    // A string that must be present and not empty.
    std::string required_string(const char* name) const;
    // A string when present (null counts as absent).
    std::optional<std::string> optional_string(const char* name) const;
    // An object when present (null counts as absent).
    std::optional<nlohmann::json> optional_object(const char* name) const;

  private:
    const nlohmann::json* find(const char* name) const;

    const nlohmann::json& body_;
};

// "a string", "a number"...: how an error names the type it found.
std::string json_type_name(const nlohmann::json& value);

}  // namespace relance::api::detail
