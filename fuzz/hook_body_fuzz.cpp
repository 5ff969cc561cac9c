// Webhook bodies from any bytes: the first byte picks the media type, the rest is the body.
// Parsing throws nothing but app::Error (invalid or unsupported_media, naming a field); a form
// that parses gives string values (or arrays of strings for repeated names), all valid UTF-8;
// and the scope built from it always has body, headers and query.
#include <cstdint>
#include <cstdlib>
#include <relance/app/error.hpp>
#include <string>
#include <string_view>

#include "hook_body.hpp"

namespace {

using relance::app::Error;
namespace d = relance::app::detail;

void check_strings(const nlohmann::json& form) {
    if (!form.is_object()) std::abort();
    for (const auto& [name, value] : form.items()) {
        if (value.is_string()) continue;
        if (!value.is_array() || value.size() < 2) std::abort();
        for (const auto& v : value)
            if (!v.is_string()) std::abort();
    }
    (void)form.dump();  // throws on invalid UTF-8: none may reach here
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* kTypes[] = {"application/json", "application/x-www-form-urlencoded",
                                   "application/json; charset=utf-8", "text/plain", ""};
    std::string_view type = kTypes[data[0] % 5];
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        nlohmann::json parsed = d::parse_hook_body(type, body);
        if (type == kTypes[1] && !body.empty()) check_strings(parsed);
        nlohmann::json scope =
            d::hook_scope(std::move(parsed), {{"X-A", std::string(body.substr(0, 8))}}, {});
        if (!scope.contains("body") || !scope["headers"].is_object()) std::abort();
        (void)scope.dump();
    } catch (const Error& e) {
        if (e.field().empty()) std::abort();
    }
    return 0;
}
