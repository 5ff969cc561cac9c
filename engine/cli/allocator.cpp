#include "allocator.hpp"

#ifdef RELANCE_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace relance::cli {

std::string allocator_name() {
#ifdef RELANCE_WITH_JEMALLOC
    // Asking jemalloc itself proves it is the malloc in use, not just a library on the link
    // line: this call needs its symbols, so the linker cannot drop it as unneeded either.
    const char* version = nullptr;
    std::size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr)
        return std::string("jemalloc ") + version;
    return "jemalloc";
#else
    return "glibc malloc";
#endif
}

}  // namespace relance::cli
