// Which malloc the binary runs on: figures in docs/performance.md depend on it.
#pragma once

#include <string>

namespace relance::cli {

// "jemalloc 5.3.0-0-g..." when the binary is linked with jemalloc (RELANCE_JEMALLOC, the
// default), "glibc malloc" otherwise (the sanitizer builds, where ASan must own malloc).
std::string allocator_name();

}  // namespace relance::cli
