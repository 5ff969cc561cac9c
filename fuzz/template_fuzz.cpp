// Templates from any bytes: listing variables and rendering end, throw nothing but TemplateError
// and UnresolvedVariable, and agree with each other.
// Input: the template text, optionally followed by a 0 byte and a JSON scope.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/base/text_limits.hpp>
#include <relance/expr/template.hpp>
#include <string_view>

namespace {

using relance::expr::json;

const json& default_scope() {
    static const json scope = json::parse(R"({
        "contact": {"first_name": "Ada", "empty": "", "none": null, "n": 42, "f": 0.5,
                    "tags": ["a", "b", {"k": "v"}], "Content-Type": "x", "deep": [[[[1]]]]},
        "steps": {"send": {"output": {"id": "m-1", "items": [{"id": 7}]}}},
        "inputs": {"score": 72}, "vars": {}, "run": {"id": "r1"}
    })");
    return scope;
}

void check_refs(std::string_view text, const std::vector<relance::expr::VariableRef>& refs) {
    for (const auto& ref : refs) {
        // Each variable is reported where it is written, as written.
        if (ref.offset > text.size() || text.substr(ref.offset, ref.text.size()) != ref.text) {
            std::abort();
        }
        if (ref.path.empty()) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace expr = relance::expr;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t split = input.find('\0');
    const std::string_view text = input.substr(0, split);

    json scope = default_scope();
    if (split != std::string_view::npos) {
        const std::string_view rest = input.substr(split + 1);
        if (!relance::json_limit_error(rest, {.max_bytes = 1u << 16, .max_depth = 32})) {
            json parsed = json::parse(rest, nullptr, false);
            if (!parsed.is_discarded()) scope = std::move(parsed);
        }
    }

    expr::TemplateLimits limits;
    limits.max_template_bytes = 1u << 16;
    limits.max_output_bytes = 1u << 20;
    limits.max_depth = 16;

    bool parsed = true;
    try {
        check_refs(text, expr::template_variables(text, limits));
    } catch (const expr::TemplateError& e) {
        parsed = false;
        if (e.offset() > text.size()) std::abort();
    }

    try {
        const json out = expr::render_string(text, scope, limits);
        if (!parsed) std::abort();  // a template that does not parse never renders
        if (text.find("{{") == std::string_view::npos && out != json(std::string(text))) {
            std::abort();  // plain text renders to itself
        }
        (void)out.dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (const expr::TemplateError&) {
    } catch (const expr::UnresolvedVariable&) {
    }

    // The same text at several places of a `with:` value.
    json with = {{"a", std::string(text)},
                 {"b", json::array({std::string(text), 1, nullptr, json::object()})},
                 {std::string(text), {{"c", std::string(text)}}}};
    try {
        (void)expr::render_value(with, scope, limits);
        if (!parsed) std::abort();
    } catch (const expr::TemplateError&) {
    } catch (const expr::UnresolvedVariable&) {
    }
    (void)expr::is_template(text);
    return 0;
}
