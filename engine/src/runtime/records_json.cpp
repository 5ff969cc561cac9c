// JSON records: an array of objects, one object, or objects one after another (JSON lines),
// read a record at a time. A linear scanner finds where each record ends (depth is a counter,
// never recursion); each record is checked against the limits (json_limit_error) before the
// JSON parser sees it, so nesting 60,000 deep is an error about that record, not a crash.
#include <nlohmann/json.hpp>
#include <relance/base/text_limits.hpp>
#include <relance/runtime/records.hpp>

#include "records_text.hpp"

namespace relance::runtime {

namespace {

using detail::place;
using detail::TextCursor;
using json = nlohmann::json;

bool space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

class JsonReader final : public RecordReader {
  public:
    JsonReader(std::unique_ptr<std::istream> in, const std::string& name, const ReadOptions& o)
        : text_(std::move(in), name, o.encoding), options_(o), name_(name) {}

    bool next(InputRecord& out) override {
        if (!started_) start();
        if (finished_) return false;
        if (!cut_record()) return false;
        if (++count_ > options_.limits.max_records)
            throw InputError(place(name_, rec_line_, rec_column_) + ": more than " +
                             std::to_string(options_.limits.max_records) + " records in one input");
        out.where = name_ + ":" + std::to_string(rec_line_);
        out.value = nullptr;
        out.problem.clear();
        if (oversize_) {
            out.problem = "the record is larger than " +
                          std::to_string(options_.limits.max_record_bytes) + " bytes";
            return true;
        }
        if (garbage_) {
            out.problem = "not a JSON object (one object per line, or an array of objects)";
            return true;
        }
        JsonLimits limits;
        limits.max_bytes = options_.limits.max_record_bytes;
        limits.max_depth = options_.limits.max_depth;
        if (auto why = json_limit_error(rec_, limits)) {
            out.problem = "the record is " + *why;  // positions relative to the record
            return true;
        }
        try {
            out.value = json::parse(rec_);
        } catch (const json::parse_error& e) {
            auto [l, c] = position(e.byte > 0 ? e.byte - 1 : 0);
            out.problem = place(name_, l, c) + ": invalid JSON: " + short_message(e.what());
            return true;
        } catch (const json::out_of_range& e) {
            // A number too large for a double (1E999...): nlohmann reports it as out_of_range,
            // not as a parse error, and without a position (found by fuzz_json_records).
            auto [l, c] = position(0);
            out.problem = place(name_, l, c) +
                          ": invalid JSON in the record starting here: " + short_message(e.what());
            return true;
        }
        if (!out.value->is_object()) {
            out.problem =
                std::string("a record must be a JSON object, got ") + out.value->type_name();
            out.value = nullptr;
        }
        return true;
    }

  private:
    // nlohmann's message without its "[json.exception.parse_error.101] " prefix.
    static std::string short_message(const std::string& what) {
        auto close = what.find("] ");
        return close == std::string::npos ? what : what.substr(close + 2);
    }

    int peek() { return text_.peek(); }
    // Consumes the character peek() returned.
    void take() {
        detail::advance_position(text_.ahead().substr(0, 1), line_, column_);
        text_.skip(1);
    }
    int skip_space() {
        int c;
        while ((c = peek()) >= 0 && space(c)) take();
        return c;
    }

    void start() {
        started_ = true;
        int c = skip_space();
        if (c == '[') {
            array_ = true;
            array_line_ = line_;
            array_column_ = column_;
            take();
        }
        if (c < 0) finished_ = true;
    }

    // Position in the file of byte `offset` of rec_.
    std::pair<std::size_t, std::size_t> position(std::size_t offset) const {
        std::size_t l = rec_line_, c = rec_column_;
        detail::advance_position(std::string_view(rec_).substr(0, offset), l, c);
        return {l, c};
    }

    void keep(char c) {
        if (oversize_) return;
        rec_ += c;
        if (rec_.size() > options_.limits.max_record_bytes) {
            oversize_ = true;  // read on to its end without keeping it
            rec_.clear();
        }
    }

    // Cuts the next record into rec_. False at the end of the input.
    bool cut_record() {
        rec_.clear();
        oversize_ = garbage_ = false;
        int c = skip_space();
        if (array_) {
            if (c == ',' && seen_element_) {
                take();
                c = skip_space();
            } else if (c == ']') {
                take();
                c = skip_space();
                if (c >= 0)
                    throw InputError(place(name_, line_, column_) +
                                     ": unexpected text after the closing ']' of the array");
                finished_ = true;
                return false;
            } else if (seen_element_ && c >= 0) {
                throw InputError(place(name_, line_, column_) +
                                 ": expected ',' or ']' between the records of the array");
            }
            if (c < 0)
                throw InputError(place(name_, array_line_, array_column_) +
                                 ": the array opened here is never closed");
            if (c == ',' || c == ']')
                throw InputError(place(name_, line_, column_) + ": a record is missing here");
        } else if (c < 0) {
            finished_ = true;
            return false;
        }
        seen_element_ = true;
        rec_line_ = line_;
        rec_column_ = column_;
        if (!array_ && c != '{' && c != '[') {
            // JSON lines: this line is not an object; skip it, the next line may be.
            garbage_ = true;
            while ((c = peek()) >= 0 && c != '\n') take();
            return true;
        }
        std::size_t depth = 0;
        bool in_string = false, escaped = false, begun = false;
        while ((c = peek()) >= 0) {
            if (in_string) {
                if (escaped)
                    escaped = false;
                else if (c == '\\')
                    escaped = true;
                else if (c == '"')
                    in_string = false;
            } else if (depth == 0 && begun && (!array_ || c == ',' || c == ']')) {
                // At the top, after a value: an array's record ends at ',' or ']'; in JSON lines
                // an object or list ends with its closing bracket.
                return true;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && depth > 0) {
                --depth;
            }
            keep(static_cast<char>(c));
            take();
            begun = true;
        }
        if (in_string || depth > 0)
            throw InputError(place(name_, rec_line_, rec_column_) +
                             ": the JSON value starting here never ends");
        return true;
    }

    TextCursor text_;
    ReadOptions options_;
    std::string name_;
    std::size_t line_ = 1, column_ = 1;  // of the next character
    bool started_ = false, finished_ = false;
    bool array_ = false, seen_element_ = false;
    std::size_t array_line_ = 1, array_column_ = 1;
    std::string rec_;
    std::size_t rec_line_ = 1, rec_column_ = 1;
    bool oversize_ = false, garbage_ = false;
    std::uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> json_records(std::unique_ptr<std::istream> in,
                                           const std::string& name, const ReadOptions& options) {
    return std::make_unique<JsonReader>(std::move(in), name, options);
}

}  // namespace relance::runtime
