// Template rendering: "Hi {{ contact.first_name | \"there\" }}".
//
// The text is parsed into literal runs and {{ }} expressions in one pass; rendering and variable
// listing share that parse so they can never disagree on what a template means. Nothing here
// recurses on what a user wrote: the parser is a loop over the text, and values (the `with:`
// tree, values inserted from the scope) are walked with explicit stacks.
#include "relance/expr/template.hpp"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/base/utf8.hpp>
#include <utility>

#include "byte_size.hpp"

namespace relance::expr {
namespace {

struct Alternative {
    bool is_literal = false;
    json literal;            // when is_literal
    VariableRef ref;         // otherwise (ref.text only filled when listing variables)
    std::size_t length = 0;  // of the path as written, at ref.offset
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
    // `keep_text`: fill VariableRef::text (listing variables); rendering only needs offsets.
    ExpressionParser(std::string_view text, std::size_t open, bool keep_text)
        : text_(text), open_(open), keep_text_(keep_text) {}

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
        const std::string_view written = text_.substr(ref.offset, pos_ - ref.offset);
        alt.length = written.size();
        if (simple && (written == "true" || written == "false" || written == "null")) {
            alt.is_literal = true;
            alt.literal = written == "null" ? json(nullptr) : json(written == "true");
            alt.ref = VariableRef{};
        } else if (keep_text_) {
            ref.text = std::string(written);
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
    bool keep_text_;
    std::size_t pos_ = 0;
};

// Calls on_text(begin, end) for literal runs and on_expr(Expression) for each {{ }}, in order.
template <typename OnText, typename OnExpr>
void scan(std::string_view text, bool keep_text, OnText&& on_text, OnExpr&& on_expr) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) break;
        if (open > pos) on_text(pos, open);
        Expression expr = ExpressionParser(text, open, keep_text).parse();
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

// The value an expression resolves to, and the path it came from as written (empty for a
// literal).
struct Resolved {
    const json& value;
    std::string_view path;
};

Resolved evaluate(const Expression& expr, const json& scope, std::string_view text) {
    for (const Alternative& alt : expr.alternatives) {
        if (alt.is_literal) return {alt.literal, {}};
        const json* value = lookup(scope, alt.ref.path);
        if (present(value)) return {*value, text.substr(alt.ref.offset, alt.length)};
    }
    // The parser guarantees at least one alternative; a chain of literals returned above.
    for (const Alternative& alt : expr.alternatives) {
        if (!alt.is_literal) {
            throw UnresolvedVariable(std::string(text.substr(alt.ref.offset, alt.length)));
        }
    }
    throw UnresolvedVariable("?");
}

// Every value counts as at least this many bytes of output (closer to its cost in memory).
constexpr std::size_t kValueBytes = 8;

// The first bytes of a template, quoted, for error messages.
std::string excerpt(std::string_view text) {
    constexpr std::size_t kMax = 60;
    const std::string_view cut = cut_utf8(text, kMax);
    return "\"" + to_valid_utf8(cut) + (cut.size() < text.size() ? "...\"" : "\"");
}

// One object or array of a `with:` tree being rendered by render_value. `out` points into the
// result being built (map nodes never move; an array is not appended to while a child of it is
// being filled).
struct RenderLevel {
    const json* in;
    json::const_iterator next;     // the next element to render
    json::const_iterator current;  // the element being rendered
    json* out;
};

// The JSON pointer of the element being rendered at the innermost level ("/with/body").
std::string pointer_of(const std::vector<RenderLevel>& levels) {
    std::string where;
    for (const RenderLevel& level : levels) {
        where += '/';
        if (level.in->is_array()) {
            where += std::to_string(level.out->size() - 1);
        } else {
            for (char c : level.current.key()) {
                if (c == '~') {
                    where += "~0";
                } else if (c == '/') {
                    where += "~1";
                } else {
                    where += c;
                }
            }
        }
        if (where.size() > 200) return to_valid_utf8(cut_utf8(where, 200)) + "...";
    }
    return where;
}

// What one render call may still produce, and where it is, for the error that names it.
class Output {
  public:
    Output(const TemplateLimits& limits) : limits_(limits), remaining_(limits.max_output_bytes) {}

    // Takes `bytes` from the budget; over it, throws naming the template being rendered.
    void take(std::size_t bytes, std::string_view text, std::size_t offset) {
        if (bytes > remaining_) [[unlikely]]
            overflow(text, offset);
        remaining_ -= bytes;
    }
    std::size_t remaining() const { return remaining_; }
    const TemplateLimits& limits() const { return limits_; }

    // " at /with/body" when rendering inside render_value (computed only for an error).
    std::string place() const { return levels_ == nullptr ? "" : " at " + pointer_of(*levels_); }
    void set_levels(const std::vector<RenderLevel>* levels) { levels_ = levels; }

  private:
    [[noreturn, gnu::cold, gnu::noinline]] void overflow(std::string_view text,
                                                         std::size_t offset) {
        remaining_ = 0;
        throw TemplateError("template" + place() + " renders to more than " +
                                detail::describe_bytes(limits_.max_output_bytes) + ": " +
                                excerpt(text),
                            offset);
    }

