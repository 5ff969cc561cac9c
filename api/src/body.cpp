#include "body.hpp"

#include <algorithm>
#include <relance/app/error.hpp>
#include <relance/app/json_body.hpp>
#include <relance/base/text_limits.hpp>

#include "connection.hpp"
#include "exchange.hpp"
#include "problem.hpp"

namespace relance::api::detail {

namespace {

// Chunk size lines, extensions and trailers on top of the body's own bytes.
constexpr std::size_t kChunkFraming = 64 * 1024;
constexpr std::size_t kMaxChunkLine = 1024;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The Content-Length, or nullopt when absent; throws for several or a malformed one.
std::optional<std::uint64_t> content_length(const httplib::Request& req) {
    auto count = req.get_header_value_count("Content-Length");
    if (count == 0) return std::nullopt;
    std::string text(trim(req.get_header_value("Content-Length")));
    bool digits =
        !text.empty() && text.size() <= 18 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (count > 1 || !digits)
        throw ProblemError(http_problem(400, "the Content-Length header is malformed or repeated",
                                        "Content-Length"));
    return std::stoull(text);
}

bool chunked(const httplib::Request& req) {
    if (!req.has_header("Transfer-Encoding")) return false;
    if (req.get_header_value_count("Transfer-Encoding") > 1 ||
        lower(trim(req.get_header_value("Transfer-Encoding"))) != "chunked")
        throw ProblemError(http_problem(400, "the only Transfer-Encoding accepted is chunked",
                                        "Transfer-Encoding"));
    if (req.has_header("Content-Length"))
        throw ProblemError(
            http_problem(400, "a request cannot have both a Content-Length and a Transfer-Encoding",
                         "Transfer-Encoding"));
    return true;
}

[[noreturn]] void cut_short(const ConnectionStream& stream, std::size_t max) {
    if (stream.over_allowance())
        throw ProblemError(
            http_problem(413, "the body is larger than " + std::to_string(max) + " bytes", "body"));
    if (stream.timed_out())
        throw ProblemError(
            http_problem(408, "the body did not arrive within the server's read timeout", "body"));
    throw ProblemError(
        http_problem(400, "the connection ended before the end of the body", "body"));
}

void read_exactly(ConnectionStream& stream, std::size_t n, std::string& out, std::size_t max) {
    std::size_t start = out.size();
    out.resize(start + n);
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = stream.read(out.data() + start + got, n - got);
        if (r <= 0) cut_short(stream, max);
        got += static_cast<std::size_t>(r);
    }
}

std::string read_line(ConnectionStream& stream, std::size_t max) {
    std::string line;
    for (;;) {
        char c;
        if (stream.read(&c, 1) != 1) cut_short(stream, max);
        if (c == '\n') break;
        line += c;
        if (line.size() > kMaxChunkLine)
            throw ProblemError(http_problem(400, "a chunk size line is too long", "body"));
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string read_chunked(ConnectionStream& stream, std::size_t max) {
    stream.allow(max + kChunkFraming);
    std::string body;
    for (;;) {
        std::string line = read_line(stream, max);
        std::string_view size_text = trim(std::string_view(line).substr(0, line.find(';')));
        std::uint64_t size = 0;
        if (size_text.empty() || size_text.size() > 15)
            throw ProblemError(http_problem(400, "a chunk size is malformed", "body"));
        for (char c : size_text) {
            int v = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (v < 0) throw ProblemError(http_problem(400, "a chunk size is malformed", "body"));
            size = size * 16 + static_cast<std::uint64_t>(v);
        }
        if (size == 0) break;
        if (body.size() + size > max)
            throw ProblemError(http_problem(
                413, "the body is larger than " + std::to_string(max) + " bytes", "body"));
        read_exactly(stream, static_cast<std::size_t>(size), body, max);
        if (!read_line(stream, max).empty())
            throw ProblemError(
                http_problem(400, "a chunk does not end where its size says", "body"));
    }
    while (!read_line(stream, max).empty()) {  // trailers: read and dropped
    }
    return body;
}

}  // namespace

bool announces_body(const httplib::Request& req) {
    if (req.has_header("Transfer-Encoding")) return true;
    if (!req.has_header("Content-Length")) return false;
    std::string v(trim(req.get_header_value("Content-Length")));
    return v.empty() || v.find_first_not_of('0') != std::string::npos;
}

std::optional<BodyRefusal> refuse_json_body(const httplib::Request& req, std::size_t max) {
    std::string type = req.get_header_value("Content-Type");
    std::string_view media = trim(std::string_view(type).substr(0, type.find(';')));
    if (lower(media) != "application/json")
        return BodyRefusal{
            415,
            type.empty() ? "this route takes a JSON body: send Content-Type: "
                           "application/json"
                         : "this route takes application/json, not '" + std::string(media) + "'",
            "Content-Type"};
    // Parameters: only a UTF-8 charset.
    std::string_view rest = type;
    for (std::size_t semi = rest.find(';'); semi != std::string_view::npos; semi = rest.find(';')) {
        rest.remove_prefix(semi + 1);
        std::string_view param = trim(rest.substr(0, rest.find(';')));
        auto eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (lower(trim(param.substr(0, eq))) != "charset") continue;
        std::string value = lower(trim(param.substr(eq + 1)));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (value != "utf-8" && value != "utf8")
            return BodyRefusal{415, "JSON bodies are UTF-8; charset " + value + " is not accepted",
                               "Content-Type"};
    }
    return refuse_raw_body(req, max);
}

std::optional<BodyRefusal> refuse_raw_body(const httplib::Request& req, std::size_t max) {
    if (req.has_header("Content-Encoding") &&
        lower(trim(req.get_header_value("Content-Encoding"))) != "identity")
        return BodyRefusal{415, "compressed bodies are not accepted (Content-Encoding)",
                           "Content-Encoding"};
    try {
        chunked(req);
        if (auto length = content_length(req); length && *length > max)
            return BodyRefusal{413,
                               "the body is larger than " + std::to_string(max) + " bytes (" +
                                   std::to_string(*length) + ")",
                               "body"};
    } catch (const ProblemError& e) {
        return BodyRefusal{e.problem().status, e.problem().detail, e.problem().field};
    }
    return std::nullopt;
}

std::string read_body(const httplib::Request& req, Exchange& exchange, std::size_t max) {
    ConnectionStream& stream = *exchange.stream;
    std::string body;
    if (chunked(req)) {
        body = read_chunked(stream, max);
    } else if (auto length = content_length(req)) {
        if (*length > max)
            throw ProblemError(http_problem(
                413, "the body is larger than " + std::to_string(max) + " bytes", "body"));
        stream.allow(static_cast<std::size_t>(*length));
        read_exactly(stream, static_cast<std::size_t>(*length), body, max);
    }
    exchange.body_read = true;
    stream.allow(0);
    return body;
}

nlohmann::json parse_json_object(std::string_view text, std::size_t max) {
    nlohmann::json value = app::parse_json_body(text, max, "body");
    if (!value.is_object())
        throw app::Error(app::ErrorKind::invalid, "the body must be a JSON object", "body");
    return value;
}

}  // namespace relance::api::detail
