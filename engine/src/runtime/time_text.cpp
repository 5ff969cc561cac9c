#include <ctime>
#include <relance/calendar/date_text.hpp>
#include <relance/runtime/time_text.hpp>
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

std::string format_short(std::int64_t unix_ms) {
    return format(unix_ms, "%Y-%m-%d %H:%M:%S");
}

std::int64_t parse_iso(const std::string& text) {
    try {
        return to_unix_ms(calendar::parse_instant(text));
    } catch (const std::invalid_argument& e) {
        // The command line reports runtime errors (an invalid --start or --at).
        throw std::runtime_error(e.what());
    }
}

}  // namespace relance::runtime
