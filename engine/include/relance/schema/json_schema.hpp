// A JSON Schema (draft 7) compiled once, when a plugin is loaded, and then checked against many
// values (rendered inputs before a call, outputs after it). Compiling is where a bad schema is
// found: a plugin whose manifest holds one is refused at load instead of leaving its calls
// unchecked.
//
// `pattern`, the date/time `format`s and the names of `patternProperties` are matched with RE2,
// in time linear in the value (the values come from workflows and providers; valijson's own
// std::regex recursion would let a long value, or a long property name, crash the worker). A
// pattern RE2 cannot run in linear time (backreferences, lookaround) is a compile error, and so
// is a `$ref` out of the schema, or to a place no subschema stands.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace relance::schema {

struct SchemaError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class JsonSchema {
  public:
    // Throws SchemaError saying what is wrong (and where, when it is known).
    static JsonSchema compile(const nlohmann::json& schema);

    // Every problem as "field: description" (nested fields joined with dots, array items by
    // index: "personalizations.0.to"); `root` names the value itself when the problem is at its
    // top. Empty when the value is valid.
    std::vector<std::string> check(const nlohmann::json& value,
                                   const std::string& root = "input") const;

  private:
    struct Impl;
    explicit JsonSchema(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> impl_;  // immutable once compiled: shared, checked concurrently
};

}  // namespace relance::schema
