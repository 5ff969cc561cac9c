// The turn to write a database file, shared by every connection to it in this process
// (sqlite_store.hpp, WriteTransaction).
#include <sys/stat.h>

#include <map>
#include <utility>

#include "sqlite_store.hpp"

namespace relance::store {

std::shared_ptr<std::mutex> process_writers_of(const std::string& path) {
    struct stat st {};
    if (path.empty() || path == ":memory:" || ::stat(path.c_str(), &st) != 0)
        return std::make_shared<std::mutex>();
    static std::mutex registry_m;
    // Weak: the turn lives as long as a connection to the file does.
    static std::map<std::pair<dev_t, ino_t>, std::weak_ptr<std::mutex>> registry;
    std::lock_guard g(registry_m);
    auto& slot = registry[{st.st_dev, st.st_ino}];
    if (auto shared = slot.lock()) return shared;
    auto made = std::make_shared<std::mutex>();
    slot = made;
    // Forget the files no connection holds any more, so the registry does not grow with every
    // database a long process opened (tests open thousands).
    std::erase_if(registry, [](const auto& e) { return e.second.expired(); });
    return made;
}

}  // namespace relance::store
