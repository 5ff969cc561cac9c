// The one door every YAML file relance reads goes through (workflows, the workspace config,
// simulation scenarios): size, encoding, nesting, node count and aliases are checked before any
// loader walks the tree, so that no file can exhaust the stack, the memory or the time of the
// process (DESIGN invariant 9).
#pragma once

#include <cstddef>
#include <relance/model/workflow.hpp>
#include <string>
#include <string_view>

namespace YAML {
class Node;
}

namespace relance::model {

struct YamlLimits {
    std::size_t max_bytes = 1u << 20;  // 1 MiB of text
    // Nesting of mappings and lists, counted through aliases (an alias nests what it names).
    std::size_t max_depth = 64;
    // Every node of the document as a loader will see it: an alias counts as every node it
    // stands for, so a "billion laughs" file is refused while it is still a kilobyte of text.
    std::size_t max_nodes = 100'000;
};

// Parses the first YAML document of `text`. Before building anything it checks, in one linear
// pass over the parser's events (no tree is built, nothing is expanded):
//  - the size and that the text is UTF-8 (a BOM is allowed);
//  - nesting, node count (aliases expanded) and that no alias names a node that contains it.
// Throws LoadError with file:line:col for any of these and for YAML syntax errors.
YAML::Node load_yaml_document(std::string_view text, const std::string& file,
                              const YamlLimits& limits = {});

// The whole text of a file, read up to `max_bytes` (the rest is never read into memory);
// LoadError "PATH: error: cannot read <what>: <reason>", or "... is larger than ..." naming
// the limit.
std::string read_yaml_file(const std::string& path, const char* what,
                           std::size_t max_bytes = YamlLimits{}.max_bytes);

}  // namespace relance::model
