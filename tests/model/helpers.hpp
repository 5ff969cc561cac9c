// Shared helpers for the model tests.
#pragma once

#include <gtest/gtest.h>

#include <relance/model/validate.hpp>
#include <relance/model/workflow.hpp>
#include <string>
#include <vector>

namespace relance::model::testing {

// Loads text that must fail; returns the diagnostics (empty, and a test failure, if it loads).
inline std::vector<Diagnostic> load_errors(const std::string& text) {
    try {
        load_workflow_text(text, "wf.yaml");
    } catch (const LoadError& e) {
        return e.diagnostics();
    }
    ADD_FAILURE() << "expected a LoadError for:\n" << text;
    return {};
}

// Loads a config text that must fail; returns its diagnostics.
inline std::vector<Diagnostic> config_errors(const std::string& text) {
    try {
        load_config_text(text, "relance.yaml");
    } catch (const LoadError& e) {
        return e.diagnostics();
    }
    ADD_FAILURE() << "expected a LoadError for:\n" << text.substr(0, 300);
    return {};
}

// True when some diagnostic sits at line:col and its message contains `needle`.
inline bool has_diag(const std::vector<Diagnostic>& ds, int line, int col,
                     const std::string& needle,
                     Diagnostic::Severity sev = Diagnostic::Severity::error) {
    for (const auto& d : ds)
        if (d.pos.line == line && d.pos.column == col && d.severity == sev &&
            d.message.find(needle) != std::string::npos)
            return true;
    return false;
}

inline std::string dump(const std::vector<Diagnostic>& ds) {
    std::string out;
    for (const auto& d : ds) out += d.str() + "\n";
    return out;
}

// A catalog built in tests: plugins and their action specs.
class FakeCatalog : public ActionCatalog {
  public:
    void add(ActionSpec spec) { specs_.push_back(std::move(spec)); }
    bool has_plugin(const std::string& plugin) const override {
        for (const auto& s : specs_)
            if (s.plugin == plugin) return true;
        return false;
    }
    const ActionSpec* find_action(const std::string& plugin,
                                  const std::string& action) const override {
        for (const auto& s : specs_)
            if (s.plugin == plugin && s.name == action) return &s;
        return nullptr;
    }
    std::vector<std::string> plugin_names() const override {
        std::vector<std::string> out;
        for (const auto& s : specs_)
            if (std::find(out.begin(), out.end(), s.plugin) == out.end()) out.push_back(s.plugin);
        return out;
    }
    std::vector<std::string> action_names(const std::string& plugin) const override {
        std::vector<std::string> out;
        for (const auto& s : specs_)
            if (s.plugin == plugin) out.push_back(s.name);
        return out;
    }

  private:
    std::vector<ActionSpec> specs_;
};

}  // namespace relance::model::testing
