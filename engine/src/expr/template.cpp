// Template rendering: "Hi {{ contact.first_name | \"there\" }}".
//
// The text is parsed into literal runs and {{ }} expressions in one pass; rendering and variable
// listing share that parse so they can never disagree on what a template means.
#include "relance/expr/template.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

namespace relance::expr {
namespace {

struct Alternative {
    bool is_literal = false;
    json literal;     // when is_literal
    VariableRef ref;  // otherwise
};

struct Expression {
    std::size_t begin = 0;  // offset of "{{"
    std::size_t end = 0;    // offset just past "}}"
    std::vector<Alternative> alternatives;
};

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// Hyphens are allowed after the first character because step ids and payload keys often use
// them ("send-intro", "first-name"); there are no operators in the grammar to clash with.
bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string describe(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return "byte 0x" + std::string(1, "0123456789abcdef"[(c >> 4) & 0xf]) +
               std::string(1, "0123456789abcdef"[c & 0xf]);
    }
    return std::string("'") + c + "'";
}

// Parses the inside of one {{ }} starting just after "{{". `pos` ends just past "}}".
class ExpressionParser {
  public:
    ExpressionParser(std::string_view text, std::size_t open) : text_(text), open_(open) {}

    Expression parse() {
        Expression expr;
        expr.begin = open_;
        pos_ = open_ + 2;
        skip_space();
        if (at_close()) throw TemplateError("empty template expression '{{ }}'", open_);
        for (;;) {
            skip_space();
            if (at_end()) throw unterminated();
            if (at_close() || peek() == '|') {
                throw TemplateError("expected a variable or a literal before " +
                                        std::string(at_close() ? "'}}'" : "'|'"),
                                    pos_);
            }
            expr.alternatives.push_back(parse_alternative());
            skip_space();
            if (at_end()) throw unterminated();
            if (at_close()) {
                pos_ += 2;
                break;
            }
            if (peek() != '|') {
                throw TemplateError("expected '|' or '}}', found " + describe(peek()), pos_);
            }
            ++pos_;
        }
        expr.end = pos_;
        for (std::size_t i = 0; i + 1 < expr.alternatives.size(); ++i) {
            expr.alternatives[i].ref.has_fallback = true;
        }
        return expr;
    }

  private:
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }
    bool at_close() const { return text_.compare(pos_, 2, "}}") == 0; }
    void skip_space() {
        while (!at_end() && is_space(peek())) ++pos_;
    }
    TemplateError unterminated() const {
        return TemplateError("unterminated '{{' (missing '}}')", open_);
    }

    Alternative parse_alternative() {
        char c = peek();
        if (c == '"' || c == '\'') {
            Alternative alt;
            alt.is_literal = true;
            alt.literal = parse_string();
            return alt;
        }
        if (is_digit(c) || c == '-' || c == '+') {
            Alternative alt;
            alt.is_literal = true;
            alt.literal = parse_number();
            return alt;
        }
        if (is_ident_start(c)) return parse_path();
        throw TemplateError("unexpected " + describe(c) + " in template expression", pos_);
    }

    std::string parse_string() {
        const std::size_t start = pos_;
        const char quote = text_[pos_++];
        std::string out;
        for (;;) {
            if (at_end()) throw TemplateError("unterminated string literal", start);
            char c = text_[pos_++];
            if (c == quote) return out;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (at_end()) throw TemplateError("unterminated string literal", start);
            char e = text_[pos_++];
            switch (e) {
                case 'n':
                    out.push_back('\n');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case '\\':
                case '"':
                case '\'':
                    out.push_back(e);
                    break;
                default:
                    throw TemplateError("unknown escape '\\" + std::string(1, e) + "'", pos_ - 2);
            }
        }
    }

