// JSON text of a value, as the store writes it (run contexts, step outputs): the same text as
// nlohmann's dump(-1, ' ', false, replace), made several times faster. nlohmann escapes strings
// one byte at a time through a UTF-8 automaton; here runs of bytes that need no escape are
// copied whole, and the UTF-8 of a string is checked once (ASCII at a glance). A string that is
// not valid UTF-8 goes through nlohmann itself, so invalid bytes become U+FFFD exactly as there.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace relance {

// Appends the compact JSON text of `value` to `out`.
void append_json_text(std::string& out, const nlohmann::json& value);

inline std::string json_text(const nlohmann::json& value) {
    std::string out;
    append_json_text(out, value);
    return out;
}

}  // namespace relance
