// A webhook's body as its templates read it: JSON (an object or any value) or form fields
// (application/x-www-form-urlencoded, as HTML forms, Twilio and Typeform's legacy hooks post).
// Both bounded: the JSON by base/text_limits, the form by field count and UTF-8. Internal to
// relance_app (fuzz/hook_body_fuzz.cpp reaches it through its own include path).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relance::app::detail {

inline constexpr std::size_t kMaxFormFields = 1000;

// The body by its Content-Type: application/json (charset utf-8 only) or
// application/x-www-form-urlencoded; an empty body is {} whatever its type. Throws app::Error:
// unsupported_media (field "Content-Type") for any other type, invalid (field "body") naming the
// line and column of a JSON error, or what is wrong with a form.
nlohmann::json parse_hook_body(std::string_view content_type, std::string_view body);

// application/x-www-form-urlencoded: name=value pairs, '+' a space, %XX a byte. A name given
// more than once becomes an array of its values, in order. Throws app::Error invalid (field
// "body") for a bad escape, text that is not UTF-8, or more than kMaxFormFields fields.
nlohmann::json parse_form(std::string_view body);

// What a hook's templates read: {"body": ..., "headers": {lower-case name: value},
// "query": {name: value}}. A header sent more than once keeps its values joined by ", " (RFC
// 9110's list form).
nlohmann::json hook_scope(nlohmann::json body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace relance::app::detail
