// Outbound webhooks in the store: the events feed written by the schema's triggers in the
// transaction of each change (and only when that change commits), subscriptions, and the
// outbox of deliveries (fan-out, due, outcomes, 410, the backlog, durability across a reopen).
#include <nlohmann/json.hpp>

#include "store_fixture.hpp"

namespace relance::test {
namespace {

using store::RunStatus;
using store::StepStatus;
using Result = store::Store::DeliveryOutcome::Result;

store::Run named(const std::string& id) {
    store::Run r;
    r.id = id;
    return r;
}

class Outbox : public StoreTest {
  protected:
    std::vector<store::Store::FeedEvent> all_events() {
        store::Store::FeedQuery q;
        q.limit = 1000;
        return store->feed(q);
    }
    std::vector<std::string> types() {
        std::vector<std::string> out;
        for (const auto& e : all_events()) out.push_back(e.type);
        return out;
    }
    nlohmann::json data_of(const store::Store::FeedEvent& e) {
        return nlohmann::json::parse(e.data);
    }
    // Claims the run `id` and commits it in `status`, with `steps` inserted.
    std::vector<std::string> finish(const std::string& id, RunStatus status,
                                    std::vector<store::StepRecord> steps = {},
                                    const std::string& lease_override = {}) {
        auto claimed = store->claim_due("w", kNow, 100, kNow + 60'000);
        store::Run run;
        for (auto& r : claimed)
            if (r.id == id) run = r;
        EXPECT_EQ(run.id, id);
        store::Batch b;
        b.leases.emplace_back(run.id, lease_override.empty() ? run.lease : lease_override);
        for (auto& s : steps) {
            s.run_id = run.id;
            b.insert_steps.push_back(s);
        }
        run.status = status;
        run.due_at.reset();
        run.reason = status == RunStatus::failed ? "step send failed" : "";
        run.updated_at = kNow + 5;
        b.update_runs.push_back(run);
        auto lost = store->commit(b);
        std::vector<std::pair<std::string, std::string>> held;
        for (auto& r : claimed)
            if (r.id != id) held.emplace_back(r.id, r.lease);
        store->release_leases(held);
        return lost;
    }
    store::Store::Subscription subscribe(std::vector<std::string> events,
                                         const std::string& id = "sub_1") {
        store::Store::Subscription s;
        s.id = id;
        s.target_url = "https://example.test/hook";
        s.events = std::move(events);
        s.sealed_secret = "rls1.sealed";
        s.created_at = kNow;
        return store->put_subscription(s);
    }
};

TEST_F(Outbox, AStartedRunIsAnEventWithItsInputsAndContact) {
    auto r = new_run("r1", version, "email:ana@acme.test");
    r.context = nlohmann::json{{"inputs", {{"email", "ana@acme.test"}, {"first_name", "Ana"}}}};
    store->create_runs({r}, kNow);
    auto events = all_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "run.started");
    EXPECT_EQ(events[0].occurred_at, kNow);
    auto data = data_of(events[0]);
    EXPECT_EQ(data["run_id"], "r1");
    EXPECT_EQ(data["workflow"], "wf");
    EXPECT_EQ(data["contact"], "email:ana@acme.test");
    EXPECT_EQ(data["inputs"]["first_name"], "Ana");
    // The same key again starts nothing: no second event.
    store->create_runs({r}, kNow + 1);
    EXPECT_EQ(all_events().size(), 1u);
}

TEST_F(Outbox, RunEndsAndSentActionStepsAreEvents) {
    store->create_runs({new_run("ok", version), new_run("bad", version)}, kNow);
    auto sent = step_row(named("ok"), 1, StepStatus::succeeded);
    sent.finished_at = kNow + 3;
    auto builtin = step_row(named("ok"), 2, StepStatus::done);
    builtin.kind = "set";
    builtin.step_id = "note";
    EXPECT_TRUE(finish("ok", RunStatus::completed, {sent, builtin}).empty());
    EXPECT_TRUE(finish("bad", RunStatus::failed).empty());
    EXPECT_EQ(types(), (std::vector<std::string>{"run.started", "run.started", "step.sent",
                                                 "run.completed", "run.failed"}));
    auto events = all_events();
    auto step = data_of(events[2]);
    EXPECT_EQ(step["run_id"], "ok");
    EXPECT_EQ(step["step"], "send");
    EXPECT_EQ(step["kind"], "sendgrid.send");
    EXPECT_EQ(step["message_id"], "ok.send.1");
    EXPECT_EQ(events[2].occurred_at, kNow + 3);
    EXPECT_EQ(data_of(events[3])["status"], "completed");
    EXPECT_EQ(data_of(events[4])["reason"], "step send failed");
    EXPECT_EQ(events[4].occurred_at, kNow + 5);
}

TEST_F(Outbox, AStepStartedThenSucceededIsSentOnce) {
    store->create_runs({new_run("r", version)}, kNow);
    auto claimed = store->claim_due("w", kNow, 1, kNow + 60'000);
    ASSERT_EQ(claimed.size(), 1u);
    store::Batch start;
    start.leases.emplace_back("r", claimed[0].lease);
    start.insert_steps.push_back(step_row(claimed[0], 1, StepStatus::started));
    store->commit(start);
    EXPECT_EQ(types(), (std::vector<std::string>{"run.started"}));
    store::Batch done;
    done.leases.emplace_back("r", claimed[0].lease);
    auto ok = step_row(claimed[0], 1, StepStatus::succeeded);
    ok.finished_at = kNow + 9;
    done.update_steps.push_back(ok);
    store->commit(done);
    done.update_steps[0].detail = "again";  // rewritten as succeeded: not sent twice
    store->commit(done);
    EXPECT_EQ(types(), (std::vector<std::string>{"run.started", "step.sent"}));
}

TEST_F(Outbox, ACommitThatWritesNothingRecordsNoEvent) {
    store->create_runs({new_run("r", version)}, kNow);
    // A worker that lost its lease: the batch writes nothing, so the feed says nothing.
    auto lost = finish("r", RunStatus::completed, {step_row(named("r"), 1, StepStatus::succeeded)},
                       "w.stale");
    EXPECT_EQ(lost, (std::vector<std::string>{"r"}));
    EXPECT_EQ(types(), (std::vector<std::string>{"run.started"}));
}

TEST_F(Outbox, CancelledRunsExitAndRepliesBouncesUnsubscribesAreEvents) {
    store->create_runs({new_run("r", version, "email:bo@acme.test")}, kNow);
    store::StepRecord note;
    note.step_id = "-";
    note.kind = "cancel";
    note.status = StepStatus::stopped;
    EXPECT_EQ(store->cancel_run("r", "cancelled by an operator", note, kNow + 1),
              store::Store::CancelOutcome::cancelled);
    for (const char* type : {"replied", "opened", "bounced", "unsubscribed"}) {
        store::Event e;
        e.event_id = std::string("e-") + type;
        e.contact_key = "email:bo@acme.test";
        e.type = type;
        e.run_id = "r";
        e.occurred_at = kNow + 2;
        e.recorded_at = kNow + 2;
        e.data = nlohmann::json{{"soft", false}};
        EXPECT_TRUE(store->record_event(e));
        EXPECT_FALSE(store->record_event(e));  // a provider's retry: recorded once
    }
    EXPECT_EQ(types(), (std::vector<std::string>{"run.started", "run.exited", "contact.replied",
                                                 "contact.bounced", "contact.unsubscribed"}));
    auto reply = data_of(all_events()[2]);
    EXPECT_EQ(reply["contact"], "email:bo@acme.test");
    EXPECT_EQ(reply["event_id"], "e-replied");
    EXPECT_EQ(reply["run_id"], "r");
    EXPECT_EQ(reply["data"]["soft"], false);
}

TEST_F(Outbox, TheFeedPagesBothWaysAndFiltersByType) {
    for (int i = 0; i < 5; ++i)
        store->create_runs({new_run("r" + std::to_string(i), version)}, kNow);
    store->create_runs({new_run("x", version)}, kNow);
    finish("x", RunStatus::completed);
    EXPECT_EQ(store->feed_head(), 7);
    store::Store::FeedQuery q;
    q.limit = 2;
    auto page1 = store->feed(q);
    ASSERT_EQ(page1.size(), 2u);
    EXPECT_EQ(page1[0].seq, 1);
    q.after = page1.back().seq;
    auto page2 = store->feed(q);
    ASSERT_EQ(page2.size(), 2u);
    EXPECT_EQ(page2[0].seq, 3);
    q.after = 0;
    q.descending = true;
    auto newest = store->feed(q);
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest[0].seq, 7);
    EXPECT_EQ(newest[0].type, "run.completed");
    q.after = 7;
    EXPECT_EQ(store->feed(q)[0].seq, 6);
    store::Store::FeedQuery only;
    only.types = {"run.completed"};
    auto done = store->feed(only);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].seq, 7);
}

