// Cursor pagination, the same on every list route: `?limit=N` (1..1000, 100 when absent) and
// `?cursor=C`, where C is the `next_cursor` of the previous page. A page answers
// `{"<items>": [...], "next_cursor": "..."}`, with `next_cursor` null on the last page.
//
// A cursor is opaque to clients: the base64url of the key of the last item shown, behind a
// version tag. Lists page by keyset (WHERE key > cursor ORDER BY key LIMIT n + 1), so a page is
// as cheap as the first and rows added meanwhile are neither skipped nor shown twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "call.hpp"

namespace relance::api::detail {

inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;

struct PageRequest {
    int limit = kDefaultPageLimit;
    std::optional<std::string> after;  // the key of the last item of the previous page
};

// Reads `limit` and `cursor` from the query; a bad one is a 400 naming it.
PageRequest page_request(const Call& call);

// The cursor that continues after the item keyed `key`.
std::string encode_cursor(std::string_view key);

// Sets body["next_cursor"]: the cursor after `last_key` when `more` (another page follows),
// else null.
void finish_page(nlohmann::json& body, bool more, std::string_view last_key);

}  // namespace relance::api::detail
