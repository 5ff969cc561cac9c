// Bodies of webhook triggers: JSON or form fields, bounded, errors naming the place.
#include "hook_body.hpp"

#include <relance/app/error.hpp>
#include <relance/app/json_body.hpp>
#include <relance/base/utf8.hpp>

namespace relance::app::detail {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Error bad_body(const std::string& what) {
    return Error(ErrorKind::invalid, what, "body");
}

std::string form_decode(std::string_view text, std::size_t field) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
            int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                throw bad_body("form field " + std::to_string(field) +
                               ": '%' must be followed by two hex digits");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    if (auto at = find_invalid_utf8(out))
        throw bad_body("form field " + std::to_string(field) + " is not UTF-8 text (byte " +
                       std::to_string(at->offset + 1) + ")");
    return out;
}

}  // namespace

nlohmann::json parse_form(std::string_view body) {
    nlohmann::json out = nlohmann::json::object();
    std::size_t field = 0;
    while (!body.empty()) {
        std::size_t amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
        if (pair.empty()) continue;
        if (++field > kMaxFormFields)
            throw bad_body("a form may have at most " + std::to_string(kMaxFormFields) + " fields");
        std::size_t eq = pair.find('=');
        std::string name = form_decode(pair.substr(0, eq), field);
        std::string value =
            eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1), field);
        auto it = out.find(name);
        if (it == out.end()) {
            out[name] = std::move(value);
        } else {
            if (!it->is_array()) *it = nlohmann::json::array({std::move(*it)});
            it->push_back(std::move(value));
        }
    }
    return out;
}

nlohmann::json parse_hook_body(std::string_view content_type, std::string_view body) {
    if (body.empty()) return nlohmann::json::object();
    std::string_view media = trim(content_type.substr(0, content_type.find(';')));
    std::string type = lower(media);
    if (type == "application/x-www-form-urlencoded") return parse_form(body);
    if (type != "application/json" &&
        !(type.starts_with("application/") && type.ends_with("+json")))
        throw Error(ErrorKind::unsupported_media,
                    content_type.empty()
                        ? "a webhook body is JSON or form fields: send Content-Type: "
                          "application/json or application/x-www-form-urlencoded"
                        : "a webhook body is application/json or "
                          "application/x-www-form-urlencoded, not '" +
                              std::string(media.substr(0, 100)) + "'",
                    "Content-Type");
    return parse_json_body(body, body.size(), "body");
}

nlohmann::json hook_scope(nlohmann::json body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::vector<std::pair<std::string, std::string>>& query) {
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [name, value] : headers) {
        std::string key = lower(name);
        auto it = h.find(key);
        if (it == h.end())
            h[key] = to_valid_utf8(value);
        else
            *it = it->get<std::string>() + ", " + to_valid_utf8(value);
    }
    nlohmann::json q = nlohmann::json::object();
    for (const auto& [name, value] : query) q[to_valid_utf8(name)] = to_valid_utf8(value);
    return {{"body", std::move(body)}, {"headers", std::move(h)}, {"query", std::move(q)}};
}

}  // namespace relance::app::detail
