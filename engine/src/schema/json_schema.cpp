// JSON Schema compilation with valijson, with `pattern`, `format` and `patternProperties` taken
// over by RE2 so that no user value (nor property name) is ever matched by std::regex: valijson
// 1.0 uses it for all three, and its recursion overflows the stack on a long value.
#include <re2/re2.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <relance/schema/json_schema.hpp>
#include <set>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace relance::schema {

namespace {

using json = nlohmann::json;

// Our names for the keywords we match ourselves; valijson ignores keywords it does not know, so
// only our constraint builders see them.
constexpr const char* kPattern = "x-relance-pattern";
constexpr const char* kFormat = "x-relance-format";
// A subschema's `patternProperties` (with its `additionalProperties`): the index of its
// PropertyGroup.
constexpr const char* kProperties = "x-relance-properties";
// At the root: the subschemas moved out of `patternProperties` and `additionalProperties`, each
// compiled into a valijson::Schema of its own, referred to by index.
constexpr const char* kSubschemas = "x-relance-subschemas";
// The document those subschemas are compiled from: the rewritten root itself, so that their
// `$ref`s resolve as they did in place. An absolute URI ("://"), so that valijson asks our fetch
// function for it instead of matching it against its URN std::regex.
constexpr const char* kRootUri = "relance://root";

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

// A subschema's `patternProperties` as we check them, with its `additionalProperties`: which
// members are additional depends on which names the patterns match, so both move together.
// Its `properties` stay with valijson (it matches those names exactly); we only need the names.
struct PropertyGroup {
    struct Pattern {
        std::string text;
        std::shared_ptr<const re2::RE2> re;
        std::size_t subschema = 0;  // index into Compiled::subschemas
    };
    enum class Additional { any, none, schema };

    std::set<std::string> named;  // the names `properties` lists: never additional
    std::vector<Pattern> patterns;
    Additional additional = Additional::any;
    std::size_t additional_subschema = 0;  // when additional == schema
};

// Everything one compile() makes: what the constraints in these schemas point to.
struct Compiled {
    valijson::Schema root;
    std::vector<PropertyGroup> groups;
    std::vector<std::unique_ptr<valijson::Schema>> subschemas;  // never moved once compiled
};

// Checks a member's value against a subschema (the one of `pattern`, or of additionalProperties
// when nullptr), its problems named below the member ("meta.x_foo.id: ..."). A valijson::Validator
// on the subschema, rather than valijson's internal ValidationVisitor: that is the library's public
// entry point, and the errors it collects only need the member's place put in front of theirs.
bool check_member(const valijson::Schema& schema, const std::string& name,
                  const valijson::adapters::NlohmannJsonAdapter& value,
                  const std::vector<std::string>& context, valijson::ValidationResults* results,
                  const std::string* pattern) {
    valijson::Validator validator;  // strong types, as in JsonSchema::check
    valijson::ValidationResults inner;
    if (validator.validate(schema, value, results ? &inner : nullptr)) return true;
    if (!results) return false;
    std::vector<std::string> at = context;
    at.push_back("[" + name + "]");
    bool reported = false;
    valijson::ValidationResults::Error error;
    while (inner.popError(error)) {
        std::vector<std::string> where = at;
        // Its context starts at its own "<root>": the member.
        if (!error.context.empty())
            where.insert(where.end(), error.context.begin() + 1, error.context.end());
        results->pushError(where, error.description);
        reported = true;
    }
    // A `false` subschema fails without saying anything.
    if (!reported)
        results->pushError(at, pattern ? "is not allowed for names matching '" + *pattern + "'"
                                       : "is not allowed by 'additionalProperties'");
    return false;
}

// `patternProperties` and `additionalProperties` of one subschema: each member whose name the
// pattern matches (anywhere in it, as JSON Schema patterns are not anchored) is checked against
// that pattern's subschema; a member named neither in `properties` nor by any pattern is
// refused, or checked against `additionalProperties`, as that says.
class PropertiesConstraint : public valijson::constraints::PolyConstraint {
  public:
    PropertiesConstraint(const Compiled& compiled, std::size_t group)
        : compiled_(&compiled), group_(group) {}

