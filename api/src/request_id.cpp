#include "request_id.hpp"

#include <random>

namespace relance::api::detail {

bool is_sane_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string new_request_id() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id(32, '0');
    for (int half = 0; half < 2; ++half) {
        std::uint64_t bits = random();
        for (int i = 0; i < 16; ++i) {
            id[static_cast<std::size_t>(half * 16 + i)] = kHex[bits & 0xF];
            bits >>= 4;
        }
    }
    return id;
}

std::string request_id_for(std::string_view given) {
    return is_sane_request_id(given) ? std::string(given) : new_request_id();
}

}  // namespace relance::api::detail
