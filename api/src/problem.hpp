// Problem responses (RFC 9457, application/problem+json): what every error answer of the API
// is. One mapping from the application layer's error kinds to HTTP statuses (problem_for), and
// the problems of HTTP itself (an unknown route, a body too large...).
#pragma once

#include <httplib.h>

#include <exception>
#include <relance/app/error.hpp>
#include <string>
#include <vector>

namespace relance::api::detail {

struct Problem {
    int status = 500;
    std::string kind;  // the last segment of the type: "invalid", "not_found"...
    std::string title;
    std::string detail;
    std::string field;                // what was wrong in what the client sent, when known
    std::vector<std::string> errors;  // further lines (a workflow's diagnostics)
    int retry_after = 0;              // seconds; > 0 adds Retry-After
    std::string www_authenticate;     // with 401 (and 403): the WWW-Authenticate challenge
    std::string allow;                // with 405: the methods the path allows
};

// The one mapping of app::ErrorKind: invalid 400, not_found 404, conflict 409, busy 503,
// unauthorized 401, forbidden 403, rate_limited 429, unsupported 501, failure 500. A failure's
// message is not the client's business: its detail is generic (the caller logs the message).
Problem problem_for(const app::Error& error);

// A problem of HTTP itself, by status: 400 bad_request, 404 not_found, 405 method_not_allowed,
// 408 request_timeout, 413 too_large, 414 uri_too_long, 415 unsupported_media_type,
// 431 headers_too_large, 500 failure, 503 unavailable; any other status gets a kind from its class.
Problem http_problem(int status, std::string detail, std::string field = {});

// Thrown by the server's own checks (routes, bodies, authentication) to answer a problem.
class ProblemError : public std::exception {
  public:
    explicit ProblemError(Problem problem) : problem_(std::move(problem)) {}
    const Problem& problem() const { return problem_; }
    const char* what() const noexcept override { return problem_.detail.c_str(); }

  private:
    Problem problem_;
};

// The type URI of a kind: "urn:relance:problem:<kind>".
std::string problem_type(const std::string& kind);

// Writes the problem as the response: status, headers, application/problem+json body with the
// request id.
void write_problem(httplib::Response& res, const Problem& problem, const std::string& request_id);

}  // namespace relance::api::detail
