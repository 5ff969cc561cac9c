// Bounds for text that comes from outside (files, records, events, plugin outputs, HTTP bodies):
// checked before any parser sees it, in one linear pass without recursion, so that nesting or
// size can never exhaust the stack or the memory of the worker (DESIGN invariant 9).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <relance/base/utf8.hpp>

namespace relance {

struct JsonLimits {
    std::size_t max_bytes = 16u << 20;  // 16 MiB
    std::size_t max_depth = 64;         // nesting of arrays and objects
};

// What is wrong with JSON text before parsing it: too large, nested too deeply, or not UTF-8.
// The message names the byte offset, line and column ("nested deeper than 64 levels at line 1,
// column 65"); nullopt when the text is within the limits. Syntax is left to the parser.
std::optional<std::string> json_limit_error(std::string_view text, const JsonLimits& limits = {});

// "line L, column C" for a position.
std::string describe(const TextPosition& position);

}  // namespace relance
