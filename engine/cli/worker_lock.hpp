// One worker per SQLite database: an exclusive lock on "<db>.lock". The kernel drops it when the
// process dies, even by SIGKILL, so the next worker knows at once that every lease is stale.
#pragma once

#include <string>

namespace relance::cli {

class WorkerLock {
public:
    explicit WorkerLock(const std::string& db_path);
    ~WorkerLock();
    WorkerLock(const WorkerLock&) = delete;
    WorkerLock& operator=(const WorkerLock&) = delete;
    bool acquired() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

}  // namespace relance::cli
