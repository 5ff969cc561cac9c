// A JSON value that can be a member of a widely included struct while the header declaring the
// struct includes only <nlohmann/json_fwd.hpp>. Why: keeps the whole nlohmann library (json.hpp)
// out of the public engine headers, which every source including them would otherwise pay for
// (docs/design.md, "Layers"). Code that reads or changes the value includes the library itself
// and goes through *, -> or the conversion to `const nlohmann::json&`.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <type_traits>

namespace relance {

class JsonValue {
  public:
    // Every member that may destroy the pointer is defined in json_value.cpp, where the json type
    // is complete (a constructor may destroy its members, so the constructors too).
    JsonValue() noexcept;  // null
    // null, as nlohmann::json(nullptr); a template, so that a literal 0 is not taken for null
    template <class Null, std::enable_if_t<std::is_null_pointer_v<Null>, int> = 0>
    JsonValue(Null) noexcept : JsonValue() {}
    // Implicit on purpose: a json is assigned or passed where a JsonValue is expected as is.
    JsonValue(const nlohmann::json& v);
    JsonValue(nlohmann::json&& v);
    JsonValue(const JsonValue& other);
    JsonValue(JsonValue&& other) noexcept;
    JsonValue& operator=(const JsonValue& other);
    JsonValue& operator=(JsonValue&& other) noexcept;
    // Assigning a json reuses the value's storage when it has one.
    JsonValue& operator=(const nlohmann::json& v);
    JsonValue& operator=(nlohmann::json&& v);
    template <class Null, std::enable_if_t<std::is_null_pointer_v<Null>, int> = 0>
    JsonValue& operator=(Null) noexcept {  // null; keeps the storage, as assigning a json does
        return set_null();
    }
    ~JsonValue();

    // Const access to a value that holds nothing (default-constructed or moved from) reads a
    // null json; non-const access gives it a null json of its own first.
    nlohmann::json& operator*();
    const nlohmann::json& operator*() const;
    nlohmann::json* operator->() { return &**this; }
    const nlohmann::json* operator->() const { return &**this; }
    // So that a `const nlohmann::json&` parameter accepts a JsonValue.
    operator const nlohmann::json&() const { return **this; }

    static JsonValue object();  // {}
    static JsonValue array();   // []

  private:
    JsonValue& set_null() noexcept;

    std::unique_ptr<nlohmann::json> value_;  // null pointer: a null json
};

}  // namespace relance
