// Opening an input: its format, and reading it whole for callers that need every record.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/runtime/records.hpp>

namespace relance::runtime {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Standard input as a stream the reader can own: first the bytes already looked at (to tell
// JSON from CSV), then the rest.
class StdinBuffer final : public std::streambuf {
  public:
    explicit StdinBuffer(std::string head) : head_(std::move(head)) {
        setg(head_.data(), head_.data(), head_.data() + head_.size());
    }

  protected:
    int_type underflow() override {
        std::size_t n = std::fread(buf_, 1, sizeof buf_, stdin);
        if (n == 0) return traits_type::eof();
        setg(buf_, buf_, buf_ + n);
        return traits_type::to_int_type(buf_[0]);
    }

  private:
    std::string head_;
    char buf_[1 << 16];
};

class StdinStream final : public std::istream {
  public:
    explicit StdinStream(std::string head) : std::istream(nullptr), buffer_(std::move(head)) {
        rdbuf(&buffer_);
    }

  private:
    StdinBuffer buffer_;
};

// JSON when the first character that is not blank (nor a byte-order mark, nor the zero bytes
// of UTF-16) opens an object or an array.
bool looks_like_json(std::string_view head) {
    for (unsigned char c : head) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == 0xEF || c == 0xBB ||
            c == 0xBF || c == 0xFE || c == 0xFF)
            continue;
        return c == '{' || c == '[';
    }
    return false;
}

}  // namespace

std::optional<TextEncoding> parse_encoding(std::string_view name) {
    std::string n;
    for (char c : name)
        if (c != '-' && c != '_')
            n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == "utf8") return TextEncoding::utf8;
    if (n == "utf16") return TextEncoding::utf16;
    if (n == "utf16le") return TextEncoding::utf16le;
    if (n == "utf16be") return TextEncoding::utf16be;
    if (n == "cp1252" || n == "windows1252") return TextEncoding::cp1252;
    if (n == "latin1" || n == "iso88591") return TextEncoding::latin1;
    return std::nullopt;
}

std::unique_ptr<RecordReader> open_records(const std::string& path, const ReadOptions& options) {
    if (path == "-") {
        std::string head(1 << 16, '\0');
        head.resize(std::fread(head.data(), 1, head.size(), stdin));
        bool json = looks_like_json(head);
        auto in = std::make_unique<StdinStream>(std::move(head));
        if (json) return json_records(std::move(in), "stdin", options);
        return csv_records(std::move(in), "stdin", options);
    }
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) throw InputError(path + ": cannot open: " + std::strerror(errno));
    if (ends_with(path, ".json") || ends_with(path, ".jsonl") || ends_with(path, ".ndjson"))
        return json_records(std::move(in), path, options);
    return csv_records(std::move(in), path, options);
}

Records read_records(const std::string& path, const ReadOptions& options) {
    auto reader = open_records(path, options);
    Records out;
    InputRecord r;
    while (reader->next(r)) {
        if (!r.problem.empty()) throw InputError(r.where + ": " + r.problem);
        out.records.push_back(std::move(*r.value));
        out.where.push_back(std::move(r.where));
    }
    return out;
}

}  // namespace relance::runtime