    bool validate(const valijson::adapters::Adapter& target,
                  const std::vector<std::string>& context,
                  valijson::ValidationResults* results) const override {
        if (!target.isObject()) return true;  // as valijson's own: only objects have members
        // JsonSchema::check validates an NlohmannJsonAdapter, and valijson hands objects down
        // in the adapter it was given: the members come typed from it, without copying them.
        const auto* object = dynamic_cast<const valijson::adapters::NlohmannJsonAdapter*>(&target);
        if (!object) throw std::logic_error("patternProperties checked on an unknown adapter");
        const PropertyGroup& group = compiled_->groups[group_];
        bool valid = true;
        for (const auto& [name, value] : object->asObject()) {
            bool matched = group.named.count(name) > 0;
            for (const auto& pattern : group.patterns) {
                if (!re2::RE2::PartialMatch(name, *pattern.re)) continue;
                matched = true;
                if (!check_member(*compiled_->subschemas[pattern.subschema], name, value, context,
                                  results, &pattern.text)) {
                    valid = false;
                    if (!results) return false;
                }
            }
            if (matched || group.additional == PropertyGroup::Additional::any) continue;
            if (group.additional == PropertyGroup::Additional::none) {
                if (results) {
                    std::vector<std::string> at = context;
                    at.push_back("[" + name + "]");
                    results->pushError(at,
                                       "is not an allowed property (not in 'properties', and "
                                       "matching no 'patternProperties' pattern)");
                }
                valid = false;
                if (!results) return false;
                continue;
            }
            if (!check_member(*compiled_->subschemas[group.additional_subschema], name, value,
                              context, results, nullptr)) {
                valid = false;
                if (!results) return false;
            }
        }
        return valid;
    }

  private:
    Constraint* cloneInto(void* where) const override {
        return new (where) PropertiesConstraint(*this);
    }
    size_t sizeOf() const override { return sizeof(PropertiesConstraint); }

    const Compiled* compiled_;  // owns the schema holding this constraint: outlives it
    std::size_t group_;
};

class PropertiesBuilder : public valijson::ConstraintBuilder {
  public:
    explicit PropertiesBuilder(const Compiled& compiled) : compiled_(compiled) {}

    valijson::constraints::Constraint* make(
        const valijson::adapters::Adapter& value) const override {
        // Only our rewrite writes this keyword (it refuses schemas that spell it themselves).
        if (!value.isInteger() || value.asInteger() < 0 ||
            static_cast<std::size_t>(value.asInteger()) >= compiled_.groups.size())
            throw std::logic_error(std::string(kProperties) + " without its group");
        return new PropertiesConstraint(compiled_, static_cast<std::size_t>(value.asInteger()));
    }

