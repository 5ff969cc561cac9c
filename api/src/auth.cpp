#include "auth.hpp"

#include <algorithm>
#include <relance/app/error.hpp>

#include "problem.hpp"

namespace relance::api::detail {

namespace {

constexpr const char* kRealm = "Bearer realm=\"relance\"";

[[noreturn]] void refuse(const std::string& message, const std::string& error) {
    Problem p = problem_for(app::Error(app::ErrorKind::unauthorized, message, "authorization"));
    p.www_authenticate = std::string(kRealm) + (error.empty() ? "" : ", error=\"" + error + "\"");
    throw ProblemError(std::move(p));
}

}  // namespace

std::string bearer_token(const httplib::Request& req, const std::string& what) {
    auto count = req.get_header_value_count("Authorization");
    if (count == 0) refuse(what + ": send Authorization: Bearer <token>", "");
    if (count > 1) refuse("send one Authorization header", "invalid_request");
    std::string value = req.get_header_value("Authorization");
    auto space = value.find(' ');
    std::string scheme = value.substr(0, space);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string token = space == std::string::npos ? std::string() : value.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    if (scheme != "bearer" || token.empty() || token.find(' ') != std::string::npos)
        refuse("the Authorization header must be: Bearer <token>", "invalid_request");
    return token;
}

[[noreturn]] void refuse_token(const std::string& message) { refuse(message, "invalid_token"); }

app::ApiKey authenticate(app::Workspace& workspace, const httplib::Request& req,
                         const std::string& scope) {
    std::string token = bearer_token(req, "this route needs an API key");
    try {
        return workspace.authenticate(token, scope);
    } catch (const app::Error& e) {
        if (e.kind() == app::ErrorKind::unauthorized) refuse(e.what(), "invalid_token");
        if (e.kind() == app::ErrorKind::forbidden) {
            Problem p = problem_for(e);
            p.www_authenticate =
                std::string(kRealm) + ", error=\"insufficient_scope\", scope=\"" + scope + "\"";
            throw ProblemError(std::move(p));
        }
        throw;
    }
}

}  // namespace relance::api::detail
