// The text of an input, decoded to UTF-8 piece by piece (internal to the record readers):
// UTF-8 is checked as it streams, UTF-16 and the 8-bit encodings go through glibc's iconv.
// Every problem is an InputError naming file:line:col of the decoded text.
#pragma once

#include <relance/runtime/records.hpp>

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

namespace relance::runtime::detail {

class TextDecoder {
  public:
    TextDecoder(std::unique_ptr<std::istream> in, std::string name, TextEncoding encoding);
    ~TextDecoder();
    TextDecoder(const TextDecoder&) = delete;
    TextDecoder& operator=(const TextDecoder&) = delete;

    // Replaces `out` with the next piece of UTF-8 text (up to about 64 KiB, never ending inside
    // a character); false at the end of the input.
    bool read(std::string& out);

    const std::string& name() const { return name_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string name_;
};

// The decoded text as a cursor, for the record readers: a character at a time, or the run of
// characters already decoded, for bulk scans.
class TextCursor {
  public:
    TextCursor(std::unique_ptr<std::istream> in, std::string name, TextEncoding encoding)
        : text_(std::move(in), std::move(name), encoding) {}

    // The next character (0 to 255), or -1 at the end of the text.
    int peek() {
        if (pos_ == buf_.size() && !refill()) return -1;
        return static_cast<unsigned char>(buf_[pos_]);
    }
    // The characters decoded and not consumed yet (empty only at the end, after peek()).
    std::string_view ahead() const { return std::string_view(buf_).substr(pos_); }
    void skip(std::size_t n) { pos_ += n; }

  private:
    bool refill() {
        pos_ = 0;
        if (done_ || !text_.read(buf_)) {
            done_ = true;
            buf_.clear();
            return false;
        }
        return true;
    }
    TextDecoder text_;
    std::string buf_;
    std::size_t pos_ = 0;
    bool done_ = false;
};

// Moves (line, column) over `text` (columns count characters, not bytes).
void advance_position(std::string_view text, std::size_t& line, std::size_t& column);

// "name:line:col" for messages.
std::string place(const std::string& name, std::size_t line, std::size_t column);

}  // namespace relance::runtime::detail
