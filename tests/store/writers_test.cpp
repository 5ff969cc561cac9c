// The process's writers of one database file take turns on one mutex before SQLite's write lock
// (sqlite_store.hpp, WriteTransaction): the turn is the file's, whatever path reaches it, and
// every write transaction of every connection in the process waits for it.
#include <filesystem>
#include <future>

#include "sqlite_store.hpp"
#include "store_fixture.hpp"

namespace relance::test {
namespace {

using namespace std::chrono_literals;

TEST(ProcessWriters, OneTurnPerFileWhateverPathReachesIt) {
    TempDir dir;
    std::string path = dir / "a.db";
    std::string other = dir / "b.db";
    auto a = store::open_sqlite(path);
    auto b = store::open_sqlite(other);
    std::filesystem::create_symlink(path, dir / "link.db");

    auto turn = store::process_writers_of(path);
    EXPECT_EQ(turn, store::process_writers_of(dir / "link.db"));
    EXPECT_EQ(turn, store::process_writers_of(dir / "./a.db"));
    EXPECT_NE(turn, store::process_writers_of(other));
    // A private database shares its turn with nothing.
    EXPECT_NE(store::process_writers_of(":memory:"), store::process_writers_of(":memory:"));
}

TEST(ProcessWriters, AWriteWaitsForTheTurnOfAnotherConnection) {
    TempDir dir;
    std::string path = dir / "a.db";
    auto writer = store::open_sqlite(path);
    auto version = writer->put_workflow_version("wf", "1", "wf.yaml", "name: wf", kNow);
    // Another connection to the same file, reached through a symlink, holds the turn (as if in
    // the middle of a commit): SQLite's own lock is free, so only the turn can hold the write.
    std::filesystem::create_symlink(path, dir / "link.db");
    auto turn = store::process_writers_of(dir / "link.db");
    std::unique_lock held(*turn);

    auto write = std::async(std::launch::async,
                            [&] { return writer->create_runs({new_run("r1", version)}, kNow); });
    EXPECT_EQ(write.wait_for(200ms), std::future_status::timeout);
    held.unlock();
    ASSERT_EQ(write.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(write.get(), std::vector<bool>{true});
    EXPECT_TRUE(writer->get_run("r1"));
}

}  // namespace
}  // namespace relance::test
