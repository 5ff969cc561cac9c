// Reading YAML with positions: the shared base of the workflow loader and the workspace config
// loader. Every problem is collected as a Diagnostic with file:line:col rather than thrown at
// once, so one edit-run cycle fixes many mistakes. Internal to relance_model.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <relance/model/workflow.hpp>
#include <string>
#include <vector>

namespace relance::model::detail {

struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
};

class YamlReader {
  public:
    explicit YamlReader(std::string file) : file_(std::move(file)) {}

    std::vector<Diagnostic> diags;

    SourcePos pos(const YAML::Node& n, const SourcePos& fallback = {}) const;
    SourcePos file_pos() const { return SourcePos{file_, 0, 0}; }
    const std::string& file() const { return file_; }

    void error(const SourcePos& p, std::string msg);
    void warning(const SourcePos& p, std::string msg);

    // A mapping's entries in document order; reports duplicate and non-scalar keys.
    std::vector<Entry> entries(const YAML::Node& map);

    // Reports keys outside `allowed`, with a suggestion.
    void check_keys(const std::vector<Entry>& es, const std::vector<std::string>& allowed,
                    const std::string& where, const SourcePos& fallback);

    // A scalar as text, or an error naming what was expected.
    std::optional<std::string> scalar(const Entry& e, const SourcePos& fallback, const char* what);

    static std::string kind_name(const YAML::Node& n);

    // YAML to JSON with the YAML 1.2 core schema for plain scalars; quoted and block scalars
    // stay strings, so `zip: "01234"` is text while `count: 3` is a number. `positions` and
    // `key_positions` (optional) receive the place of each value and key, by JSON Pointer.
    json to_json(const YAML::Node& n, const std::string& ptr, const SourcePos& fallback,
                 std::map<std::string, SourcePos>* positions,
                 std::map<std::string, SourcePos>* key_positions);

    static json plain_scalar(const std::string& s);

    // Parses `text` as one YAML document through load_yaml_document (size, UTF-8, nesting,
    // node count, aliases: relance/model/yaml_document.hpp); a problem there is recorded and
    // LoadError thrown.
    YAML::Node parse_document(const std::string& text);

    // Sorts the diagnostics by position; throws LoadError (with all of them) when any is an
    // error.
    void finish();

  private:
    std::string file_;
};

}  // namespace relance::model::detail
