// Leases: every claim carries a token, every commit checks it, and a worker that lost its lease
// changes nothing.
#include "store_fixture.hpp"

namespace relance::test {
namespace {

using store::StepStatus;

constexpr std::int64_t kLease = 60'000;

TEST_F(StoreTest, EachClaimHasItsOwnToken) {
    store->create_runs({new_run("r1", version), new_run("r2", version)}, kNow);
    auto a = store->claim_due("w_a", kNow, 1, kNow + kLease);
    auto b = store->claim_due("w_a", kNow, 1, kNow + kLease);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_FALSE(a[0].lease.empty());
    EXPECT_NE(a[0].lease, b[0].lease);
}

TEST_F(StoreTest, WorkerThatLostItsLeaseChangesNothing) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto first = store->claim_due("w_old", kNow, 10, kNow + kLease);
    ASSERT_EQ(first.size(), 1u);
    // The old worker stalls past its lease; another claims the run.
    auto second = store->claim_due("w_new", kNow + kLease + 1, 10, kNow + 2 * kLease);
    ASSERT_EQ(second.size(), 1u);

    // The old worker wakes up and commits a send: nothing of it is written.
    store::Run stale = first[0];
    store::Batch batch;
    batch.leases.emplace_back(stale.id, stale.lease);
    batch.insert_steps.push_back(step_row(stale, 1, StepStatus::started));
    store::Send send;
    send.run_id = stale.id;
    send.seq = 1;
    send.sender = "sam@acme.test";
    send.channel = "email";
    send.at = kNow;
    batch.insert_sends.push_back(send);
    stale.status = store::RunStatus::completed;
    stale.next_seq = 2;
    batch.update_runs.push_back(stale);
    auto lost = store->commit(batch);
    ASSERT_EQ(lost, std::vector<std::string>{"r1"});
    EXPECT_TRUE(store->list_steps("r1").empty());
    EXPECT_TRUE(store->sends_of("sam@acme.test", 0).empty());
    EXPECT_EQ(store->get_run("r1")->status, store::RunStatus::ready);

    // The new owner's commit goes through.
    store::Batch ok;
    ok.leases.emplace_back(second[0].id, second[0].lease);
    ok.insert_steps.push_back(step_row(second[0], 1, StepStatus::done));
    EXPECT_TRUE(store->commit(ok).empty());
    EXPECT_EQ(store->list_steps("r1").size(), 1u);
}

TEST_F(StoreTest, OnlyTheRunsThatLostTheirLeaseAreSkipped) {
    store->create_runs({new_run("r1", version), new_run("r2", version)}, kNow);
    auto claimed = store->claim_due("w_a", kNow, 10, kNow + kLease);
    ASSERT_EQ(claimed.size(), 2u);
    // r1 is taken over; r2 is still ours.
    store->release_leases({{claimed[0].id, claimed[0].lease}});
    auto taken = store->claim_due("w_b", kNow, 10, kNow + kLease);
    ASSERT_EQ(taken.size(), 1u);
    store::Batch batch;
    for (const auto& r : claimed) {
        batch.leases.emplace_back(r.id, r.lease);
        batch.insert_steps.push_back(step_row(r, 1, StepStatus::done));
    }
    auto lost = store->commit(batch);
    EXPECT_EQ(lost, std::vector<std::string>{claimed[0].id});
    EXPECT_TRUE(store->list_steps(claimed[0].id).empty());
    EXPECT_EQ(store->list_steps(claimed[1].id).size(), 1u);
}

TEST_F(StoreTest, RenewalKeepsTheLeaseWhileACallLasts) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto mine = store->claim_due("w_a", kNow, 10, kNow + kLease);
    ASSERT_EQ(mine.size(), 1u);
    // Renewed before it ends: at the old lease's end, nobody can claim it.
    EXPECT_TRUE(store->renew_leases({{mine[0].id, mine[0].lease}}, kNow + 3 * kLease).empty());
    EXPECT_TRUE(store->claim_due("w_b", kNow + kLease + 1, 10, kNow + 4 * kLease).empty());
    // Renewing a lease someone else holds reports it lost.
    auto theirs = store->claim_due("w_b", kNow + 3 * kLease + 1, 10, kNow + 5 * kLease);
    ASSERT_EQ(theirs.size(), 1u);
    EXPECT_EQ(store->renew_leases({{mine[0].id, mine[0].lease}}, kNow + 6 * kLease),
              std::vector<std::string>{"r1"});
}

TEST_F(StoreTest, PendingEffectsComeWithTheClaim) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto claimed = store->claim_due("w_a", kNow, 10, kNow + kLease);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_TRUE(claimed[0].pending.empty());
    store::Batch batch;
    batch.leases.emplace_back(claimed[0].id, claimed[0].lease);
    batch.insert_steps.push_back(step_row(claimed[0], 1, StepStatus::started));
    batch.insert_steps.push_back(step_row(claimed[0], 2, StepStatus::done));
    store::Run r = claimed[0];
    r.next_seq = 3;
    batch.checkpoint_runs.push_back(r);
    ASSERT_TRUE(store->commit(batch).empty());
    store->release_all_leases();  // the worker died
    auto again = store->claim_due("w_b", kNow, 10, kNow + kLease);
    ASSERT_EQ(again.size(), 1u);
    ASSERT_EQ(again[0].pending.size(), 1u);
    EXPECT_EQ(again[0].pending[0].seq, 1);
    EXPECT_EQ(again[0].pending[0].message_id, "r1.send.1");
    EXPECT_EQ(store->pending_effects("r1").size(), 1u);
}

}  // namespace
}  // namespace relance::test
