// Routes: which method and path reach which handler, with what the route needs (a key scope, a
// body, query parameters). Paths are matched segment by segment on the raw request target, each
// segment percent-decoded on its own (so %2F inside a suppression entry stays in its segment);
// no regular expression runs on a request.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "call.hpp"

namespace relance::api::detail {

enum class BodyKind {
    none,      // no body is read (one sent is left unread and the connection closes after)
    optional,  // a JSON object when sent, {} when not
    required,  // a JSON object
    raw,       // any bytes, in Call::raw_body (any media type: the handler checks it)
};

struct Route {
    std::string method;   // GET, POST, DELETE (GET routes answer HEAD too)
    std::string pattern;  // "/v1/runs/{id}/cancel": a {name} segment is a parameter
    std::string scope;    // the API key scope it needs; "" = no key
    BodyKind body = BodyKind::none;
    std::vector<std::string> query;   // the query parameters it takes; others are refused
    bool any_query = false;           // takes any query (health checks ignore theirs)
    bool mask_params_in_log = false;  // the access log shows {name} for its parameters
    std::function<Reply(Call&)> handler;
};

struct Match {
    const Route* route = nullptr;  // nullptr: no route
    std::vector<std::string> params;
    std::string log_path;  // the path as the access log shows it
    int status = 0;        // with no route: 404, or 405 when the path exists for other methods
    std::string allow;     // with 405: "GET, HEAD"...
};

class Router {
  public:
    void add(Route route);
    // The route for a request. Throws ProblemError (400) for a path that is not
    // percent-encoded properly.
    Match match(std::string_view method, std::string_view target) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    std::vector<Route> routes_;
    std::vector<std::vector<std::string>> segments_;  // each route's pattern, split
};

// The path of a request target: everything before '?' (and '#').
std::string_view target_path(std::string_view target);
// Splits a raw path (it starts with '/') on '/' and percent-decodes each segment ('+' stays
// '+'); false when a '%' is not followed by two hex digits or encodes a NUL byte.
bool split_path(std::string_view path, std::vector<std::string>& segments);

}  // namespace relance::api::detail
