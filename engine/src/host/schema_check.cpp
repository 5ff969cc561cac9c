// A keyed cache of compiled schemas. A failed compilation is cached as a failure: caching an
// empty schema in its place (as the first version did) let every later value through unchecked.
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/host/schema_check.hpp>
#include <relance/schema/json_schema.hpp>

namespace relance::host {

struct SchemaChecker::Impl {
    struct Entry {
        std::optional<schema::JsonSchema> schema;  // empty when it did not compile
        std::string error;                         // why it did not
    };
    std::mutex mutex;
    std::map<std::string, Entry> entries;
};

SchemaChecker::SchemaChecker() : impl_(std::make_unique<Impl>()) {}
SchemaChecker::~SchemaChecker() = default;

std::vector<std::string> SchemaChecker::check(const std::string& key, const nlohmann::json& schema,
                                              const nlohmann::json& value) {
    if (schema.is_object() && schema.empty()) return {};  // no schema: nothing to check
    const Impl::Entry* entry = nullptr;
    {
        std::lock_guard lock(impl_->mutex);
        auto [it, inserted] = impl_->entries.try_emplace(key);
        if (inserted) {
            try {
                it->second.schema = schema::JsonSchema::compile(schema);
            } catch (const std::exception& e) {
                it->second.error = e.what();
            }
        }
        entry = &it->second;  // std::map nodes never move; entries are never erased
    }
    if (!entry->schema)
        return {"the schema of " + key + " is not a valid JSON Schema: " + entry->error};
    return entry->schema->check(value);
}

}  // namespace relance::host
