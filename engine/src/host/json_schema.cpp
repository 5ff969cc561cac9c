// JSON Schema compilation with valijson, with `pattern` and `format` taken over by RE2 so that
// no user value is ever matched by std::regex (valijson 1.0 uses it for both).
#include <re2/re2.h>

#include <nlohmann/json.hpp>
#include <relance/host/json_schema.hpp>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace relance::host {

namespace {

using json = nlohmann::json;

// Our names for the keywords we match ourselves; valijson ignores keywords it does not know, so
// only our constraint builders see them.
constexpr const char* kPattern = "x-relance-pattern";
constexpr const char* kFormat = "x-relance-format";

std::shared_ptr<const re2::RE2> compile_re2(const std::string& pattern, const std::string& where) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(pattern, options);
    if (!re->ok())
        throw SchemaError(where + ": pattern '" + pattern + "' cannot be used: " + re->error() +
                          " (patterns run with RE2, in linear time: no backreferences or "
                          "lookaround)");
    return re;
}

// Matches a string against an RE2 pattern, anywhere in it (JSON Schema patterns are not
// anchored). Other types pass, as the keyword only applies to strings.
class Re2Constraint : public valijson::constraints::PolyConstraint {
  public:
    Re2Constraint(std::shared_ptr<const re2::RE2> re, std::string message)
        : re_(std::move(re)), message_(std::move(message)) {}

    bool validate(const valijson::adapters::Adapter& target,
                  const std::vector<std::string>& context,
                  valijson::ValidationResults* results) const override {
        if (!target.isString()) return true;
        if (re2::RE2::PartialMatch(target.asString(), *re_)) return true;
        if (results) results->pushError(context, message_);
        return false;
    }

  private:
    Constraint* cloneInto(void* where) const override { return new (where) Re2Constraint(*this); }
    size_t sizeOf() const override { return sizeof(Re2Constraint); }

    std::shared_ptr<const re2::RE2> re_;
    std::string message_;
};

// A constraint that lets everything through: formats we do not check (email, uri...), as
// valijson does.
class AcceptAll : public valijson::constraints::PolyConstraint {
  public:
    bool validate(const valijson::adapters::Adapter&, const std::vector<std::string>&,
                  valijson::ValidationResults*) const override {
        return true;
    }

  private:
    Constraint* cloneInto(void* where) const override { return new (where) AcceptAll(*this); }
    size_t sizeOf() const override { return sizeof(AcceptAll); }
};

class PatternBuilder : public valijson::ConstraintBuilder {
  public:
    valijson::constraints::Constraint* make(
        const valijson::adapters::Adapter& value) const override {
        if (!value.isString()) throw SchemaError("'pattern' must be a string");
        std::string pattern = value.asString();
        return new Re2Constraint(compile_re2(pattern, "pattern"),
                                 "does not match the pattern '" + pattern + "'");
    }
};

// The formats valijson checks, with the same rules, as RE2 patterns. Anchored: the whole string.
class FormatBuilder : public valijson::ConstraintBuilder {
  public:
    valijson::constraints::Constraint* make(
        const valijson::adapters::Adapter& value) const override {
        if (!value.isString()) throw SchemaError("'format' must be a string");
        std::string format = value.asString();
        static const std::string date = R"([0-9]{1,9}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01]))";
        static const std::string time =
            R"(([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))";
        std::string pattern;
        if (format == "date")
            pattern = "^" + date + "$";
        else if (format == "time")
            pattern = "^" + time + "$";
        else if (format == "date-time")
            pattern = "^" + date + "[Tt]" + time + "$";
        else
            return new AcceptAll();
        return new Re2Constraint(compile_re2(pattern, "format"), "is not a valid " + format);
    }
};

