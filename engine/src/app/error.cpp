#include <relance/app/error.hpp>

namespace relance::app {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid:
            return "invalid";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::busy:
            return "busy";
        case ErrorKind::unauthorized:
            return "unauthorized";
        case ErrorKind::forbidden:
            return "forbidden";
        case ErrorKind::rate_limited:
            return "rate_limited";
        case ErrorKind::unsupported:
            return "unsupported";
        case ErrorKind::unsupported_media:
            return "unsupported_media";
        case ErrorKind::failure:
            return "failure";
    }
    return "failure";
}

Error::Error(ErrorKind kind, std::string message, std::string field,
             std::vector<std::string> details)
    : std::runtime_error(std::move(message)),
      kind_(kind),
      field_(std::move(field)),
      details_(std::move(details)) {}

Error Error::rate_limited(std::string message, int retry_after_seconds) {
    Error e(ErrorKind::rate_limited, std::move(message), "authorization");
    e.retry_after_ = retry_after_seconds;
    return e;
}

}  // namespace relance::app
