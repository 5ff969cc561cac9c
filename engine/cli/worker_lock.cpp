#include "worker_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace relance::cli {

WorkerLock::WorkerLock(const std::string& db_path) {
    if (db_path == ":memory:") {
        fd_ = 0x7fffffff;  // nothing to share: always ours
        return;
    }
    int fd = ::open((db_path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return;
    }
    fd_ = fd;
}

WorkerLock::~WorkerLock() {
    if (fd_ >= 0 && fd_ != 0x7fffffff) ::close(fd_);
}

}  // namespace relance::cli
