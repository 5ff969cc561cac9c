// Which commits wait for the disk. A commit that a call may follow (a step recorded as started,
// an outcome) is synced before it returns: a send is never repeated from a record that a power
// loss took back. A claim is not: nothing leaves the worker on its strength, and the next
// synced commit carries it to the disk (the WAL is synced in order). Counted through a VFS that
// wraps the default one and counts xSync calls.
#include <sqlite3.h>

#include <atomic>
#include <cstring>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

std::atomic<int> g_syncs{0};
sqlite3_vfs* g_inner = nullptr;

// A file of the counting VFS: our methods, then the default VFS's file.
struct CountingFile {
    sqlite3_file base;
    sqlite3_file* inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

CountingFile* of(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f); }
sqlite3_file* in(sqlite3_file* f) { return of(f)->inner(); }

int x_close(sqlite3_file* f) { return in(f)->pMethods->xClose(in(f)); }
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
    return in(f)->pMethods->xRead(in(f), b, n, o);
}
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    return in(f)->pMethods->xWrite(in(f), b, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 s) {
    return in(f)->pMethods->xTruncate(in(f), s);
}
int x_sync(sqlite3_file* f, int flags) {
    ++g_syncs;
    return in(f)->pMethods->xSync(in(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* s) {
    return in(f)->pMethods->xFileSize(in(f), s);
}
int x_lock(sqlite3_file* f, int l) { return in(f)->pMethods->xLock(in(f), l); }
int x_unlock(sqlite3_file* f, int l) { return in(f)->pMethods->xUnlock(in(f), l); }
int x_check_reserved(sqlite3_file* f, int* r) {
    return in(f)->pMethods->xCheckReservedLock(in(f), r);
}
int x_file_control(sqlite3_file* f, int op, void* a) {
    return in(f)->pMethods->xFileControl(in(f), op, a);
}
int x_sector_size(sqlite3_file* f) { return in(f)->pMethods->xSectorSize(in(f)); }
int x_device(sqlite3_file* f) { return in(f)->pMethods->xDeviceCharacteristics(in(f)); }
int x_shm_map(sqlite3_file* f, int i, int s, int e, void volatile** p) {
    return in(f)->pMethods->xShmMap(in(f), i, s, e, p);
}
int x_shm_lock(sqlite3_file* f, int o, int n, int fl) {
    return in(f)->pMethods->xShmLock(in(f), o, n, fl);
}
void x_shm_barrier(sqlite3_file* f) { in(f)->pMethods->xShmBarrier(in(f)); }
int x_shm_unmap(sqlite3_file* f, int d) { return in(f)->pMethods->xShmUnmap(in(f), d); }
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
    return in(f)->pMethods->xFetch(in(f), o, n, p);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
    return in(f)->pMethods->xUnfetch(in(f), o, p);
}

const sqlite3_io_methods kMethods = {
    3,           x_close,       x_read,     x_write,          x_truncate,     x_sync,
    x_file_size, x_lock,        x_unlock,   x_check_reserved, x_file_control, x_sector_size,
    x_device,    x_shm_map,     x_shm_lock, x_shm_barrier,    x_shm_unmap,    x_fetch,
    x_unfetch};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
    of(f)->base.pMethods = nullptr;
    int rc = g_inner->xOpen(g_inner, name, in(f), flags, out);
    // Our methods only over a file the default VFS opened (it is closed through them).
    if (in(f)->pMethods) of(f)->base.pMethods = &kMethods;
    return rc;
}

// Everything but xOpen goes to the default VFS, which reads only its own fields.
int x_delete(sqlite3_vfs*, const char* n, int d) { return g_inner->xDelete(g_inner, n, d); }
int x_access(sqlite3_vfs*, const char* n, int fl, int* r) {
    return g_inner->xAccess(g_inner, n, fl, r);
}
int x_full_pathname(sqlite3_vfs*, const char* n, int size, char* out) {
    return g_inner->xFullPathname(g_inner, n, size, out);
}

// Makes the counting VFS the default while it lives (the store opens with the default).
class CountingVfs {
  public:
    CountingVfs() {
        g_inner = sqlite3_vfs_find(nullptr);
        vfs_ = *g_inner;
        vfs_.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_inner->szOsFile;
        vfs_.zName = "relance_counting";
        vfs_.pNext = nullptr;
        vfs_.xOpen = x_open;
        vfs_.xDelete = x_delete;
        vfs_.xAccess = x_access;
        vfs_.xFullPathname = x_full_pathname;
        sqlite3_vfs_register(&vfs_, 1);
    }
    ~CountingVfs() {
        sqlite3_vfs_unregister(&vfs_);
        sqlite3_vfs_register(g_inner, 1);
    }

  private:
    sqlite3_vfs vfs_{};
};

// The VFS is chosen when the store opens: the fixture's store is replaced by one opened here.
class SyncTest : public StoreTest {
  protected:
    void SetUp() override {
        vfs_ = std::make_unique<CountingVfs>();
        StoreTest::SetUp();
    }
    void TearDown() override {
        store.reset();
        vfs_.reset();
    }
    std::unique_ptr<CountingVfs> vfs_;
};

TEST_F(SyncTest, AClaimIsNotSyncedButTheCommitBeforeACallIs) {
    store->create_runs({new_run("r1", version)}, kNow);
    // Create_runs commits synced (the runs are the promise made to the caller).
    const int after_create = g_syncs.load();
    EXPECT_GT(after_create, 0);

    auto claimed = store->claim_due("w", kNow, 10, kNow + 60'000);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(g_syncs.load(), after_create) << "the claim waited for the disk";

    // The step recorded as started, before its call goes out: synced, and with it the claim.
    store::Batch batch;
    batch.leases.emplace_back(claimed[0].id, claimed[0].lease);
    batch.insert_steps.push_back(step_row(claimed[0], 1, store::StepStatus::started));
    EXPECT_TRUE(store->commit(batch).empty());
    EXPECT_GT(g_syncs.load(), after_create) << "a commit before a call was not synced";

    // And the connection is back to syncing every commit after a claim that found nothing.
    const int before = g_syncs.load();
    EXPECT_TRUE(store->claim_due("w", kNow, 10, kNow + 60'000).empty());
    store::Batch more;
    more.leases.emplace_back(claimed[0].id, claimed[0].lease);
    auto done = step_row(claimed[0], 1, store::StepStatus::succeeded);
    done.finished_at = kNow;
    more.update_steps.push_back(done);
    EXPECT_TRUE(store->commit(more).empty());
    EXPECT_GT(g_syncs.load(), before);
}

}  // namespace
}  // namespace relance::test