TEST_F(Outbox, ASubscriptionGetsDeliveriesOfWhatItWantsFromItsCreationOn) {
    store->create_runs({new_run("before", version)}, kNow);
    auto sub = subscribe({"run.completed"});
    EXPECT_EQ(sub.cursor, 1);  // the feed's head at creation
    store->create_runs({new_run("after", version)}, kNow);
    finish("after", RunStatus::completed);
    EXPECT_EQ(store->fan_out_deliveries(kNow + 10, 1000), 1);
    EXPECT_EQ(store->fan_out_deliveries(kNow + 10, 1000), 0);  // the cursor moved on
    EXPECT_EQ(store->get_subscription("sub_1")->cursor, store->feed_head());
    auto due = store->due_deliveries(kNow + 10, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].event.type, "run.completed");
    EXPECT_EQ(due[0].target_url, "https://example.test/hook");
    EXPECT_EQ(due[0].sealed_secret, "rls1.sealed");
    EXPECT_EQ(due[0].attempts, 0);
    EXPECT_EQ(store->outbox_figures().pending, 1);
    EXPECT_EQ(store->outbox_figures().oldest_pending_at, kNow + 10);

    // A failure: due again at next_at, not before.
    store->record_deliveries(
        {{"sub_1", due[0].event_seq, Result::retry, kNow + 1000, 500, "HTTP 500"}}, kNow + 11);
    EXPECT_TRUE(store->due_deliveries(kNow + 999, 10).empty());
    auto again = store->due_deliveries(kNow + 1000, 10);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].attempts, 1);
    store->record_deliveries({{"sub_1", due[0].event_seq, Result::delivered, 0, 204, ""}},
                             kNow + 1001);
    EXPECT_TRUE(store->due_deliveries(kNow + 5000, 10).empty());
    EXPECT_EQ(store->outbox_figures().pending, 0);
    auto rows = store->deliveries_of("sub_1");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].status, "delivered");
    EXPECT_EQ(rows[0].attempts, 2);
    EXPECT_EQ(rows[0].last_status_code, 204);
}

