// JSON that a client sent (an API body, a webhook's body), parsed within the limits every JSON
// the engine reads has (relance/base/text_limits.hpp), with the place of the first error. For
// the front ends and the application layer only: it brings nlohmann/json.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace relance::app {

// Any JSON value. Throws app::Error invalid (`field`) naming the line, column and byte of a
// syntax error, a number out of range, or the limit passed (bytes, nesting, UTF-8).
nlohmann::json parse_json_body(std::string_view text, std::size_t max_bytes,
                               const std::string& field = "body");

}  // namespace relance::app
