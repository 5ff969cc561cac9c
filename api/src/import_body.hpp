// The body of POST /v1/suppressions/import: its entries as lines, whatever the media type.
// A parser of untrusted input (fuzzed: fuzz/suppression_import_fuzz.cpp); bounded by the server's
// body limit and by kSuppressionImportMaxLines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace relance::api::detail {

// application/json: an array of strings, one entry each; text/csv or text/plain: one entry per
// line (CRLF or LF; for CSV the first column), the workspace's import skips blank, comment and
// header lines. Throws app::Error: invalid (field "body", or "body[i]" for an element that is
// not a string) for JSON that does not parse or is not such an array, or for more lines than an
// import takes; unsupported_media (field "Content-Type") for any other media type.
std::vector<std::string> import_lines(std::string_view content_type, std::string_view body,
                                      std::size_t max_bytes);

}  // namespace relance::api::detail