    const TemplateLimits& limits_;
    std::size_t remaining_;
    const std::vector<RenderLevel>* levels_ = nullptr;
};

// About the size of `value` as JSON text, walked without recursion. Stops counting once past
// `cap` (the caller only needs to know it is too large); throws when nested past max_depth.
std::size_t measure(const json& value, std::size_t cap, std::size_t max_depth,
                    std::string_view path, std::size_t offset) {
    auto scalar_size = [](const json& v) {
        return v.is_string() ? v.get_ref<const std::string&>().size() + 2 : kValueBytes;
    };
    if (!value.is_structured()) return scalar_size(value);
    struct Level {
        json::const_iterator it;
        json::const_iterator end;
        bool object;
    };
    std::vector<Level> levels{{value.cbegin(), value.cend(), value.is_object()}};
    std::size_t bytes = kValueBytes;
    while (!levels.empty() && bytes <= cap) {
        Level& level = levels.back();
        if (level.it == level.end) {
            levels.pop_back();
            continue;
        }
        const json& item = *level.it;
        if (level.object) bytes += level.it.key().size() + 3;
        ++level.it;
        if (!item.is_structured()) {
            bytes += scalar_size(item);
            continue;
        }
        if (levels.size() >= max_depth) {
            throw TemplateError("value of '" + std::string(cut_utf8(path, 200)) +
                                    "' is nested deeper than " + std::to_string(max_depth) +
                                    " levels",
                                offset);
        }
        bytes += kValueBytes;
        levels.push_back({item.cbegin(), item.cend(), item.is_object()});
    }
    return bytes;
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

void check_template_size(std::string_view text, const TemplateLimits& limits) {
    if (limits.max_template_bytes != 0 && text.size() > limits.max_template_bytes) {
        throw TemplateError("template is larger than " +
                                detail::describe_bytes(limits.max_template_bytes) + " (" +
                                std::to_string(text.size()) + " bytes): " + excerpt(text),
                            limits.max_template_bytes);
    }
}

json render_with(std::string_view text, const json& scope, Output& output) {
    check_template_size(text, output.limits());
    if (text.find("{{") == std::string_view::npos) {
        output.take(text.size() + 2, text, 0);
        return json(std::string(text));
    }
    std::string out;
    std::size_t expressions = 0;
    std::optional<json> whole;  // the value when the text is exactly one expression
    scan(
        text, false,
        [&](std::size_t begin, std::size_t end) {
            output.take(end - begin, text, begin);
            out.append(text.substr(begin, end - begin));
        },
        [&](const Expression& expr) {
            ++expressions;
            const Resolved resolved = evaluate(expr, scope, text);
            const json& value = resolved.value;
            if (!value.is_string() && !value.is_null()) {
                // Measured (and depth-checked) before it is copied or written out.
                const std::size_t cap = output.remaining();
                output.take(
                    measure(value, cap, output.limits().max_depth, resolved.path, expr.begin), text,
                    expr.begin);
            } else if (value.is_string()) {
                output.take(value.get_ref<const std::string&>().size(), text, expr.begin);
            }
            if (expr.begin == 0 && expr.end == text.size()) {
                whole = value;
            } else {
                append_text(out, value);
            }
        });
    if (whole && expressions == 1) return std::move(*whole);
    return json(std::move(out));
}

}  // namespace

UnresolvedVariable::UnresolvedVariable(const std::string& path)
    : std::runtime_error([&] {
          // The path can be as long as the template: the message shows its start.
          constexpr std::size_t kMax = 200;
          const std::string_view cut = cut_utf8(path, kMax);
          const std::string shown = to_valid_utf8(cut) + (cut.size() < path.size() ? "..." : "");
          return "unresolved template variable '" + shown + "' (add a fallback: {{ " + shown +
                 " | \"...\" }})";
      }()),
      path_(path) {}

bool is_template(std::string_view text) {
    std::size_t open = text.find("{{");
    return open != std::string_view::npos && text.find("}}", open + 2) != std::string_view::npos;
}

std::vector<VariableRef> template_variables(std::string_view text, const TemplateLimits& limits) {
    check_template_size(text, limits);
    std::vector<VariableRef> refs;
    scan(
        text, true, [](std::size_t, std::size_t) {},
        [&](Expression& expr) {
            for (Alternative& alt : expr.alternatives) {
                if (!alt.is_literal) refs.push_back(std::move(alt.ref));
            }
        });
    return refs;
}

json render_string(std::string_view text, const json& scope, const TemplateLimits& limits) {
    Output output(limits);
    return render_with(text, scope, output);
}

json render_value(const json& value, const json& scope, const TemplateLimits& limits) {
    Output output(limits);
    if (value.is_string()) return render_with(value.get_ref<const std::string&>(), scope, output);
    if (!value.is_structured()) return value;

    json result = value.is_object() ? json::object() : json::array();
    // Reused by every call on this thread: no allocation once it has grown (render_value does
    // not call itself, so one per thread is enough).
    thread_local std::vector<RenderLevel> levels;
    levels.clear();
    levels.push_back({&value, value.cbegin(), value.cbegin(), &result});
    output.set_levels(&levels);
    while (!levels.empty()) {
        RenderLevel& level = levels.back();
        if (level.next == level.in->cend()) {
            levels.pop_back();
            continue;
        }
        level.current = level.next++;
        const json& item = *level.current;
        json* slot = nullptr;
        if (level.in->is_object()) {
            const std::string& key = level.current.key();
            output.take(key.size() + kValueBytes, key, 0);
            slot = &(*level.out)[key];
        } else {
            level.out->push_back(nullptr);
            slot = &level.out->back();
        }
        if (item.is_string()) {
            *slot = render_with(item.get_ref<const std::string&>(), scope, output);
        } else if (item.is_structured()) {
            if (levels.size() >= limits.max_depth) {
                throw TemplateError("template value at " + pointer_of(levels) +
                                        " is nested deeper than " +
                                        std::to_string(limits.max_depth) + " levels",
                                    0);
            }
            *slot = item.is_object() ? json::object() : json::array();
            levels.push_back({&item, item.cbegin(), item.cbegin(), slot});  // `level` unused after
        } else {
            output.take(kValueBytes, "", 0);
            *slot = item;
        }
    }
    return result;
}

}  // namespace relance::expr
