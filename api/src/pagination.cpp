#include "pagination.hpp"

#include <algorithm>
#include <relance/app/error.hpp>
#include <relance/signatures/encoding.hpp>

namespace relance::api::detail {

namespace {

// The tag ahead of every cursor: a cursor from a future format is refused, not misread.
constexpr std::string_view kCursorTag = "c1.";

int parse_limit(const std::string& text) {
    if (text.empty()) return kDefaultPageLimit;
    bool digits = text.size() <= 9 && std::all_of(text.begin(), text.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    int limit = digits ? std::stoi(text) : 0;
    if (limit < 1 || limit > kMaxPageLimit)
        throw app::Error(app::ErrorKind::invalid,
                         "limit must be a whole number from 1 to " + std::to_string(kMaxPageLimit),
                         "limit");
    return limit;
}

}  // namespace

PageRequest page_request(const Call& call) {
    PageRequest page;
    page.limit = parse_limit(call.query("limit"));
    std::string cursor = call.query("cursor");
    if (!cursor.empty()) {
        std::optional<std::string> key;
        if (cursor.size() <= 1024 && cursor.starts_with(kCursorTag))
            key = signatures::base64url_decode(std::string_view(cursor).substr(kCursorTag.size()));
        if (!key || key->empty())
            throw app::Error(app::ErrorKind::invalid,
                             "cursor is not one this server gave (pass the next_cursor of the "
                             "previous page as it was)",
                             "cursor");
        page.after = std::move(*key);
    }
    return page;
}

std::string encode_cursor(std::string_view key) {
    return std::string(kCursorTag) + signatures::base64url_encode(key);
}

void finish_page(nlohmann::json& body, bool more, std::string_view last_key) {
    body["next_cursor"] = more ? nlohmann::json(encode_cursor(last_key)) : nlohmann::json(nullptr);
}

}  // namespace relance::api::detail
