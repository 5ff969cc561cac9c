// Reading input records: CSV (first line is the header; `,`, `;` or tab) or JSON (an array of
// objects, one object, or JSON lines), as a stream: one record at a time, so that an input of
// any length is read in bounded memory (DESIGN invariant 9). Text is UTF-8 (a byte-order mark
// is dropped), UTF-16 with its byte-order mark, or, when told, Windows-1252 or Latin-1.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <relance/base/json_value.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relance::runtime {

// detect: a byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE), else UTF-8.
// utf16: its byte-order mark decides, little-endian without one.
enum class TextEncoding { detect, utf8, utf16, utf16le, utf16be, cp1252, latin1 };

// "utf-8", "utf-16" (its byte-order mark decides, little-endian without one), "utf-16le",
// "utf-16be", "cp1252" ("windows-1252"), "latin1" ("iso-8859-1"), any case; nullopt otherwise.
std::optional<TextEncoding> parse_encoding(std::string_view name);

struct RecordLimits {
    std::size_t max_record_bytes = 1u << 20;  // one CSV row or one JSON record: 1 MiB
    std::size_t max_columns = 1000;           // fields of a CSV header
    std::size_t max_depth = 64;               // nesting inside one JSON record
    std::uint64_t max_records = 10'000'000;   // in one input
};

struct ReadOptions {
    TextEncoding encoding = TextEncoding::detect;
    char delimiter = 0;  // CSV: 0 = the most frequent of `,` `;` tab in the header line
    RecordLimits limits;
};

// One record of the input, or why this one could not be read (the input goes on after it).
struct InputRecord {
    JsonValue value;      // an object; null when `problem` is set
    std::string where;    // "leads.csv:12" (the line the record starts on)
    std::string problem;  // "column 23: expected 4 fields (as in the header), found 5"
};

// The input cannot be read any further: it cannot be opened, its text is not in the expected
// encoding, a quote or a JSON value never closes, a record is over a limit. The message names
// file:line:col (or file:line) and says what to do.
class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class RecordReader {
  public:
    virtual ~RecordReader() = default;
    // The next record; false at the end of the input. Throws InputError.
    virtual bool next(InputRecord& out) = 0;
};

// Opens `path` ("-" is standard input). The format comes from the extension (.json, .jsonl,
// .ndjson: JSON; anything else: CSV) or, for stdin, from the first non-blank character.
std::unique_ptr<RecordReader> open_records(const std::string& path,
                                           const ReadOptions& options = {});
// The same over a stream; `name` names it in messages.
std::unique_ptr<RecordReader> csv_records(std::unique_ptr<std::istream> in, const std::string& name,
                                          const ReadOptions& options = {});
std::unique_ptr<RecordReader> json_records(std::unique_ptr<std::istream> in,
                                           const std::string& name,
                                           const ReadOptions& options = {});

// Every record of an input, in memory: for `simulate`, which holds its runs in memory anyway.
struct Records {
    std::vector<nlohmann::json> records;  // objects
    std::vector<std::string> where;       // "leads.csv:3" for each record
};
// Throws InputError, also for the first record that cannot be read.
Records read_records(const std::string& path, const ReadOptions& options = {});

}  // namespace relance::runtime
