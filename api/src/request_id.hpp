// Request ids: the client's X-Request-Id when it is a sane token, else a new random one. Every
// response carries it, and the access log and error lines name it.
#pragma once

#include <string>
#include <string_view>

namespace relance::api::detail {

// 1 to 128 characters of letters, digits and . _ : - (no spaces, no control characters, nothing
// a log line or a header could be confused by).
bool is_sane_request_id(std::string_view id);

// 32 lowercase hex characters (128 random bits).
std::string new_request_id();

// The id of a request that sent `given` (the X-Request-Id header, maybe empty).
std::string request_id_for(std::string_view given);

}  // namespace relance::api::detail
