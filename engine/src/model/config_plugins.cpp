// The `plugins:` section of the workspace config (docs/plugins.md, "Isolation").
#include "config_plugins.hpp"

#include "suggest.hpp"

namespace relance::model {

const PluginSettings* Config::find_plugin(const std::string& name) const {
    for (const auto& p : plugins)
        if (p.name == name) return &p;
    return nullptr;
}

namespace detail {

namespace {

// [a-z][a-z0-9_-]*, as the host requires of a manifest's name; a linear scan.
bool plugin_name(const std::string& s) {
    if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    return true;
}

constexpr std::chrono::milliseconds kMaxTimeout{24 * 3600 * 1000};

}  // namespace

void parse_plugin_settings(YamlReader& r, const Entry& section, Config& cfg,
                           const SourcePos& rootp) {
    SourcePos kp = r.pos(section.key_node, rootp);
    if (section.value.IsNull()) return;
    if (!section.value.IsMap()) {
        r.error(r.pos(section.value, kp),
                "'plugins' must map plugin names to their settings (isolation, timeout), got " +
                    YamlReader::kind_name(section.value));
        return;
    }
    for (const auto& x : r.entries(section.value)) {
        PluginSettings p;
        p.name = x.key;
        p.pos = r.pos(x.key_node, kp);
        if (!plugin_name(p.name))
            r.error(p.pos, "plugin name '" + p.name + "' must match [a-z][a-z0-9_-]*");
        if (!x.value.IsMap()) {
            r.error(r.pos(x.value, p.pos), "plugin '" + p.name +
                                               "' settings must be a mapping (isolation, "
                                               "timeout), got " +
                                               YamlReader::kind_name(x.value));
            continue;
        }
        auto xs = r.entries(x.value);
        r.check_keys(xs, {"isolation", "timeout"}, "plugin '" + p.name + "'", p.pos);
        for (const auto& s : xs) {
            SourcePos vp = r.pos(s.value, r.pos(s.key_node, p.pos));
            if (s.key == "isolation") {
                auto v = r.scalar(s, p.pos, "in_process or process");
                if (!v) continue;
                if (*v == "in_process")
                    p.isolation = PluginIsolation::in_process;
                else if (*v == "process")
                    p.isolation = PluginIsolation::process;
                else
                    r.error(vp, "isolation '" + *v + "' must be in_process or process" +
                                    did_you_mean(*v, {"in_process", "process"}));
            } else if (s.key == "timeout") {
                auto d = s.value.IsScalar() ? parse_duration(s.value.Scalar()) : std::nullopt;
                if (!d || d->count() <= 0 || *d > kMaxTimeout) {
                    r.error(vp, "'timeout' must be a duration from 1s to 24h (e.g. 30s, 2m), got " +
                                    YamlReader::kind_name(s.value));
                    continue;
                }
                p.timeout = std::chrono::milliseconds{d->count()};
            }
        }
        if (cfg.find_plugin(p.name))
            r.error(p.pos, "plugin '" + p.name + "' is configured twice");
        else
            cfg.plugins.push_back(std::move(p));
    }
}

}  // namespace detail
}  // namespace relance::model
