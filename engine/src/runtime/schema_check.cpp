#include "schema_check.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace relance::runtime {

struct SchemaChecker::Impl {
    std::mutex m;
    std::map<std::string, std::unique_ptr<valijson::Schema>> schemas;
};

SchemaChecker::SchemaChecker() : impl_(std::make_unique<Impl>()) {}
SchemaChecker::~SchemaChecker() = default;

std::vector<std::string> SchemaChecker::check(const std::string& key, const nlohmann::json& schema,
                                              const nlohmann::json& value) {
    std::vector<std::string> problems;
    if (!schema.is_object() || schema.empty()) return problems;
    const valijson::Schema* compiled = nullptr;
    {
        std::lock_guard g(impl_->m);
        auto& slot = impl_->schemas[key];
        if (!slot) {
            slot = std::make_unique<valijson::Schema>();
            valijson::SchemaParser parser;
            valijson::adapters::NlohmannJsonAdapter adapter(schema);
            parser.populateSchema(adapter, *slot);
        }
        compiled = slot.get();
    }
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter doc(value);
    if (validator.validate(*compiled, doc, &results)) return problems;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string field;
        for (const auto& part : error.context) {
            if (part == "<root>") continue;
            std::string p = part;
            if (p.size() > 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
            if (p.size() > 1 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
            field += field.empty() ? p : "." + p;
        }
        problems.push_back((field.empty() ? std::string("input") : field) + ": " +
                           error.description);
    }
    return problems;
}

}  // namespace relance::runtime