    json parse_number() {
        const std::size_t start = pos_;
        if (peek() == '-' || peek() == '+') ++pos_;
        const std::size_t digits = pos_;
        while (!at_end() && is_digit(peek())) ++pos_;
        if (pos_ == digits) throw TemplateError("expected a number", start);
        bool integral = true;
        if (!at_end() && peek() == '.') {
            integral = false;
            ++pos_;
            const std::size_t frac = pos_;
            while (!at_end() && is_digit(peek())) ++pos_;
            if (pos_ == frac) throw TemplateError("expected digits after '.'", pos_);
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            integral = false;
            ++pos_;
            if (!at_end() && (peek() == '-' || peek() == '+')) ++pos_;
            const std::size_t exp = pos_;
            while (!at_end() && is_digit(peek())) ++pos_;
            if (pos_ == exp) throw TemplateError("expected digits in exponent", pos_);
        }
        if (!at_end() && (is_ident_char(peek()) || peek() == '.')) {
            throw TemplateError("unexpected " + describe(peek()) + " after number", pos_);
        }
        // from_chars rejects a leading '+'.
        const char* first = text_.data() + (text_[start] == '+' ? start + 1 : start);
        const char* last = text_.data() + pos_;
        if (integral) {
            std::int64_t value = 0;
            auto [ptr, ec] = std::from_chars(first, last, value);
            if (ec == std::errc() && ptr == last) return value;
            // Too large for int64: keep it as a double rather than refusing it.
        }
        double value = 0;
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec != std::errc() || ptr != last) throw TemplateError("invalid number", start);
        return value;
    }

    Alternative parse_path() {
        Alternative alt;
        VariableRef& ref = alt.ref;
        ref.offset = pos_;
        ref.path.push_back(parse_ident());
        bool simple = true;
        for (;;) {
            if (at_end()) break;
            if (peek() == '.') {
                ++pos_;
                simple = false;
                if (!at_end() && is_ident_start(peek())) {
                    ref.path.push_back(parse_ident());
                } else if (!at_end() && is_digit(peek())) {
                    ref.path.push_back(parse_index_digits());
                } else {
                    throw TemplateError("expected a name or an index after '.'", pos_);
                }
            } else if (peek() == '[') {
                ++pos_;
                simple = false;
                skip_space();
                if (!at_end() && is_digit(peek())) {
                    ref.path.push_back(parse_index_digits());
                } else if (!at_end() && (peek() == '"' || peek() == '\'')) {
                    // a["Content-Type"]: keys that are not identifiers.
                    ref.path.push_back(parse_string());
                } else {
                    throw TemplateError("expected an index or a quoted key after '['", pos_);
                }
                skip_space();
                if (at_end() || peek() != ']') throw TemplateError("expected ']'", pos_);
                ++pos_;
            } else {
                break;
            }
        }
        ref.text = std::string(text_.substr(ref.offset, pos_ - ref.offset));
        if (simple && (ref.text == "true" || ref.text == "false" || ref.text == "null")) {
            alt.is_literal = true;
            alt.literal = ref.text == "null" ? json(nullptr) : json(ref.text == "true");
            alt.ref = VariableRef{};
        }
        return alt;
    }

    std::string parse_ident() {
        const std::size_t start = pos_;
        while (!at_end() && is_ident_char(peek())) ++pos_;
        return std::string(text_.substr(start, pos_ - start));
    }

    std::string parse_index_digits() {
        const std::size_t start = pos_;
        while (!at_end() && is_digit(peek())) ++pos_;
        if (!at_end() && is_ident_char(peek())) {
            throw TemplateError("unexpected " + describe(peek()) + " in index", pos_);
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    std::string_view text_;
    std::size_t open_;
    std::size_t pos_ = 0;
};

// Calls on_text(begin, end) for literal runs and on_expr(Expression) for each {{ }}, in order.
template <typename OnText, typename OnExpr>
void scan(std::string_view text, OnText&& on_text, OnExpr&& on_expr) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) break;
        if (open > pos) on_text(pos, open);
        Expression expr = ExpressionParser(text, open).parse();
        pos = expr.end;
        on_expr(expr);
    }
    if (pos < text.size()) on_text(pos, text.size());
}

const json* lookup(const json& scope, const std::vector<std::string>& path) {
    const json* node = &scope;
    for (const std::string& segment : path) {
        if (node->is_object()) {
            auto it = node->find(segment);
            if (it == node->end()) return nullptr;
            node = &*it;
        } else if (node->is_array()) {
            std::size_t index = 0;
            auto [ptr, ec] =
                std::from_chars(segment.data(), segment.data() + segment.size(), index);
            if (ec != std::errc() || ptr != segment.data() + segment.size()) return nullptr;
            if (index >= node->size()) return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
    }
    return node;
}

bool present(const json* value) {
    return value != nullptr && !value->is_null() &&
           !(value->is_string() && value->get_ref<const std::string&>().empty());
}

const json& evaluate(const Expression& expr, const json& scope) {
    for (const Alternative& alt : expr.alternatives) {
        if (alt.is_literal) return alt.literal;
        const json* value = lookup(scope, alt.ref.path);
        if (present(value)) return *value;
    }
    // The parser guarantees at least one alternative; a chain of literals returned above.
    for (const Alternative& alt : expr.alternatives) {
        if (!alt.is_literal) throw UnresolvedVariable(alt.ref.text);
    }
    throw UnresolvedVariable("?");
}

void append_text(std::string& out, const json& value) {
    switch (value.type()) {
        case json::value_t::string:
            out += value.get_ref<const std::string&>();
            break;
        // An explicit `| null` fallback means "nothing here" inside running text.
        case json::value_t::null:
            break;
        default:
            // replace: a stray invalid UTF-8 byte in a payload must not abort a render.
            out += value.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

}  // namespace

bool is_template(std::string_view text) {
    std::size_t open = text.find("{{");
    return open != std::string_view::npos && text.find("}}", open + 2) != std::string_view::npos;
}

std::vector<VariableRef> template_variables(std::string_view text) {
    std::vector<VariableRef> refs;
    scan(
        text, [](std::size_t, std::size_t) {},
        [&](Expression& expr) {
            for (Alternative& alt : expr.alternatives) {
                if (!alt.is_literal) refs.push_back(std::move(alt.ref));
            }
        });
    return refs;
}

json render_string(std::string_view text, const json& scope) {
    if (text.find("{{") == std::string_view::npos) return json(std::string(text));
    std::string out;
    std::size_t expressions = 0;
    std::optional<json> whole;  // the value when the text is exactly one expression
    scan(
        text,
        [&](std::size_t begin, std::size_t end) { out.append(text.substr(begin, end - begin)); },
        [&](const Expression& expr) {
            ++expressions;
            const json& value = evaluate(expr, scope);
            if (expr.begin == 0 && expr.end == text.size()) {
                whole = value;
            } else {
                append_text(out, value);
            }
        });
    if (whole && expressions == 1) return std::move(*whole);
    return json(std::move(out));
}

json render_value(const json& value, const json& scope) {
    switch (value.type()) {
        case json::value_t::string:
            return render_string(value.get_ref<const std::string&>(), scope);
        case json::value_t::object: {
            json out = json::object();
            for (auto it = value.begin(); it != value.end(); ++it) {
                out[it.key()] = render_value(it.value(), scope);
            }
            return out;
        }
        case json::value_t::array: {
            json out = json::array();
            for (const json& item : value) out.push_back(render_value(item, scope));
            return out;
        }
        default:
            return value;
    }
}

}  // namespace relance::expr
