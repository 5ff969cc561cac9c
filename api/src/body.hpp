// Request bodies: read from the connection (Content-Length or chunked, never more than the
// limit, before the request's deadline), the media type checked, the JSON bounded
// (base/text_limits.hpp, as every JSON the engine reads) and parsed with the place of the
// first error.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace relance::api::detail {

struct Exchange;

// Whether the request announces a body: a Content-Length above 0, or a Transfer-Encoding.
bool announces_body(const httplib::Request& req);

// What is wrong with the request's framing or media type before reading its body, as a problem
// status and detail: 415 when the Content-Type is not application/json (a charset other than
// utf-8 included) or a Content-Encoding is set, 413 when the Content-Length is over `max`, 400
// for a malformed Content-Length or Transfer-Encoding. nullopt when it may be read.
struct BodyRefusal {
    int status;
    std::string detail;
    std::string field;
};
std::optional<BodyRefusal> refuse_json_body(const httplib::Request& req, std::size_t max);
// The same without the media type: for routes that read the bytes as they are (webhooks,
// provider callbacks) and check the media type themselves.
std::optional<BodyRefusal> refuse_raw_body(const httplib::Request& req, std::size_t max);

// Reads the body from the exchange's connection. Throws ProblemError: 413 over `max`,
// 408 when it does not arrive before the request's deadline, 400 when the client stops or the
// chunked framing is malformed.
std::string read_body(const httplib::Request& req, Exchange& exchange, std::size_t max);

// Parses a JSON body: within the limits (max bytes, 64 levels of nesting, UTF-8), an object,
// or app::Error invalid (field "body") naming the line, column and byte of the first error.
nlohmann::json parse_json_object(std::string_view text, std::size_t max);

}  // namespace relance::api::detail
