// Starting runs from a stream of records, a chunk per transaction, on a real SQLite file: the
// same outcomes as starting them from a list (idempotency, enrollment, rejected records with
// their reasons), whatever the chunk boundaries, and nothing lost when the input breaks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/model/workflow.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/store/store.hpp>
#include <sstream>

#include "../support/counting_vfs.hpp"
#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;

const char* kWorkflow = R"(name: stream
version: 1
inputs:
  email: {type: string, required: true}
  score: {type: integer, default: 0}
steps:
  - wait: 1d
)";

// Records from memory; throws InputError after `fail_after` records when set.
class ListReader final : public runtime::RecordReader {
  public:
    explicit ListReader(std::vector<runtime::InputRecord> records, int fail_after = -1)
        : records_(std::move(records)), fail_after_(fail_after) {}
    bool next(runtime::InputRecord& out) override {
        if (fail_after_ >= 0 && i_ == static_cast<std::size_t>(fail_after_))
            throw runtime::InputError("leads.csv:9:3: broken");
        if (i_ == records_.size()) return false;
        out = records_[i_++];
        return true;
    }

  private:
    std::vector<runtime::InputRecord> records_;
    int fail_after_;
    std::size_t i_ = 0;
};

struct Seen final : runtime::StartObserver {
    std::vector<std::string> started_ids, duplicates, rejections, skips, warnings;
    void started(const std::string& id) override { started_ids.push_back(id); }
    void duplicate(const std::string& key) override { duplicates.push_back(key); }
    void rejected(const runtime::RejectedRecord& r) override {
        rejections.push_back(r.where + ": " + r.problems.at(0).field + ": " +
                             r.problems.at(0).message);
    }
    void skipped(const runtime::SkippedRecord& s) override {
        skips.push_back(s.where + ": " + s.reason);
    }
    void warning(const runtime::RecordWarning& w) override { warnings.push_back(w.where); }
};

runtime::InputRecord rec(const std::string& where, json value) {
    return {std::move(value), where, ""};
}

class StartRuns : public ::testing::Test {
  protected:
    TempDir dir;
    std::unique_ptr<store::Store> store = store::open_sqlite(dir / "r.db");
    VirtualClock clock{from_unix_ms(1'700'000'000'000)};
    model::Workflow wf = model::load_workflow_text(kWorkflow, "stream.yaml");

    runtime::StartCounts start(std::vector<runtime::InputRecord> records, Seen& seen,
                               std::size_t chunk) {
        ListReader reader(std::move(records));
        runtime::StartOptions o;
        o.chunk = chunk;
        return runtime::start_runs(*store, wf, reader, clock, seen, o);
    }
};

TEST_F(StartRuns, ChunksStartEveryRecordOnce) {
    std::vector<runtime::InputRecord> records;
    for (int i = 0; i < 10; ++i)
        records.push_back(rec("l.csv:" + std::to_string(i + 2),
                              {{"email", "p" + std::to_string(i) + "@x.test"}}));
    records.push_back(rec("l.csv:12", {{"email", "p3@x.test"}}));  // same record as line 5
    Seen seen;
    auto counts = start(records, seen, 3);
    EXPECT_EQ(counts.records, 11u);
    EXPECT_EQ(counts.started, 10u);
    EXPECT_EQ(counts.duplicates, 1u);
    EXPECT_EQ(seen.started_ids.size(), 10u);
    EXPECT_EQ(store->count_runs().by_status[0], 10);  // all ready
    // Again, with other chunk boundaries: nothing new, every record a duplicate.
    Seen again;
    counts = start(records, again, 4);
    EXPECT_EQ(counts.started, 0u);
    EXPECT_EQ(counts.duplicates, 11u);
}

// An import waits for the disk once, at its end, not once per chunk; when start_runs returns,
// every run it started is on the disk (the last commit synced, or sync() when the last chunk
// held no new run).
TEST(StartRunsSync, ChunksDoNotWaitForTheDiskButTheEndDoes) {
    counting_vfs::CountingVfs vfs;
    TempDir dir;
    auto store = store::open_sqlite(dir / "r.db");
    VirtualClock clock{from_unix_ms(1'700'000'000'000)};
    auto wf = model::load_workflow_text(kWorkflow, "stream.yaml");
    auto leads = [](int from, int to) {
        std::vector<runtime::InputRecord> out;
        for (int i = from; i < to; ++i)
            out.push_back(rec("l.csv:" + std::to_string(i + 2),
                              {{"email", "p" + std::to_string(i) + "@x.test"}}));
        return out;
    };
    auto import = [&](std::vector<runtime::InputRecord> records, std::size_t started) {
        ListReader reader(std::move(records));
        Seen seen;
        runtime::StartOptions o;
        o.chunk = 10;
        const int before = counting_vfs::g_syncs.load();
        auto counts = runtime::start_runs(*store, wf, reader, clock, seen, o);
        EXPECT_EQ(counts.started, started);
        return counting_vfs::g_syncs.load() - before;
    };
    // Four chunks of new runs: one synced commit, at the end (the WAL's sync, and perhaps the
    // database's), not one per chunk.
    int syncs = import(leads(0, 40), 40);
    EXPECT_GE(syncs, 1);
    EXPECT_LE(syncs, 2);
    // New runs, then a last chunk of runs started before: the end has nothing to commit and
    // syncs all the same.
    auto records = leads(40, 50);
    for (auto& r : leads(0, 10)) records.push_back(r);
    syncs = import(records, 10);
    EXPECT_GE(syncs, 1);
    EXPECT_LE(syncs, 2);
}

