#include "tracking_reader.hpp"

#include <nlohmann/json.hpp>

namespace relance::model::detail {

namespace {

std::optional<bool> flag(YamlReader& r, const Entry& e, const SourcePos& at) {
    json v = e.value.IsScalar() && e.value.Tag() == "?" ? YamlReader::plain_scalar(e.value.Scalar())
                                                        : json();
    if (v.is_boolean()) return v.get<bool>();
    r.error(r.pos(e.value, at),
            "'" + e.key + "' must be true or false, got " + YamlReader::kind_name(e.value));
    return std::nullopt;
}

// The text a base URL may hold: it is written into HTML attributes and Location headers.
bool url_character(char c) {
    return c > ' ' && c <= '~' && c != '"' && c != '\'' && c != '<' && c != '>' && c != '\\' &&
           c != '`' && c != '{' && c != '}' && c != '|' && c != '^';
}

constexpr std::chrono::milliseconds kMaxScannerWindow{3'600'000};

}  // namespace

void parse_track(YamlReader& r, const Entry& e, TrackOptions& out, const SourcePos& fallback) {
    SourcePos kp = r.pos(e.key_node, fallback);
    out.pos = kp;
    if (!e.value.IsMap()) {
        r.error(r.pos(e.value, kp),
                "'track' must be a mapping such as {opens: true, clicks: "
                "true}, got " +
                    YamlReader::kind_name(e.value));
        return;
    }
    auto es = r.entries(e.value);
    r.check_keys(es, {"opens", "clicks"}, "track", kp);
    for (const auto& x : es) {
        SourcePos xp = r.pos(x.key_node, kp);
        if (x.key == "opens") out.opens = flag(r, x, xp);
        if (x.key == "clicks") out.clicks = flag(r, x, xp);
    }
}

void parse_tracking_settings(YamlReader& r, const Entry& section, TrackingSettings& out,
                             const SourcePos& rootp) {
    SourcePos kp = r.pos(section.key_node, rootp);
    out.pos = kp;
    if (section.value.IsNull()) return;
    if (!section.value.IsMap()) {
        r.error(r.pos(section.value, kp),
                "'tracking' must be a mapping (base_url, scanner_window, trust_forwarded_for), "
                "got " +
                    YamlReader::kind_name(section.value));
        return;
    }
    auto es = r.entries(section.value);
    r.check_keys(es, {"base_url", "scanner_window", "trust_forwarded_for"}, "tracking", kp);
    for (const auto& x : es) {
        SourcePos xp = r.pos(x.key_node, kp);
        SourcePos vp = r.pos(x.value, xp);
        if (x.key == "base_url") {
            auto v = r.scalar(x, kp, "a URL such as https://t.acme.test");
            if (!v) continue;
            std::string url = *v;
            while (!url.empty() && url.back() == '/') url.pop_back();
            bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
            bool clean = true;
            for (char c : url) clean = clean && url_character(c);
            std::size_t host = url.find("://");
            if (!scheme || !clean || host == std::string::npos || host + 3 >= url.size() ||
                url.find_first_of("?#") != std::string::npos)
                r.error(vp,
                        "'base_url' must be an http:// or https:// URL without spaces, quotes, "
                        "query or fragment (e.g. https://t.acme.test), got '" +
                            *v + "'");
            else
                out.base_url = url;
        } else if (x.key == "scanner_window") {
            auto d = x.value.IsScalar() ? parse_duration(x.value.Scalar()) : std::nullopt;
            if (!d && x.value.IsScalar() && x.value.Scalar() == "0")
                d = std::chrono::milliseconds{0};
            if (!d || d->count() < 0 || *d > kMaxScannerWindow) {
                r.error(vp, "'scanner_window' must be a duration from 0 to 1h (e.g. 10s), got " +
                                YamlReader::kind_name(x.value));
                continue;
            }
            out.scanner_window = std::chrono::milliseconds{d->count()};
        } else if (x.key == "trust_forwarded_for") {
            if (auto f = flag(r, x, xp)) out.trust_forwarded_for = *f;
        }
    }
}

}  // namespace relance::model::detail