  private:
    const Compiled& compiled_;
};

// A `$ref` valijson will follow: only into this schema ("#..."), and only to a place where a
// subschema stands (below properties, definitions, allOf, items...), which is where the rewrite
// below has been. Anything else could lead valijson to a `pattern` we never renamed (inside an
// `enum`, say) and to std::regex; a reference to another document cannot be fetched anyway,
// and valijson matches such a URI against a std::regex of its own, which a long one crashes.
void check_reference(const std::string& ref, const std::string& where) {
    auto refuse = [&](const std::string& why) {
        throw SchemaError(where + ": '" + ref + "' cannot be followed: " + why);
    };
    if (ref.empty() || ref.front() != '#')
        refuse("only references inside the schema itself ('#/definitions/...') are supported");
    if (ref.size() == 1) return;  // "#": the whole schema
    if (ref[1] != '/') refuse("not a JSON pointer");
    static const std::set<std::string> named = {"properties", "patternProperties", "definitions",
                                                "$defs", "dependencies"};
    static const std::set<std::string> indexed = {"allOf", "anyOf", "oneOf"};
    static const std::set<std::string> single = {"additionalProperties",
                                                 "additionalItems",
                                                 "contains",
                                                 "propertyNames",
                                                 "not",
                                                 "if",
                                                 "then",
                                                 "else"};
    enum class Next { keyword, name, index, keyword_or_index } next = Next::keyword;
    std::size_t begin = 2;
    while (true) {
        std::size_t end = ref.find('/', begin);
        std::string token = ref.substr(begin, end == std::string::npos ? end : end - begin);
        bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
        if (next == Next::name) {
            next = Next::keyword;
        } else if (next == Next::index || (next == Next::keyword_or_index && digits)) {
            if (!digits) refuse("'" + token + "' is not an index");
            next = Next::keyword;
        } else if (named.count(token)) {
            next = Next::name;
        } else if (indexed.count(token)) {
            next = Next::index;
        } else if (token == "items") {
            next = Next::keyword_or_index;
        } else if (single.count(token)) {
            next = Next::keyword;
        } else {
            refuse("'" + token + "' is not a place where a schema stands");
        }
        if (end == std::string::npos) break;
        begin = end + 1;
    }
    if (next == Next::name || next == Next::index) refuse("it ends before naming a schema");
}

// Rewrites a schema for valijson, iteratively (a schema nested deeply cannot exhaust the stack
// here), in every subschema (not in property names that happen to be spelled like keywords):
// - `pattern` and `format` are renamed to our keywords, each pattern checked to compile;
// - `patternProperties`, with its subschema's `additionalProperties`, becomes a PropertyGroup
//   (returned, in the order of their indexes), its subschemas moved to the root's kSubschemas;
// - `$ref`s are checked (check_reference), and `id`s dropped: an id only sets the base of
//   references to other documents, which are refused, and valijson matches it against its URN
//   std::regex.
std::vector<PropertyGroup> rewrite_for_valijson(json& root) {
    struct Item {
        json* node;
        std::string where;  // JSON pointer, for messages
    };
    std::vector<PropertyGroup> groups;
    std::deque<json> moved;  // subschemas taken out of their object; a deque keeps addresses
    std::vector<Item> stack{{&root, ""}};
    auto push_schema = [&](json& node, std::string where) {
        if (node.is_object()) stack.push_back({&node, std::move(where)});
    };
    while (!stack.empty()) {
        Item item = stack.back();
        stack.pop_back();
        json& s = *item.node;
        for (const char* ours : {kPattern, kFormat, kProperties, kSubschemas})
            if (s.contains(ours))
                throw SchemaError(item.where + "/" + ours + ": a keyword reserved to relance");
        if (auto it = s.find("$ref"); it != s.end() && it->is_string())
            check_reference(it->get<std::string>(), item.where + "/$ref");
        if (auto it = s.find("id"); it != s.end() && it->is_string()) s.erase(it);
        if (auto it = s.find("pattern"); it != s.end() && it->is_string()) {
            compile_re2(it->get<std::string>(), item.where + "/pattern");
            s[kPattern] = *it;
            s.erase("pattern");
        }
        if (auto it = s.find("format"); it != s.end() && it->is_string()) {
            s[kFormat] = *it;
            s.erase("format");
        }
        if (auto it = s.find("patternProperties"); it != s.end() && it->is_object()) {
            PropertyGroup group;
            if (auto named = s.find("properties"); named != s.end() && named->is_object())
                for (const auto& [name, sub] : named->items()) group.named.insert(name);
            for (auto& [name, sub] : it->items()) {
                group.patterns.push_back(
                    {name, compile_re2(name, item.where + "/patternProperties"), moved.size()});
                moved.push_back(std::move(sub));
                push_schema(moved.back(), item.where + "/patternProperties/" + name);
            }
            if (auto extra = s.find("additionalProperties"); extra != s.end()) {
                std::string where = item.where + "/additionalProperties";
                if (extra->is_boolean()) {
                    if (!extra->get<bool>()) group.additional = PropertyGroup::Additional::none;
                } else if (extra->is_object()) {
                    group.additional = PropertyGroup::Additional::schema;
                    group.additional_subschema = moved.size();
                    moved.push_back(std::move(*extra));
                    push_schema(moved.back(), where);
                } else {
                    throw SchemaError(where + ": must be a schema (an object, or true/false)");
                }
                s.erase("additionalProperties");
            }
            s.erase("patternProperties");
            s[kProperties] = groups.size();
            groups.push_back(std::move(group));
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
    if (!moved.empty()) {
        json& table = root[kSubschemas] = json::array();
        for (auto& sub : moved) table.push_back(std::move(sub));
    }
    return groups;
}

// Parses `doc` into `schema` with our keywords' builders. `root` is the rewritten schema: the
// document kRootUri names.
void populate(const json& root, const json& doc, const Compiled& compiled,
              valijson::Schema& schema) {
    valijson::SchemaParser parser;
    parser.addConstraintBuilder(kPattern, new PatternBuilder());  // the parser deletes them
    parser.addConstraintBuilder(kFormat, new FormatBuilder());
    parser.addConstraintBuilder(kProperties, new PropertiesBuilder(compiled));
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(
        adapter, schema,
        [&root](const std::string& uri) -> const json* {
            return uri == kRootUri ? &root : nullptr;
        },
        [](const json*) {});  // the root is ours, not fetched: nothing to free
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

struct JsonSchema::Impl : Compiled {};

JsonSchema::JsonSchema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

JsonSchema JsonSchema::compile(const json& schema) {
    if (!schema.is_object() && !schema.is_boolean())
        throw SchemaError("a schema is an object (or true/false), got " +
                          std::string(schema.type_name()));
    json rewritten = schema;
    auto impl = std::make_shared<Impl>();
    try {
        if (rewritten.is_object()) impl->groups = rewrite_for_valijson(rewritten);
        populate(rewritten, rewritten, *impl, impl->root);
        // Each moved subschema compiled in place in the rewritten root (its `$ref`s resolve
        // there); a PropertiesConstraint only refers to them by index, so their order and any
        // reference cycle between them do not matter.
        std::size_t moved = rewritten.is_object() && rewritten.contains(kSubschemas)
                                ? rewritten[kSubschemas].size()
                                : 0;
        for (std::size_t i = 0; i < moved; ++i) {
            impl->subschemas.push_back(std::make_unique<valijson::Schema>());
            json doc = {
                {"$ref", std::string(kRootUri) + "#/" + kSubschemas + "/" + std::to_string(i)}};
            populate(rewritten, doc, *impl, *impl->subschemas.back());
        }
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
    // No std::regex runs here any more (see the rewrite): nothing in the validation throws but an
    // allocation (or a broken invariant of this file, PropertiesConstraint's adapter).
    if (validator.validate(impl_->root, doc, &results)) return problems;
    std::vector<std::string> summaries;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        // valijson adds a line for each object and array on the way down to a problem; the
        // problem itself already names the field.
        const std::string& d = error.description;
        std::string problem = field_of(error.context, root) + ": " + d;
        if (d.rfind("Failed to validate against schema associated with property name", 0) == 0 ||
            d.rfind("Failed to validate item #", 0) == 0)
            summaries.push_back(std::move(problem));
        else
            problems.push_back(std::move(problem));
    }
    // A `false` schema fails without a word of its own: an invalid value must still come back
    // with a problem (an empty list means valid), if only the lines on the way to it.
    if (problems.empty()) problems = std::move(summaries);
    if (problems.empty()) problems.push_back(root + ": is not allowed by the schema");
    return problems;
}

}  // namespace relance::schema
