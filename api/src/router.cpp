#include "router.hpp"

#include "problem.hpp"

namespace relance::api::detail {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        char c = static_cast<char>(hi * 16 + lo);
        if (c == '\0') return false;
        out += c;
        i += 2;
    }
    return true;
}

std::vector<std::string> split_pattern(std::string_view pattern) {
    std::vector<std::string> out;
    std::size_t start = 1;  // after the leading '/'
    for (;;) {
        std::size_t slash = pattern.find('/', start);
        out.emplace_back(pattern.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

bool is_param(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

bool split_path(std::string_view path, std::vector<std::string>& segments) {
    segments.clear();
    if (path.empty() || path.front() != '/') return false;
    std::size_t start = 1;
    std::string decoded;
    for (;;) {
        std::size_t slash = path.find('/', start);
        if (!percent_decode(
                path.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                   : slash - start),
                decoded))
            return false;
        segments.push_back(decoded);
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return true;
}

void Router::add(Route route) {
    segments_.push_back(split_pattern(route.pattern));
    routes_.push_back(std::move(route));
}

Match Router::match(std::string_view method, std::string_view target) const {
    Match m;
    std::string_view path = target_path(target);
    m.log_path = std::string(path);
    std::vector<std::string> segments;
    if (!split_path(path, segments))
        throw ProblemError(http_problem(
            400,
            "the path is not percent-encoded properly (a '%' must be followed by two hex "
            "digits, and none may encode a NUL byte)"));
    std::string method_for_match(method == "HEAD" ? "GET" : method);
    std::string allow;
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& pattern = segments_[r];
        if (pattern.size() != segments.size()) continue;
        std::vector<std::string> params;
        bool fits = true;
        for (std::size_t i = 0; i < pattern.size() && fits; ++i) {
            if (is_param(pattern[i]))
                fits = !segments[i].empty(), params.push_back(segments[i]);
            else
                fits = pattern[i] == segments[i];
        }
        if (!fits) continue;
        const Route& route = routes_[r];
        if (route.method != method_for_match) {
            if (!allow.empty()) allow += ", ";
            allow += route.method == "GET" ? "GET, HEAD" : route.method;
            continue;
        }
        m.route = &route;
        m.params = std::move(params);
        if (route.mask_params_in_log) m.log_path = route.pattern;
        return m;
    }
    m.status = allow.empty() ? 404 : 405;
    m.allow = std::move(allow);
    return m;
}

}  // namespace relance::api::detail
