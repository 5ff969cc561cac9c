// Suppression import bodies (POST /v1/suppressions/import) from any bytes: the first byte picks
// the media type, the rest is the body. Parsing throws nothing but app::Error (invalid or
// unsupported_media, naming a field), and never gives more lines than an import takes.
#include <cstdint>
#include <cstdlib>
#include <relance/app/contacts.hpp>
#include <relance/app/error.hpp>
#include <string>
#include <string_view>

#include "import_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const kTypes[] = {"application/json", "text/csv; charset=utf-8",
                                         "text/plain", "application/xml", ""};
    std::string_view type = kTypes[data[0] % 5];
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        auto lines = relance::api::detail::import_lines(type, body, 1 << 20);
        if (lines.size() > relance::app::kSuppressionImportMaxLines) std::abort();
    } catch (const relance::app::Error& e) {
        if (e.field().empty()) std::abort();
    }
    return 0;
}
