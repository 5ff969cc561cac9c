// Times as the command line prints them.
#pragma once

#include <cstdint>
#include <string>

namespace relance::runtime {

std::string format_iso(std::int64_t unix_ms);    // 2026-11-21T09:00:00.000Z
std::string format_short(std::int64_t unix_ms);  // 2026-11-21 09:00:00
// Parses "2026-11-21", "2026-11-21T09:00", "2026-11-21T09:00:00Z", "2026-11-21T10:00:00+01:00"
// (calendar::parse_instant: no offset means UTC); std::runtime_error naming the bad text.
std::int64_t parse_iso(const std::string& text);

}  // namespace relance::runtime
