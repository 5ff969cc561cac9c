#include <relance/runtime/time_text.hpp>

#include <ctime>
#include <stdexcept>

namespace relance::runtime {

namespace {
std::string format(std::int64_t unix_ms, const char* pattern) {
    std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, pattern, &tm);
    return buf;
}
}  // namespace

std::string format_iso(std::int64_t unix_ms) {
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
    return format(unix_ms, "%Y-%m-%dT%H:%M:%S") + ms;
}

std::string format_short(std::int64_t unix_ms) { return format(unix_ms, "%Y-%m-%d %H:%M:%S"); }

std::int64_t parse_iso(const std::string& text) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        tm = {};
        end = strptime(text.c_str(), "%Y-%m-%dT%H:%M", &tm);
    }
    if (!end) {
        tm = {};
        end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    }
    if (!end || (*end && std::string(end) != "Z"))
        throw std::runtime_error("bad time '" + text + "' (expected 2026-01-05T09:00:00Z)");
    return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

}  // namespace relance::runtime
