#include "relance/signatures/http_headers.hpp"

namespace relance::signatures {
namespace {

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

std::string_view trim_http_whitespace(std::string_view value) {
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
    return value;
}

HeaderLookup find_single_header(const HeaderList& headers, std::string_view name) {
    HeaderLookup lookup;
    for (const auto& [header_name, header_value] : headers) {
        if (!equals_ignoring_case(header_name, name)) continue;
        if (++lookup.count == 1) lookup.value = trim_http_whitespace(header_value);
    }
    lookup.size = lookup.value.size();
    if (lookup.count == 0) {
        lookup.status = HeaderLookup::Status::missing;
    } else if (lookup.count > 1) {
        lookup.status = HeaderLookup::Status::duplicated;
        lookup.value = {};
    } else if (lookup.size > kMaxHeaderValueBytes) {
        lookup.status = HeaderLookup::Status::too_large;
        lookup.value = {};
    } else {
        lookup.status = HeaderLookup::Status::found;
    }
    return lookup;
}

}  // namespace relance::signatures
