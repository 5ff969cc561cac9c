// When the WAL is copied into the database file (a checkpoint), and how large it stays: the
// store checkpoints every SqliteOptions::wal_checkpoint_pages pages, and cuts a WAL that grew
// past that back to it when the WAL starts over. An import (SqliteOptions::one_pass) waits
// longer between checkpoints than the worker: each leaf of the run id index it rewrites is then
// copied once per checkpoint instead of once per few commits.
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

namespace fs = std::filesystem;

// Writes `runs` runs of about 3 KB each (their context), 50 per transaction.
void write_runs(store::Store& store, std::int64_t version, int first, int runs) {
    const std::string notes(3000, 'n');
    for (int at = first; at < first + runs; at += 50) {
        std::vector<store::NewRun> chunk;
        for (int i = at; i < at + 50 && i < first + runs; ++i) {
            auto run = new_run("r" + std::to_string(i), version);
            run.context = nlohmann::json{{"inputs", {{"notes", notes}}}};
            chunk.push_back(std::move(run));
        }
        store.create_runs(chunk, kNow, store::Durability::deferred);
    }
}

std::uintmax_t size_of(const fs::path& file) {
    return fs::exists(file) ? fs::file_size(file) : 0;
}

TEST(WalCheckpoint, PagesReachTheDatabaseFileAtTheInterval) {
    for (std::int64_t interval : {64, 1'000'000}) {
        TempDir dir;
        const fs::path path = dir / "relance.db";
        store::SqliteOptions options;
        options.wal_checkpoint_pages = interval;
        auto store = store::open_sqlite(path.string(), options);
        auto version = store->put_workflow_version("wf", "1", "wf.yaml", "name: wf", kNow);
        write_runs(*store, version, 0, 1000);  // about 3 MB: 750 pages
        if (interval == 64) {
            EXPECT_GT(size_of(path), 2u << 20) << "the runs were not copied into the database";
            EXPECT_LT(size_of(path.string() + "-wal"), 1u << 20);
        } else {
            EXPECT_LT(size_of(path), 1u << 20) << "checkpointed before the interval";
            EXPECT_GT(size_of(path.string() + "-wal"), 2u << 20);
        }
    }
}

TEST(WalCheckpoint, AWalThatGrewPastTheIntervalIsCutBackWhenItStartsOver) {
    TempDir dir;
    const fs::path path = dir / "relance.db";
    store::SqliteOptions options;
    options.wal_checkpoint_pages = 64;
    auto store = store::open_sqlite(path.string(), options);
    auto version = store->put_workflow_version("wf", "1", "wf.yaml", "name: wf", kNow);

    // A reader holds the checkpoint back: the WAL grows past its interval.
    sqlite3* reader = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &reader), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> close_reader(reader, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM runs;", nullptr, nullptr, nullptr),
              SQLITE_OK);
    write_runs(*store, version, 0, 1000);
    const auto grown = size_of(path.string() + "-wal");
    EXPECT_GT(grown, 2u << 20);

    // Once it is let go, the next commits checkpoint the WAL, start it over and cut it back.
    ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    write_runs(*store, version, 1000, 100);
    EXPECT_LT(size_of(path.string() + "-wal"), 1u << 20) << "the WAL kept " << grown << " bytes";
    EXPECT_EQ(store->count_runs().total, 1100);
}

// The import's interval, against the worker's: what `relance run` gains from (see
// docs/performance.md, "relance run at a million records").
TEST(WalCheckpoint, AnImportWaitsLongerBetweenCheckpointsThanTheWorker) {
    EXPECT_GE(store::SqliteOptions::one_pass().wal_checkpoint_pages,
              4 * store::SqliteOptions{}.wal_checkpoint_pages);
}

}  // namespace
}  // namespace relance::test
