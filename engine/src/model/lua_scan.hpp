// Reading Lua source as text, for the validator: which run data a block or condition names
// (`inputs.x`, `steps.id`, outside strings and comments), and where a Lua syntax message
// points. One forward pass each, no backtracking (these were std::regex matches, which crashed
// on a long string literal). Internal to relance_model.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relance::model::detail {

// (root, name) for each `root.name` in the code, in order of first appearance, each once;
// roots are inputs, contact, steps and vars. Strings (short and long brackets) and comments
// are skipped; `x.inputs.a` and `obj:inputs.a` are not references.
std::vector<std::pair<std::string, std::string>> lua_references(std::string_view code);

// Splits the line number off a Lua syntax message: "line 3: msg" (the sandbox's form) or
// `[string "..."]:3: msg` (Lua's). Returns {0, message} when there is none.
std::pair<int, std::string> split_lua_line(const std::string& message);

}  // namespace relance::model::detail
