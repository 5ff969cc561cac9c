// Which commits wait for the disk. A commit that a call may follow (a step recorded as started,
// an outcome) is synced before it returns: a send is never repeated from a record that a power
// loss took back. A claim is not: nothing leaves the worker on its strength, and the next
// synced commit carries it to the disk (the WAL is synced in order). Counted through a VFS that
// wraps the default one and counts xSync calls.
#include "../support/counting_vfs.hpp"
#include "store_fixture.hpp"

namespace relance::test {
namespace {

using counting_vfs::CountingVfs;
using counting_vfs::g_syncs;

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

// An import's chunks commit without waiting for the disk; sync() then waits once for all.
TEST_F(SyncTest, DeferredRunsAreSyncedBySync) {
    const int before = g_syncs.load();
    for (int i = 0; i < 5; ++i)
        store->create_runs({new_run("r" + std::to_string(i), version)}, kNow,
                           store::Durability::deferred);
    EXPECT_EQ(g_syncs.load(), before) << "a deferred chunk waited for the disk";
    EXPECT_TRUE(store->get_run("r4").has_value());  // committed all the same
    store->sync();
    EXPECT_GT(g_syncs.load(), before);
}

}  // namespace
}  // namespace relance::test
