#include "access_log.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace relance::api::detail {

namespace {

std::string now_iso() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return text;
}

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

}  // namespace

std::string printable_path(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : path.substr(0, 256)) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x21 || c >= 0x7F || c == '"' || c == '\\') {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += ch;
        }
    }
    if (path.size() > 256) out += "...";
    return out;
}

void AccessLog::access(const AccessRecord& r) {
    if (format_ == LogFormat::json) {
        nlohmann::json j = {
            {"time", now_iso()},
            {"kind", "access"},
            {"request_id", r.request_id},
            {"remote", r.remote},
            {"method", printable_path(r.method)},
            {"path", printable_path(r.path)},
            {"status", r.status},
            {"duration_ms",
             static_cast<double>(static_cast<long long>(r.duration_ms * 1000)) / 1000},
            {"bytes", r.bytes}};
        write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", r.duration_ms);
    write(now_iso() + " access " + std::string(r.remote) + " " + printable_path(r.method) + " " +
          printable_path(r.path) + " " + std::to_string(r.status) + " " + duration + "ms " +
          std::to_string(r.bytes) + "B id=" + std::string(r.request_id));
}

void AccessLog::error(std::string_view request_id, std::string_view message) {
    if (format_ == LogFormat::json) {
        nlohmann::json j = {{"time", now_iso()},
                            {"kind", "error"},
                            {"request_id", request_id},
                            {"message", message}};
        write(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    write(now_iso() + " error id=" + std::string(request_id.empty() ? "-" : request_id) + " " +
          one_line(message));
}

void AccessLog::write(const std::string& line) {
    std::lock_guard g(m_);
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

}  // namespace relance::api::detail
