// UTF-8 at every input boundary: workflow files, records, events and plugin outputs must be
// valid UTF-8 (an error names where it stops being so), and text cut to a size limit is cut on
// a character boundary, never inside one.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relance {

// Where text stops being valid UTF-8: byte offset, and 1-based line and column (columns count
// characters, not bytes).
struct TextPosition {
    std::size_t offset = 0;
    int line = 1;
    int column = 1;
};

// The first invalid byte (overlong forms, surrogates and code points past U+10FFFF are
// invalid), or nullopt when the whole text is valid UTF-8.
std::optional<TextPosition> find_invalid_utf8(std::string_view text);

// The text with each invalid sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// The longest prefix of at most `max_bytes` that does not end inside a character.
std::string_view cut_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace relance
