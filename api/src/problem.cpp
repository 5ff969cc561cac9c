#include "problem.hpp"

#include <nlohmann/json.hpp>

namespace relance::api::detail {

namespace {

Problem make(int status, std::string kind, std::string title, std::string detail,
             std::string field = {}) {
    Problem p;
    p.status = status;
    p.kind = std::move(kind);
    p.title = std::move(title);
    p.detail = std::move(detail);
    p.field = std::move(field);
    return p;
}

}  // namespace

Problem problem_for(const app::Error& e) {
    Problem p;
    switch (e.kind()) {
        case app::ErrorKind::invalid:
            p = make(400, "invalid", "Invalid request", e.what(), e.field());
            break;
        case app::ErrorKind::not_found:
            p = make(404, "not_found", "Not found", e.what(), e.field());
            break;
        case app::ErrorKind::conflict:
            p = make(409, "conflict", "Conflict", e.what(), e.field());
            break;
        case app::ErrorKind::busy:
            p = make(503, "busy", "Busy", e.what(), e.field());
            break;
        case app::ErrorKind::unauthorized:
            p = make(401, "unauthorized", "Unauthorized", e.what(), e.field());
            p.www_authenticate = "Bearer realm=\"relance\"";
            break;
        case app::ErrorKind::forbidden:
            p = make(403, "forbidden", "Forbidden", e.what(), e.field());
            break;
        case app::ErrorKind::rate_limited:
            p = make(429, "rate_limited", "Too many requests", e.what(), e.field());
            p.retry_after = e.retry_after() > 0 ? e.retry_after() : 1;
            break;
        case app::ErrorKind::unsupported_media:
            p = make(415, "unsupported_media", "Unsupported media type", e.what(), e.field());
            break;
        case app::ErrorKind::unsupported:
            p = make(501, "unsupported", "Not implemented", e.what(), e.field());
            break;
        case app::ErrorKind::failure:
        default:
            p = make(500, "failure", "Internal error",
                     "the request could not be completed; the server's log has the reason under "
                     "this request id");
            return p;  // neither the field nor the details of a failure go out
    }
    p.errors = e.details();
    return p;
}

Problem http_problem(int status, std::string detail, std::string field) {
    switch (status) {
        case 400:
            return make(400, "bad_request", "Bad request", std::move(detail), std::move(field));
        case 404:
            return make(404, "not_found", "Not found", std::move(detail), std::move(field));
        case 405:
            return make(405, "method_not_allowed", "Method not allowed", std::move(detail),
                        std::move(field));
        case 408:
            return make(408, "request_timeout", "Request timeout", std::move(detail),
                        std::move(field));
        case 413:
            return make(413, "too_large", "Content too large", std::move(detail), std::move(field));
        case 414:
            return make(414, "uri_too_long", "URI too long", std::move(detail), std::move(field));
        case 431:
            return make(431, "headers_too_large", "Request header fields too large",
                        std::move(detail), std::move(field));
        case 415:
            return make(415, "unsupported_media_type", "Unsupported media type", std::move(detail),
                        std::move(field));
        case 500:
            return make(500, "failure", "Internal error", std::move(detail), std::move(field));
        case 503:
            return make(503, "unavailable", "Service unavailable", std::move(detail),
                        std::move(field));
        default:
            break;
    }
    if (status >= 500)
        return make(status, "failure", "Server error", std::move(detail), std::move(field));
    return make(status, "bad_request", "Bad request", std::move(detail), std::move(field));
}

std::string problem_type(const std::string& kind) {
    return "urn:relance:problem:" + kind;
}

void write_problem(httplib::Response& res, const Problem& p, const std::string& request_id) {
    nlohmann::json body = {{"type", problem_type(p.kind)},
                           {"title", p.title},
                           {"status", p.status},
                           {"detail", p.detail},
                           {"request_id", request_id}};
    if (!p.field.empty()) body["field"] = p.field;
    if (!p.errors.empty()) body["errors"] = p.errors;
    res.status = p.status;
    if (p.retry_after > 0) res.set_header("Retry-After", std::to_string(p.retry_after));
    if (!p.www_authenticate.empty()) res.set_header("WWW-Authenticate", p.www_authenticate);
    if (!p.allow.empty()) res.set_header("Allow", p.allow);
    // Messages may quote what the client sent: invalid UTF-8 is replaced, never a throw.
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/problem+json");
}

}  // namespace relance::api::detail
