// Templates in `with:` and `set:` values: "Hi {{ contact.first_name | \"there\" }}".
//
// Grammar inside {{ }}: a chain of alternatives separated by `|`; each is a variable path
// (a.b.c, a.b[0], steps.send.output.id) or a literal ("text", 'text', 42, true, null). The first
// alternative that resolves to a non-null, non-empty value wins. With no alternative resolving,
// rendering fails with UnresolvedVariable: a send never goes out with a hole in it.
// A string that is exactly one {{ }} expression renders to the value's own JSON type.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relance::expr {

using json = nlohmann::json;

class TemplateError : public std::runtime_error {
public:
    TemplateError(const std::string& message, std::size_t offset)
        : std::runtime_error(message), offset_(offset) {}
    std::size_t offset() const { return offset_; }  // byte offset in the template text

private:
    std::size_t offset_;
};

class UnresolvedVariable : public std::runtime_error {
public:
    explicit UnresolvedVariable(const std::string& path)
        : std::runtime_error("unresolved template variable '" + path + "' (add a fallback: {{ " +
                             path + " | \"...\" }})"),
          path_(path) {}
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

struct VariableRef {
    std::vector<std::string> path;  // {"contact", "first_name"}; array indices as "0"
    std::string text;               // as written: "contact.first_name"
    std::size_t offset = 0;         // byte offset in the template text
    bool has_fallback = false;      // a later alternative exists in the same {{ }}
};

// True when the string contains at least one {{ }}.
bool is_template(std::string_view text);

// The variables a template string refers to. Throws TemplateError on a syntax error.
std::vector<VariableRef> template_variables(std::string_view text);

// Renders one string against scope. Throws TemplateError or UnresolvedVariable.
json render_string(std::string_view text, const json& scope);

// Renders every string inside a JSON value (objects and arrays recursively).
json render_value(const json& value, const json& scope);

}  // namespace relance::expr
