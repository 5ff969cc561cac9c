// A SQLite VFS that wraps the default one and counts xSync calls, to check which commits wait
// for the disk. CountingVfs makes it the default while it lives: open the store after it.
#pragma once

#include <sqlite3.h>

#include <atomic>

namespace relance::test::counting_vfs {

inline std::atomic<int> g_syncs{0};  // xSync calls through the counting VFS
inline sqlite3_vfs* g_inner = nullptr;

// A file of the counting VFS: our methods, then the default VFS's file.
struct CountingFile {
    sqlite3_file base;
    sqlite3_file* inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

inline CountingFile* of(sqlite3_file* f) {
    return reinterpret_cast<CountingFile*>(f);
}
inline sqlite3_file* in(sqlite3_file* f) {
    return of(f)->inner();
}

inline int x_close(sqlite3_file* f) {
    return in(f)->pMethods->xClose(in(f));
}
inline int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
    return in(f)->pMethods->xRead(in(f), b, n, o);
}
inline int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    return in(f)->pMethods->xWrite(in(f), b, n, o);
}
inline int x_truncate(sqlite3_file* f, sqlite3_int64 s) {
    return in(f)->pMethods->xTruncate(in(f), s);
}
inline int x_sync(sqlite3_file* f, int flags) {
    ++g_syncs;
    return in(f)->pMethods->xSync(in(f), flags);
}
inline int x_file_size(sqlite3_file* f, sqlite3_int64* s) {
    return in(f)->pMethods->xFileSize(in(f), s);
}
inline int x_lock(sqlite3_file* f, int l) {
    return in(f)->pMethods->xLock(in(f), l);
}
inline int x_unlock(sqlite3_file* f, int l) {
    return in(f)->pMethods->xUnlock(in(f), l);
}
inline int x_check_reserved(sqlite3_file* f, int* r) {
    return in(f)->pMethods->xCheckReservedLock(in(f), r);
}
inline int x_file_control(sqlite3_file* f, int op, void* a) {
    return in(f)->pMethods->xFileControl(in(f), op, a);
}
inline int x_sector_size(sqlite3_file* f) {
    return in(f)->pMethods->xSectorSize(in(f));
}
inline int x_device(sqlite3_file* f) {
    return in(f)->pMethods->xDeviceCharacteristics(in(f));
}
inline int x_shm_map(sqlite3_file* f, int i, int s, int e, void volatile** p) {
    return in(f)->pMethods->xShmMap(in(f), i, s, e, p);
}
inline int x_shm_lock(sqlite3_file* f, int o, int n, int fl) {
    return in(f)->pMethods->xShmLock(in(f), o, n, fl);
}
inline void x_shm_barrier(sqlite3_file* f) {
    in(f)->pMethods->xShmBarrier(in(f));
}
inline int x_shm_unmap(sqlite3_file* f, int d) {
    return in(f)->pMethods->xShmUnmap(in(f), d);
}
inline int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
    return in(f)->pMethods->xFetch(in(f), o, n, p);
}
inline int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
    return in(f)->pMethods->xUnfetch(in(f), o, p);
}

inline const sqlite3_io_methods kMethods = {
    3,           x_close,   x_read,     x_write,          x_truncate,     x_sync,
    x_file_size, x_lock,    x_unlock,   x_check_reserved, x_file_control, x_sector_size,
    x_device,    x_shm_map, x_shm_lock, x_shm_barrier,    x_shm_unmap,    x_fetch,
    x_unfetch};

inline int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
    of(f)->base.pMethods = nullptr;
    int rc = g_inner->xOpen(g_inner, name, in(f), flags, out);
    // Our methods only over a file the default VFS opened (it is closed through them).
    if (in(f)->pMethods) of(f)->base.pMethods = &kMethods;
    return rc;
}

// Everything but xOpen goes to the default VFS, which reads only its own fields.
inline int x_delete(sqlite3_vfs*, const char* n, int d) {
    return g_inner->xDelete(g_inner, n, d);
}
inline int x_access(sqlite3_vfs*, const char* n, int fl, int* r) {
    return g_inner->xAccess(g_inner, n, fl, r);
}
inline int x_full_pathname(sqlite3_vfs*, const char* n, int size, char* out) {
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

}  // namespace relance::test::counting_vfs
