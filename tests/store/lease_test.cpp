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

// An operator's cancel wins over the worker that holds the run: the lease goes in the same
// transaction, so the worker's check before a call and its commit both find it lost.
TEST_F(StoreTest, CancelTakesTheLeaseOfTheWorkerHoldingTheRun) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto held = store->claim_due("w_a", kNow, 10, kNow + kLease);
    ASSERT_EQ(held.size(), 1u);
    store::StepRecord note;
    note.step_id = "operator";
    note.kind = "cancel";
    note.status = StepStatus::stopped;
    note.detail = "cancelled by an operator";
    EXPECT_EQ(store->cancel_run("r1", "cancelled by an operator", note, kNow + 5),
              store::Store::CancelOutcome::cancelled_held);
    EXPECT_EQ(store->lost_leases({{"r1", held[0].lease}}), std::vector<std::string>{"r1"});

    // The worker commits the send it was about to make, and its run's completion: nothing.
    store::Batch batch;
    batch.leases.emplace_back("r1", held[0].lease);
    batch.insert_steps.push_back(step_row(held[0], 1, StepStatus::started));
    store::Run done = held[0];
    done.status = store::RunStatus::completed;
    done.next_seq = 2;
    batch.update_runs.push_back(done);
    EXPECT_EQ(store->commit(batch), std::vector<std::string>{"r1"});
    auto run = store->get_run("r1");
    EXPECT_EQ(run->status, store::RunStatus::exited);
    EXPECT_EQ(run->reason, "cancelled by an operator");
    EXPECT_FALSE(run->due_at.has_value());
    auto steps = store->list_steps("r1");
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].kind, "cancel");
    EXPECT_EQ(steps[0].status, StepStatus::stopped);
    // Nobody claims it again.
    EXPECT_TRUE(store->claim_due("w_b", kNow + 2 * kLease, 10, kNow + 3 * kLease).empty());
}

TEST_F(StoreTest, CancelSaysWhetherTheRunWasIdleFinishedOrMissing) {
    store->create_runs({new_run("r1", version)}, kNow);
    store::StepRecord note;
    note.step_id = "operator";
    note.kind = "cancel";
    note.status = StepStatus::stopped;
    EXPECT_EQ(store->cancel_run("r1", "x", note, kNow), store::Store::CancelOutcome::cancelled);
    EXPECT_EQ(store->cancel_run("r1", "x", note, kNow), store::Store::CancelOutcome::finished);
    EXPECT_EQ(store->cancel_run("r_nope", "x", note, kNow), store::Store::CancelOutcome::missing);
    EXPECT_EQ(store->list_steps("r1").size(), 1u);  // the second cancel wrote nothing
}

TEST_F(StoreTest, RetryMakesAFailedRunReadyAtTheStepItFailedOn) {
    store->create_runs({new_run("r1", version)}, kNow);
    auto held = store->claim_due("w_a", kNow, 10, kNow + kLease);
    ASSERT_EQ(held.size(), 1u);
    store::Run failed = held[0];
    failed.status = store::RunStatus::failed;
    failed.node = 2;
    failed.attempt = 3;
    failed.message_id = "r1.send.1";
    failed.reason = "step send failed: 400";
    failed.due_at.reset();
    failed.next_seq = 2;
    store::Batch batch;
    batch.leases.emplace_back("r1", held[0].lease);
    batch.insert_steps.push_back(step_row(held[0], 1, StepStatus::failed));
    batch.update_runs.push_back(failed);
    ASSERT_TRUE(store->commit(batch).empty());
    store->release_leases({{"r1", held[0].lease}});

    store::StepRecord note;
    note.step_id = "operator";
    note.kind = "retry";
    note.status = StepStatus::resolved;
    ASSERT_TRUE(store->retry_failed_run("r1", note, kNow + 10));
    auto run = store->get_run("r1");
    EXPECT_EQ(run->status, store::RunStatus::ready);
    EXPECT_EQ(run->node, 2);
    EXPECT_EQ(run->attempt, 1);
    EXPECT_EQ(run->message_id, "");
    EXPECT_EQ(run->due_at, kNow + 10);
    EXPECT_EQ(store->list_steps("r1").back().kind, "retry");
    EXPECT_FALSE(store->retry_failed_run("r1", note, kNow + 20));  // ready: not failed
    auto again = store->claim_due("w_b", kNow + 10, 10, kNow + kLease);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].node, 2);
}

}  // namespace
}  // namespace relance::test