TEST_F(StartRuns, TheSameContactInALaterChunkAppearsTwice) {
    Seen seen;
    auto counts = start({rec("l.csv:2", {{"id", "a"}, {"email", "ana@x.test"}}),
                         rec("l.csv:3", {{"id", "b"}, {"email", "bo@x.test"}}),
                         rec("l.csv:4", {{"id", "c"}, {"email", "ANA@x.test"}})},
                        seen, 2);
    EXPECT_EQ(counts.started, 2u);
    ASSERT_EQ(seen.skips.size(), 1u);
    EXPECT_EQ(seen.skips[0], "l.csv:4: appears twice in this input");
}

// The chunk's one look-up of unfinished runs (Store::active_runs_of) gives the reasons the
// record-by-record checks gave.
TEST_F(StartRuns, AContactActiveFromBeforeIsSkippedByThePolicy) {
    Seen first;
    start({rec("a.csv:2", {{"id", "1"}, {"email", "ana@x.test"}})}, first, 10);
    ASSERT_EQ(first.started_ids.size(), 1u);
    Seen seen;
    auto counts = start({rec("b.csv:2", {{"id", "2"}, {"email", "ana@x.test"}}),
                         rec("b.csv:3", {{"id", "3"}, {"email", "bo@x.test"}})},
                        seen, 10);
    EXPECT_EQ(counts.started, 1u);
    ASSERT_EQ(seen.skips.size(), 1u);
    EXPECT_EQ(seen.skips[0],
              "b.csv:2: already active in this workflow (run " + first.started_ids[0] + ")");
    // Another workflow: active_in_workflow (the default) lets the contact in; active_anywhere
    // does not.
    std::string other = kWorkflow;
    other.replace(other.find("name: stream"), 12, "name: other");
    wf = model::load_workflow_text(other, "other.yaml");
    Seen here;
    EXPECT_EQ(start({rec("c.csv:2", {{"id", "4"}, {"email", "ana@x.test"}})}, here, 10).started,
              1u);
    other.replace(other.find("steps:"), 6, "enrollment: {skip_if: active_anywhere}\nsteps:");
    other.replace(other.find("name: other"), 11, "name: third");
    wf = model::load_workflow_text(other, "third.yaml");
    Seen anywhere;
    start({rec("d.csv:2", {{"id", "5"}, {"email", "ana@x.test"}})}, anywhere, 10);
    ASSERT_EQ(anywhere.skips.size(), 1u);
    EXPECT_EQ(anywhere.skips[0],
              "d.csv:2: already active in workflow stream (run " + first.started_ids[0] + ")");
}

TEST_F(StartRuns, RecordsThatCouldNotBeReadAreRejectedWithTheirPlace) {
    Seen seen;
    auto counts = start({rec("l.csv:2", {{"email", "a@x.test"}}),
                         {nullptr, "l.csv:3",
                          "column 9: expected 2 fields (as in the header), "
                          "found 3"},
                         rec("l.csv:4", {{"email", "b@x.test"}, {"score", "many"}}),
                         rec("l.csv:5", {{"email", "c@"}})},
                        seen, 1000);
    EXPECT_EQ(counts.started, 1u);
    EXPECT_EQ(counts.rejected, 3u);
    ASSERT_EQ(seen.rejections.size(), 3u);
    EXPECT_EQ(seen.rejections[0],
              "l.csv:3: : column 9: expected 2 fields (as in the header), "
              "found 3");
    EXPECT_EQ(seen.rejections[1], "l.csv:4: score: expected integer, got \"many\"");
    EXPECT_EQ(seen.rejections[2].rfind("l.csv:5: email: ", 0), 0u) << seen.rejections[2];
}

TEST_F(StartRuns, ABrokenInputKeepsWhatWasReadBeforeIt) {
    std::vector<runtime::InputRecord> records;
    for (int i = 0; i < 5; ++i)
        records.push_back(rec("l.csv:" + std::to_string(i + 2),
                              {{"email", "p" + std::to_string(i) + "@x.test"}}));
    ListReader reader(records, 5);
    Seen seen;
    runtime::StartOptions o;
    o.chunk = 2;
    auto counts = runtime::start_runs(*store, wf, reader, clock, seen, o);
    EXPECT_EQ(counts.input_error, "leads.csv:9:3: broken");
    EXPECT_EQ(counts.started, 5u);
    EXPECT_EQ(seen.started_ids.size(), 5u);  // the last, partial chunk too
    EXPECT_EQ(store->count_runs().by_status[0], 5);
}

TEST_F(StartRuns, TheListFormGivesTheSameResult) {
    auto result = runtime::start_runs(*store, wf,
                                      {json{{"id", "x"}, {"email", "a@x.test"}},
                                       json{{"id", "x"}, {"email", "b@x.test"}}, json{{"nope", 1}}},
                                      {"f:2", "f:3", "f:4"}, clock);
    EXPECT_EQ(result.started.size(), 1u);
    EXPECT_EQ(result.duplicates.size(), 1u);
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(result.rejected[0].where, "f:4");
    EXPECT_EQ(result.rejected[0].index, 3u);
}

}  // namespace
}  // namespace relance::test
