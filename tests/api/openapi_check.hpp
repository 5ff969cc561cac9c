// Every response an API test receives is checked against docs/openapi.json, the document the
// server serves at /openapi.json: its path and method are documented, its status is one the
// operation lists, its media type is the one documented for that status, and its JSON body
// validates against the documented schema. A route, a status or a field the document does not
// describe fails the test that met it.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

namespace relance::test {

// The problems with one exchange, "" when it conforms.
std::vector<std::string> openapi_problems(const httplib::Request& request,
                                          const httplib::Response& response);

// How many exchanges were checked in this process (a test can tell the check ran).
int openapi_checked_count();

}  // namespace relance::test