// Renames `pattern` and `format` in every subschema (not in property names that happen to be
// spelled so) to our keywords, and checks each pattern compiles. Iterative: a schema nested
// deeply cannot exhaust the stack here.
void take_over_regex_keywords(json& root) {
    struct Item {
        json* node;
        std::string where;  // JSON pointer, for messages
    };
    std::vector<Item> stack{{&root, ""}};
    auto push_schema = [&](json& node, std::string where) {
        if (node.is_object()) stack.push_back({&node, std::move(where)});
    };
    while (!stack.empty()) {
        Item item = stack.back();
        stack.pop_back();
        json& s = *item.node;
        if (auto it = s.find("pattern"); it != s.end() && it->is_string()) {
            compile_re2(it->get<std::string>(), item.where + "/pattern");
            s[kPattern] = *it;
            s.erase("pattern");
        }
        if (auto it = s.find("format"); it != s.end() && it->is_string()) {
            s[kFormat] = *it;
            s.erase("format");
        }
        if (auto it = s.find("patternProperties"); it != s.end() && it->is_object())
            // valijson matches property names itself (std::regex, on names rather than
            // values); at least refuse a pattern RE2 would not take, as for `pattern`.
            for (auto& [name, sub] : it->items()) {
                compile_re2(name, item.where + "/patternProperties");
                push_schema(sub, item.where + "/patternProperties/" + name);
            }
        for (const char* key : {"properties", "definitions", "$defs", "dependencies"})
            if (auto it = s.find(key); it != s.end() && it->is_object())
                for (auto& [name, sub] : it->items())
                    push_schema(sub, item.where + "/" + key + "/" + name);
        for (const char* key : {"additionalProperties", "additionalItems", "contains",
                                "propertyNames", "not", "if", "then", "else", "items"})
            if (auto it = s.find(key); it != s.end()) {
                if (it->is_object()) push_schema(*it, item.where + "/" + key);
                if (it->is_array())
                    for (size_t i = 0; i < it->size(); ++i)
                        push_schema((*it)[i], item.where + "/" + key + "/" + std::to_string(i));
            }
        for (const char* key : {"allOf", "anyOf", "oneOf"})
            if (auto it = s.find(key); it != s.end() && it->is_array())
                for (size_t i = 0; i < it->size(); ++i)
                    push_schema((*it)[i], item.where + "/" + key + "/" + std::to_string(i));
    }
}

// valijson's context ("<root>", "[to]", "[\"0\"]"...) as "to.0".
std::string field_of(const std::vector<std::string>& context, const std::string& root) {
    std::string field;
    for (const auto& part : context) {
        if (part == "<root>") continue;
        std::string p = part;
        if (p.size() > 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
        if (p.size() > 1 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
        field += field.empty() ? p : "." + p;
    }
    return field.empty() ? root : field;
}

}  // namespace

struct JsonSchema::Impl {
    valijson::Schema schema;
};

JsonSchema::JsonSchema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

JsonSchema JsonSchema::compile(const json& schema) {
    if (!schema.is_object() && !schema.is_boolean())
        throw SchemaError("a schema is an object (or true/false), got " +
                          std::string(schema.type_name()));
    json rewritten = schema;
    if (rewritten.is_object()) take_over_regex_keywords(rewritten);
    auto impl = std::make_shared<Impl>();
    valijson::SchemaParser parser;
    parser.addConstraintBuilder(kPattern, new PatternBuilder());  // the parser deletes them
    parser.addConstraintBuilder(kFormat, new FormatBuilder());
    valijson::adapters::NlohmannJsonAdapter adapter(rewritten);
    try {
        parser.populateSchema(adapter, impl->schema);
    } catch (const SchemaError&) {
        throw;
    } catch (const std::exception& e) {
        throw SchemaError(e.what());
    }
    return JsonSchema(std::move(impl));
}

std::vector<std::string> JsonSchema::check(const json& value, const std::string& root) const {
    std::vector<std::string> problems;
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter doc(value);
    try {
        if (validator.validate(impl_->schema, doc, &results)) return problems;
    } catch (const std::exception& e) {
        // valijson still matches patternProperties names with std::regex, which may throw.
        problems.push_back(root + ": cannot be checked against its schema: " + e.what());
        return problems;
    }
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        // valijson adds a line for each object and array on the way down to a problem; the
        // problem itself already names the field.
        const std::string& d = error.description;
        if (d.rfind("Failed to validate against schema associated with property name", 0) == 0 ||
            d.rfind("Failed to validate item #", 0) == 0)
            continue;
        problems.push_back(field_of(error.context, root) + ": " + d);
    }
    return problems;
}

}  // namespace relance::host
