// JSON text as the host hands it to a plugin or to a child process: invalid UTF-8 replaced by
// U+FFFD rather than thrown (nlohmann's default), so one stray byte never fails a call.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace relance::host::detail {

inline std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace relance::host::detail
