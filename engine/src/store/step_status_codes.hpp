// How the SQLite store keeps a step's status: a small integer, not its name. A step row is
// written for every step of every run, and the name ("succeeded", 9 bytes) was the largest
// fixed part of it; SQLite stores 0 and 1 in no bytes at all and the other codes in one (about
// 40 bytes less per finished five-step run). The codes are part of the file format: never
// renumber one, only append (SQL in the schema and the reports spells the few it filters on).
#pragma once

#include <cstdint>
#include <optional>
#include <relance/store/store.hpp>

namespace relance::store {

std::int64_t step_status_code(StepStatus s);
// nullopt: a code this relance does not know (read as in doubt: a human looks).
std::optional<StepStatus> step_status_from_code(std::int64_t code);

}  // namespace relance::store
