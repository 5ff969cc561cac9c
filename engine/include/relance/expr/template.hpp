// Templates in `with:` and `set:` values: "Hi {{ contact.first_name | \"there\" }}".
//
// Grammar inside {{ }}: a chain of alternatives separated by `|`; each is a variable path
// (a.b.c, a.b[0], steps.send.output.id) or a literal ("text", 'text', 42, true, null). The first
// alternative that resolves to a non-null, non-empty value wins. With no alternative resolving,
// rendering fails with UnresolvedVariable: a send never goes out with a hole in it.
// A string that is exactly one {{ }} expression renders to the value's own JSON type.
//
// Bounded (DESIGN invariant 9): parsing is one linear pass without recursion; the template text,
// the nesting of rendered values and the size of what one call renders are capped
// (TemplateLimits), and going over is a TemplateError naming the template.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <relance/base/text_limits.hpp>
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
    explicit UnresolvedVariable(const std::string& path);
    const std::string& path() const { return path_; }  // whole, however long

  private:
    std::string path_;
};

struct TemplateLimits {
    std::size_t max_template_bytes = 1u << 20;  // the text of one template string
    // What one render_string or render_value call produces, about (values counted as their JSON
    // text, at least 8 bytes each): the same bound as any JSON input.
    std::size_t max_output_bytes = JsonLimits{}.max_bytes;
    std::size_t max_depth = JsonLimits{}.max_depth;  // nesting of rendered and inserted values
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
std::vector<VariableRef> template_variables(std::string_view text,
                                            const TemplateLimits& limits = {});

// Renders one string against scope. Throws TemplateError or UnresolvedVariable.
json render_string(std::string_view text, const json& scope, const TemplateLimits& limits = {});

// Renders every string inside a JSON value (objects and arrays, at any depth up to the limit;
// the walk uses no recursion). Errors name the string's place as a JSON pointer.
json render_value(const json& value, const json& scope, const TemplateLimits& limits = {});

}  // namespace relance::expr
