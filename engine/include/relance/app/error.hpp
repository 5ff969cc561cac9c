// The errors of the application layer, typed once. Each front end maps the kind in one place:
// the command line to an exit code (cli/cli_context.cpp), the HTTP API to a problem response
// (RFC 9457). The message is for people; `field` names what was wrong in what they gave (an
// option, a payload field such as "contact" or "inputs.email"), empty when nothing in particular.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace relance::app {

enum class ErrorKind {
    invalid,            // what was given is wrong: a field, a file, a record
    not_found,          // no such run, workflow, plugin, key...
    conflict,           // it exists, but its state does not allow this (cancel a finished run)
    busy,               // another worker holds the store
    unauthorized,       // no credentials, or not valid ones (an unknown or revoked API key)
    forbidden,          // valid credentials without the scope this needs
    rate_limited,       // too many requests for this key: Error::retry_after() says when to retry
    unsupported,        // understood, but not built here (a postgres:// store today)
    unsupported_media,  // a body in a media type the operation does not read (415)
    failure,            // the job could not be done: the store, a file, a plugin
};

// The stable name of a kind: "invalid", "not_found"... (the last segment of a problem type).
std::string_view to_string(ErrorKind kind);

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message, std::string field = {},
          std::vector<std::string> details = {});
    // rate_limited: the seconds to wait before the next request may pass.
    static Error rate_limited(std::string message, int retry_after_seconds);

    ErrorKind kind() const { return kind_; }
    const std::string& field() const { return field_; }
    // Further lines: a workflow's diagnostics (file:line:col: ...), one per problem.
    const std::vector<std::string>& details() const { return details_; }
    int retry_after() const { return retry_after_; }

  private:
    ErrorKind kind_;
    std::string field_;
    std::vector<std::string> details_;
    int retry_after_ = 0;
};

}  // namespace relance::app
