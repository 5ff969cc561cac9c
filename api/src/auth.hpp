// API keys on requests: the bearer token of the Authorization header, checked by the workspace
// for the route's scope. The challenge of a 401 or 403 follows RFC 6750.
#pragma once

#include <httplib.h>

#include <relance/app/workspace.hpp>
#include <string>

namespace relance::api::detail {

// The key that may do `scope`. Throws ProblemError: 401 without a bearer token or with one the
// workspace does not know (or revoked), 403 when the key lacks the scope; app::Error for the
// rest (rate_limited: 429 with Retry-After).
app::ApiKey authenticate(app::Workspace& workspace, const httplib::Request& req,
                         const std::string& scope);

// The token of the one `Authorization: Bearer <token>` header. Throws ProblemError 401 (with
// RFC 6750's challenge) for none ("<what>: send Authorization: Bearer <token>"), several, or
// another scheme.
std::string bearer_token(const httplib::Request& req, const std::string& what);
// Throws ProblemError 401 with error="invalid_token".
[[noreturn]] void refuse_token(const std::string& message);

}  // namespace relance::api::detail
