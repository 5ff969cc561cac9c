// Checks a value against a JSON Schema given with it, compiling each schema once per key. Kept
// for callers that hold a schema rather than a plugin; a plugin's own schemas are compiled when
// it loads (LoadedPlugin::check_input), which is where new code should check inputs.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace relance::host {

class SchemaChecker {
  public:
    SchemaChecker();
    ~SchemaChecker();
    SchemaChecker(const SchemaChecker&) = delete;
    SchemaChecker& operator=(const SchemaChecker&) = delete;

    // Problems as "field: description"; empty when valid. A schema that does not compile is
    // remembered as such and reported on every check under its key ("the schema of KEY is not a
    // valid JSON Schema: ..."): it never lets a value through as if it were valid.
    std::vector<std::string> check(const std::string& key, const nlohmann::json& schema,
                                   const nlohmann::json& value);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::host
