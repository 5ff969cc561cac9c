#include "yaml_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <relance/model/yaml_document.hpp>
#include <set>
#include <tuple>

#include "suggest.hpp"
#include "text_scan.hpp"

namespace relance::model::detail {

SourcePos YamlReader::pos(const YAML::Node& n, const SourcePos& fallback) const {
    YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) {
        SourcePos p = fallback;
        if (p.file.empty()) p.file = file_;
        return p;
    }
    return SourcePos{file_, m.line + 1, m.column + 1};
}
void YamlReader::error(const SourcePos& p, std::string msg) {
    diags.push_back({Diagnostic::Severity::error, p, std::move(msg)});
}

std::vector<Entry> YamlReader::entries(const YAML::Node& map) {
    std::vector<Entry> out;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it->first.IsScalar()) {
            error(pos(it->first, pos(map)), "mapping keys must be plain text");
            continue;
        }
        std::string k = it->first.Scalar();
        if (!seen.insert(k).second) {
            error(pos(it->first, pos(map)), "duplicate key '" + k + "'");
            continue;
        }
        out.push_back({k, it->first, it->second});
    }
    return out;
}

void YamlReader::check_keys(const std::vector<Entry>& es, const std::vector<std::string>& allowed,
                            const std::string& where, const SourcePos& fallback) {
    for (const auto& e : es) {
        if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
        error(pos(e.key_node, fallback), "unknown key " + quote_cut(e.key) + " in " + where +
                                             did_you_mean(e.key, allowed) +
                                             " (allowed: " + join(allowed) + ")");
    }
}

std::optional<std::string> YamlReader::scalar(const Entry& e, const SourcePos& fallback,
                                              const char* what) {
    if (e.value.IsScalar()) return e.value.Scalar();
    error(pos(e.value, pos(e.key_node, fallback)),
          "'" + e.key + "' must be " + what + ", got " + kind_name(e.value));
    return std::nullopt;
}

std::string YamlReader::kind_name(const YAML::Node& n) {
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    if (n.IsNull()) return "nothing";
    return quote_cut(n.Scalar());
}

json YamlReader::to_json(const YAML::Node& n, const std::string& ptr, const SourcePos& fallback,
                         std::map<std::string, SourcePos>* positions,
                         std::map<std::string, SourcePos>* key_positions) {
    SourcePos here = pos(n, fallback);
    if (positions) (*positions)[ptr] = here;
    if (n.IsMap()) {
        json obj = json::object();
        for (const auto& e : entries(n)) {
            std::string child = ptr + "/" + pointer_escape(e.key);
            SourcePos kp = pos(e.key_node, here);
            if (key_positions) (*key_positions)[child] = kp;
            obj[e.key] = to_json(e.value, child, kp, positions, key_positions);
        }
        return obj;
    }
    if (n.IsSequence()) {
        json arr = json::array();
        std::size_t i = 0;
        for (const auto& item : n) {
            arr.push_back(
                to_json(item, ptr + "/" + std::to_string(i++), here, positions, key_positions));
        }
        return arr;
    }
    if (!n.IsDefined() || n.IsNull()) return nullptr;
    const std::string& s = n.Scalar();
    if (n.Tag() != "?") return s;  // quoted, block or explicitly tagged: text
    return plain_scalar(s);
}

json YamlReader::plain_scalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    bool integral = is_core_int(s);
    if (integral) {
        errno = 0;
        char* end = nullptr;
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (errno == 0) return v;
    }
    if (integral || is_core_float(s)) {
        // A number too large for a double (a 400-digit literal) stays text: JSON has no
        // infinity, and text is what the author wrote.
        double d = std::strtod(s.c_str(), nullptr);
        if (std::isfinite(d)) return d;
    }
    return s;
}

void YamlReader::warning(const SourcePos& p, std::string msg) {
    diags.push_back({Diagnostic::Severity::warning, p, std::move(msg)});
}

YAML::Node YamlReader::parse_document(const std::string& text) {
    try {
        return load_yaml_document(text, file_);
    } catch (const LoadError& e) {
        for (const auto& d : e.diagnostics()) diags.push_back(d);
    }
    throw LoadError(diags);
}

void YamlReader::finish() {
    std::stable_sort(diags.begin(), diags.end(), [](const auto& a, const auto& b) {
        return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    });
    for (const auto& d : diags)
        if (d.severity == Diagnostic::Severity::error) throw LoadError(diags);
}

}  // namespace relance::model::detail