TEST_F(Outbox, FanOutIsBoundedPerPass) {
    subscribe({"run.started"});
    for (int i = 0; i < 5; ++i)
        store->create_runs({new_run("r" + std::to_string(i), version)}, kNow);
    EXPECT_EQ(store->fan_out_deliveries(kNow, 2), 2);
    EXPECT_EQ(store->fan_out_deliveries(kNow, 2), 2);
    EXPECT_EQ(store->fan_out_deliveries(kNow, 2), 1);
    EXPECT_EQ(store->fan_out_deliveries(kNow, 2), 0);
    EXPECT_EQ(store->deliveries_of("sub_1").size(), 5u);
}

TEST_F(Outbox, GoneDisablesTheSubscriptionAndDropsItsOtherDeliveries) {
    subscribe({"run.started"});
    subscribe({"run.started"}, "sub_2");
    store->create_runs({new_run("a", version), new_run("b", version)}, kNow);
    EXPECT_EQ(store->fan_out_deliveries(kNow, 100), 4);
    store->record_deliveries({{"sub_1", 1, Result::gone, 0, 410, ""}}, kNow + 1);
    auto sub = store->get_subscription("sub_1");
    ASSERT_TRUE(sub);
    EXPECT_EQ(sub->disabled_at, kNow + 1);
    EXPECT_FALSE(sub->disabled_reason.empty());
    for (const auto& row : store->deliveries_of("sub_1")) EXPECT_EQ(row.status, "dropped");
    auto due = store->due_deliveries(kNow + 1, 10);
    ASSERT_EQ(due.size(), 2u);  // sub_2's only
    for (const auto& d : due) EXPECT_EQ(d.subscription_id, "sub_2");
    // A disabled subscription gets nothing new.
    store->create_runs({new_run("c", version)}, kNow);
    EXPECT_EQ(store->fan_out_deliveries(kNow + 2, 100), 1);
    EXPECT_EQ(store->outbox_figures().pending, 3);
}

TEST_F(Outbox, DeletingASubscriptionDeletesItsDeliveries) {
    subscribe({"run.started"});
    store->create_runs({new_run("a", version)}, kNow);
    store->fan_out_deliveries(kNow, 100);
    EXPECT_TRUE(store->delete_subscription("sub_1"));
    EXPECT_FALSE(store->delete_subscription("sub_1"));
    EXPECT_FALSE(store->get_subscription("sub_1"));
    EXPECT_TRUE(store->deliveries_of("sub_1").empty());
    EXPECT_EQ(store->outbox_figures().pending, 0);
}

TEST_F(Outbox, SubscriptionsPageByCreation) {
    for (int i = 0; i < 5; ++i) {
        store::Store::Subscription s;
        s.id = "sub_" + std::string(1, static_cast<char>('e' - i));  // ids against the order
        s.target_url = "https://example.test/" + std::to_string(i);
        s.events = {"run.started", "run.failed"};
        s.sealed_secret = "x";
        s.created_at = kNow + i;
        store->put_subscription(s);
    }
    auto first = store->list_subscriptions(0, "", 2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, "sub_e");
    EXPECT_EQ(first[0].events, (std::vector<std::string>{"run.started", "run.failed"}));
    auto rest = store->list_subscriptions(first[1].created_at, first[1].id, 10);
    ASSERT_EQ(rest.size(), 3u);
    EXPECT_EQ(rest[0].id, "sub_c");
    EXPECT_EQ(rest[2].id, "sub_a");
}

TEST_F(Outbox, PendingDeliveriesAndTheFeedSurviveAReopen) {
    subscribe({"run.started"});
    store->create_runs({new_run("a", version)}, kNow);
    store->fan_out_deliveries(kNow, 100);
    store.reset();
    store = store::open_sqlite(path);
    EXPECT_EQ(store->feed_head(), 1);
    auto due = store->due_deliveries(kNow, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].event.type, "run.started");
}

}  // namespace
}  // namespace relance::test
