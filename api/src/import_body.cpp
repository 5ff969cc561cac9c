#include "import_body.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <relance/app/contacts.hpp>
#include <relance/app/error.hpp>
#include <relance/app/json_body.hpp>

namespace relance::api::detail {

namespace {

// The media type without its parameters, lower case: "text/csv; charset=utf-8" -> "text/csv".
std::string media_type(std::string_view content_type) {
    std::string_view m = content_type.substr(0, content_type.find(';'));
    while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
    while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
    std::string out(m);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

app::Error too_many(std::size_t n) {
    return app::Error(app::ErrorKind::invalid,
                      "an import takes at most " + std::to_string(app::kSuppressionImportMaxLines) +
                          " entries (" + std::to_string(n) + "+ given): split it",
                      "body");
}

}  // namespace

std::vector<std::string> import_lines(std::string_view content_type, std::string_view body,
                                      std::size_t max_bytes) {
    std::string media = media_type(content_type);
    std::vector<std::string> lines;
    if (media == "application/json") {
        nlohmann::json value = app::parse_json_body(body, max_bytes, "body");
        if (!value.is_array())
            throw app::Error(app::ErrorKind::invalid,
                             "an import in JSON is an array of entries (strings)", "body");
        if (value.size() > app::kSuppressionImportMaxLines) throw too_many(value.size());
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (!value[i].is_string())
                throw app::Error(app::ErrorKind::invalid,
                                 "entry " + std::to_string(i + 1) + " is not a string",
                                 "body[" + std::to_string(i) + "]");
            lines.push_back(value[i].get<std::string>());
        }
        return lines;
    }
    if (media == "text/csv" || media == "text/plain") {
        if (body.size() > max_bytes)
            throw app::Error(app::ErrorKind::invalid, "the body is too large", "body");
        std::size_t start = 0;
        while (start < body.size()) {
            std::size_t end = body.find('\n', start);
            if (end == std::string_view::npos) end = body.size();
            std::string_view line = body.substr(start, end - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (lines.size() == app::kSuppressionImportMaxLines) throw too_many(lines.size() + 1);
            lines.emplace_back(line);
            start = end + 1;
        }
        return lines;
    }
    throw app::Error(app::ErrorKind::unsupported_media,
                     media.empty() ? "an import needs a Content-Type: application/json (an array "
                                     "of entries), text/csv or text/plain"
                                   : "an import takes application/json, text/csv or text/plain, "
                                     "not '" +
                                         media + "'",
                     "Content-Type");
}

}  // namespace relance::api::detail
