// Sizes in error messages (internal to relance_expr): "4 MiB", "256 KiB" or "1000 bytes".
#pragma once

#include <cstddef>
#include <string>

namespace relance::expr::detail {

inline std::string describe_bytes(std::size_t bytes) {
    if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) {
        return std::to_string(bytes >> 20) + " MiB";
    }
    if (bytes >= (std::size_t{1} << 10) && bytes % (std::size_t{1} << 10) == 0) {
        return std::to_string(bytes >> 10) + " KiB";
    }
    return std::to_string(bytes) + " bytes";
}

}  // namespace relance::expr::detail
