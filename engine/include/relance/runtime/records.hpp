// Reading input records: CSV (RFC 4180, first line is the header) or JSON (an array of objects,
// one object, or JSON lines).
#pragma once

#include <nlohmann/json.hpp>

#include <istream>
#include <string>
#include <vector>

namespace relance::runtime {

struct Records {
    std::vector<nlohmann::json> records;  // objects
    std::vector<std::string> where;       // "leads.csv:3" for each record
};

// Reads `path` ("-" is standard input); the format comes from the extension (.csv, .json,
// .jsonl/.ndjson) or, for stdin, from the first non-blank character. Throws std::runtime_error
// naming the file and line on malformed input.
Records read_records(const std::string& path);
Records read_csv(std::istream& in, const std::string& name);
Records read_json(std::istream& in, const std::string& name);

}  // namespace relance::runtime
