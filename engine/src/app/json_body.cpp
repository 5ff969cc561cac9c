// Client JSON, bounded and parsed with the place of its first error.
#include <relance/app/error.hpp>
#include <relance/app/json_body.hpp>
#include <relance/base/text_limits.hpp>

namespace relance::app {

namespace {

// Line and column (1-based, columns in bytes) of a byte offset.
std::string place_of(std::string_view text, std::size_t offset) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

nlohmann::json parse_json_body(std::string_view text, std::size_t max_bytes,
                               const std::string& field) {
    JsonLimits limits;
    limits.max_bytes = max_bytes;
    if (auto problem = json_limit_error(text, limits))
        throw Error(ErrorKind::invalid, "the JSON is " + *problem, field);
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte counts the bytes read, the one in error included.
        std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
        std::string what = e.what();
        auto reason = what.find(": ", what.find("parse error"));
        throw Error(ErrorKind::invalid,
                    "malformed JSON at " + place_of(text, at) + " (byte " + std::to_string(at) +
                        "): " + (reason == std::string::npos ? what : what.substr(reason + 2)),
                    field);
    } catch (const nlohmann::json::out_of_range& e) {
        // A number past a double's range (1E999): nlohmann reports it apart from syntax errors,
        // without a place (found by fuzz/api_request_fuzz.cpp).
        std::string what = e.what();
        auto reason = what.find("] ");
        throw Error(ErrorKind::invalid,
                    "a number in the JSON is out of range: " +
                        (reason == std::string::npos ? what : what.substr(reason + 2)),
                    field);
    }
    return value;
}

}  // namespace relance::app
