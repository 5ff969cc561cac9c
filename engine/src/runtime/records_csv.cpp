// CSV records (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes), read a row
// at a time. A row is first cut out of the text (a line break ends it when the quotes seen so far
// are balanced), then split; so every position in a message is exact and no row holds more
// than the record limit in memory.
#include <nlohmann/json.hpp>
#include <relance/runtime/records.hpp>
#include <set>

#include "records_text.hpp"

namespace relance::runtime {

namespace {

using detail::place;
using detail::TextCursor;

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t") == std::string_view::npos;
}

std::string trimmed(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

class CsvReader final : public RecordReader {
  public:
    CsvReader(std::unique_ptr<std::istream> in, const std::string& name, const ReadOptions& o)
        : text_(std::move(in), name, o.encoding), options_(o), name_(name) {}

    bool next(InputRecord& out) override {
        if (!header_read_) read_header();
        while (cut_row()) {
            std::vector<Field> fields;
            std::string problem = split(fields);
            if (problem.empty() && all_blank(fields)) continue;
            if (++count_ > options_.limits.max_records)
                throw InputError(name_ + ":" + std::to_string(row_line_) + ": more than " +
                                 std::to_string(options_.limits.max_records) +
                                 " records in one input");
            out.where = name_ + ":" + std::to_string(row_line_);
            out.value = nullptr;
            out.problem.clear();
            if (!problem.empty()) {
                out.problem = problem;
                return true;
            }
            if (fields.size() != header_.size()) {
                std::size_t at =
                    fields.size() > header_.size() ? fields[header_.size()].start : row_.size();
                out.problem = "column " + std::to_string(column_at(at)) + ": expected " +
                              std::to_string(header_.size()) +
                              " fields (as in the header), found " + std::to_string(fields.size());
                return true;
            }
            out.value = nlohmann::json::object();
            for (std::size_t i = 0; i < header_.size(); ++i)
                if (!header_[i].empty()) (*out.value)[header_[i]] = std::move(fields[i].text);
            return true;
        }
        return false;
    }

  private:
    struct Field {
        std::string text;
        std::size_t start = 0;  // offset in row_
    };

    static bool all_blank(const std::vector<Field>& fields) {
        for (const auto& f : fields)
            if (!blank(f.text)) return false;
        return true;
    }

    // Cuts the next row out of the text into row_ (without its line break). False at the end.
    bool cut_row() {
        row_.clear();
        line_breaks_in_row_ = 0;
        row_line_ = line_;
        bool open = false;  // inside quotes
        bool any = false;
        while (true) {
            int c = text_.peek();
            if (c < 0) {
                if (open)
                    throw InputError(place(name_, row_line_, 1) +
                                     ": a quoted field of the record "
                                     "starting on this line is never closed");
                return any;
            }
            any = true;
            // Copy the run of ordinary characters at once.
            std::string_view ahead = text_.ahead();
            const char* p = ahead.data();
            const char* end = p + ahead.size();
            const char* q = p;
            while (q < end && *q != '"' && *q != '\n' && *q != '\r') ++q;
            row_.append(p, static_cast<std::size_t>(q - p));
            text_.skip(static_cast<std::size_t>(q - p));
            if (row_.size() > options_.limits.max_record_bytes)
                throw InputError(name_ + ":" + std::to_string(row_line_) +
                                 ": the record starting on this line is longer than " +
                                 std::to_string(options_.limits.max_record_bytes) +
                                 " bytes (a quote that is never closed?)");
            if (q == end) continue;
            char ch = *q;
            text_.skip(1);
            if (ch == '"') {
                open = !open;
                row_ += ch;
                continue;
            }
            // A line break: inside quotes it belongs to the field; outside it ends the row.
            if (ch == '\r' && text_.peek() == '\n') text_.skip(1);
            ++line_;
            if (!open) return true;
            row_ += '\n';
            ++line_breaks_in_row_;
        }
    }

    // The column (in characters) of byte `offset` of row_, on its own line.
    std::size_t column_at(std::size_t offset) const {
        std::size_t from = 0;
        if (line_breaks_in_row_) {
            auto nl = std::string_view(row_).substr(0, offset).rfind('\n');
            if (nl != std::string_view::npos) from = nl + 1;
        }
        std::size_t col = 1;
        for (std::size_t i = from; i < offset && i < row_.size(); ++i)
            if ((static_cast<unsigned char>(row_[i]) & 0xC0) != 0x80) ++col;
        return col;
    }
    std::size_t line_at(std::size_t offset) const {
        std::size_t l = row_line_;
        for (std::size_t i = 0; line_breaks_in_row_ && i < offset && i < row_.size(); ++i)
            l += row_[i] == '\n';
        return l;
    }
    std::string where_at(std::size_t offset) const {
        std::size_t l = line_at(offset);
        return (l == row_line_ ? "" : "line " + std::to_string(l) + ", ") + "column " +
               std::to_string(column_at(offset));
    }

    // Splits row_ into fields; returns a problem ("column 7: ...") or "".
    std::string split(std::vector<Field>& fields) {
        std::string problem;
        Field f;
        std::size_t i = 0, n = row_.size();
        bool start = true;
        while (true) {
            if (start) {
                f = Field{{}, i};
                start = false;
                if (i < n && row_[i] == '"') {  // quoted field
                    std::size_t j = i + 1;
                    while (j < n) {
                        std::size_t q = row_.find('"', j);
                        if (q == std::string::npos) {  // `a"b,"c`: the quotes pair up wrongly
                            if (problem.empty())
                                problem = where_at(i) + ": the quoted field " +
                                          std::to_string(fields.size() + 1) +
                                          " is never closed on this row";
                            f.text.append(row_, j, std::string::npos);
                            j = n;
                            break;
                        }
                        f.text.append(row_, j, q - j);
                        j = q + 1;
                        if (j < n && row_[j] == '"') {  // doubled quote
                            f.text += '"';
                            ++j;
                            continue;
                        }
                        break;
                    }
                    i = j;
                    // After the closing quote: spaces, then a delimiter or the end.
                    while (i < n && (row_[i] == ' ' || row_[i] == '\t') && row_[i] != delimiter_)
                        ++i;
                    if (i < n && row_[i] != delimiter_) {
                        if (problem.empty())
                            problem = where_at(i) + ": unexpected '" + std::string(1, row_[i]) +
                                      "' after the closing quote of field " +
                                      std::to_string(fields.size() + 1) +
                                      " (a quote inside a quoted field is written \"\")";
                        std::size_t d = row_.find(delimiter_, i);
                        i = d == std::string::npos ? n : d;
                    }
                }
            }
            std::size_t d = row_.find(delimiter_, i);
            std::size_t stop = d == std::string::npos ? n : d;
            f.text.append(row_, i, stop - i);
            fields.push_back(std::move(f));
            if (d == std::string::npos) break;
            i = d + 1;
            start = true;
        }
        return problem;
    }

    char detect_delimiter() const {
        std::size_t comma = 0, semicolon = 0, tab = 0;
        bool open = false;
        for (char c : row_) {
            if (c == '"') open = !open;
            if (open) continue;
            comma += c == ',';
            semicolon += c == ';';
            tab += c == '\t';
        }
        if (semicolon > comma && semicolon >= tab) return ';';
        if (tab > comma && tab > semicolon) return '\t';
        return ',';
    }

    void read_header() {
        header_read_ = true;
        while (cut_row()) {
            if (blank(row_)) continue;
            delimiter_ = options_.delimiter ? options_.delimiter : detect_delimiter();
            std::vector<Field> fields;
            std::string problem = split(fields);
            if (problem.empty() && all_blank(fields)) continue;  // a row of delimiters only
            if (!problem.empty())
                throw InputError(name_ + ":" + std::to_string(row_line_) + ": header: " + problem);
            if (fields.size() > options_.limits.max_columns)
                throw InputError(name_ + ":" + std::to_string(row_line_) + ": the header has " +
                                 std::to_string(fields.size()) + " columns, more than " +
                                 std::to_string(options_.limits.max_columns));
            std::set<std::string> seen;
            for (auto& f : fields) {
                std::string h = trimmed(f.text);
                if (!h.empty() && !seen.insert(h).second)
                    throw InputError(place(name_, row_line_, column_at(f.start)) + ": column '" +
                                     h + "' appears twice in the header");
                header_.push_back(std::move(h));  // an unnamed column is read and dropped
            }
            return;
        }
    }

    TextCursor text_;
    ReadOptions options_;
    std::string name_;
    std::size_t line_ = 1;  // the line the next character is on
    std::string row_;
    std::size_t row_line_ = 1;
    std::size_t line_breaks_in_row_ = 0;
    bool header_read_ = false;
    char delimiter_ = ',';
    std::vector<std::string> header_;
    std::uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> csv_records(std::unique_ptr<std::istream> in, const std::string& name,
                                          const ReadOptions& options) {
    return std::make_unique<CsvReader>(std::move(in), name, options);
}

}  // namespace relance::runtime
