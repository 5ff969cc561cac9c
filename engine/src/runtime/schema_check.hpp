// Checks a rendered action input against the action's JSON Schema, naming the offending field.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace relance::runtime {

class SchemaChecker {
public:
    SchemaChecker();
    ~SchemaChecker();
    // Problems as "field: description"; empty when valid. Schemas are compiled once per key.
    std::vector<std::string> check(const std::string& key, const nlohmann::json& schema,
                                   const nlohmann::json& value);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::runtime
