// The access log: one line per response on stderr (text or JSON), and the error lines that
// carry what a 500 answer does not say. Lines are written whole, one at a time.
#pragma once

#include <cstddef>
#include <cstdio>
#include <mutex>
#include <relance/api/server.hpp>
#include <string>
#include <string_view>

namespace relance::api::detail {

using LogFormat = api::LogFormat;

struct AccessRecord {
    std::string_view request_id;
    std::string_view remote;  // the client's address
    std::string_view method;
    std::string_view path;  // without the query string, personal data masked by the route
    int status = 0;
    double duration_ms = 0;
    std::size_t bytes = 0;  // body bytes sent
};

class AccessLog {
  public:
    AccessLog(LogFormat format, std::FILE* out) : format_(format), out_(out) {}

    void access(const AccessRecord& record);
    // An error the client is not told about (a 500's cause), or the server's own trouble.
    void error(std::string_view request_id, std::string_view message);

  private:
    void write(const std::string& line);

    LogFormat format_;
    std::FILE* out_;
    std::mutex m_;
};

// A path as a log line can hold it: at most 256 bytes, control characters, quotes, backslashes
// and non-ASCII bytes escaped as \xHH.
std::string printable_path(std::string_view path);

}  // namespace relance::api::detail
