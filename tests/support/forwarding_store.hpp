// A store that forwards every call to another: tests derive from it to inject faults into one
// method (a full disk on commit, say) while everything else runs on a real SQLite store.
#pragma once

#include <relance/store/store.hpp>

namespace relance::test {
namespace forwarding {
using namespace relance::store;  // the interface's own names, for the signatures below

class ForwardingStore : public Store {
  public:
    explicit ForwardingStore(Store& inner_store) : inner(inner_store) {}

    std::int64_t put_workflow_version(const std::string& name, const std::string& version,
                                      const std::string& file, const std::string& source,
                                      std::int64_t now) override {
        return inner.put_workflow_version(name, version, file, source, now);
    }
    std::optional<WorkflowVersion> get_workflow_version(std::int64_t id) override {
        return inner.get_workflow_version(id);
    }
    std::vector<bool> create_runs(const std::vector<NewRun>& runs, std::int64_t now,
                                  Durability durability = Durability::synced) override {
        return inner.create_runs(runs, now, durability);
    }
    void sync() override { inner.sync(); }
    std::vector<Run> claim_due(const std::string& owner, std::int64_t now, int limit,
                               std::int64_t lease_until) override {
        return inner.claim_due(owner, now, limit, lease_until);
    }
    std::vector<std::string> lost_leases(
        const std::vector<std::pair<std::string, std::string>>& leases) override {
        return inner.lost_leases(leases);
    }
    std::vector<std::string> renew_leases(
        const std::vector<std::pair<std::string, std::string>>& leases,
        std::int64_t lease_until) override {
        return inner.renew_leases(leases, lease_until);
    }
    WorkerLock lock_worker() override { return inner.lock_worker(); }
    std::optional<std::int64_t> next_due() override { return inner.next_due(); }
    void release_all_leases() override { inner.release_all_leases(); }
    void release_leases(const std::vector<std::pair<std::string, std::string>>& leases) override {
        inner.release_leases(leases);
    }
    std::vector<std::string> commit(const Batch& batch) override { return inner.commit(batch); }
    std::vector<PendingEffect> pending_effects(const std::string& run_id) override {
        return inner.pending_effects(run_id);
    }
    std::optional<Run> get_run(const std::string& id) override { return inner.get_run(id); }
    std::vector<Run> list_runs(const RunFilter& filter) override { return inner.list_runs(filter); }
    std::vector<StepRecord> list_steps(const std::string& run_id) override {
        return inner.list_steps(run_id);
    }
    std::map<std::int64_t, json> step_outputs(const std::string& run_id) override {
        return inner.step_outputs(run_id);
    }
    RunCounts count_runs() override { return inner.count_runs(); }
    bool record_event(const Event& event, const Suppression* suppression) override {
        return inner.record_event(event, suppression);
    }
    std::vector<Event> events_for(const std::vector<std::string>& contact_keys,
                                  std::int64_t since) override {
        return inner.events_for(contact_keys, since);
    }
    std::vector<Run> active_runs_for(const std::string& contact_key) override {
        return inner.active_runs_for(contact_key);
    }
    std::optional<std::int64_t> last_enrolled(const std::string& contact_key) override {
        return inner.last_enrolled(contact_key);
    }
    bool exit_idle_run(const std::string& run_id, const std::string& reason, const StepRecord& note,
                       std::int64_t now) override {
        return inner.exit_idle_run(run_id, reason, note, now);
    }
    bool wake_idle_run(const std::string& run_id, std::int64_t now) override {
        return inner.wake_idle_run(run_id, now);
    }
    void put_api_key(const ApiKeyRow& key) override { inner.put_api_key(key); }
    std::vector<ApiKeyRow> list_api_keys() override { return inner.list_api_keys(); }
    std::optional<ApiKeyRow> api_key_by_prefix(const std::string& prefix) override {
        return inner.api_key_by_prefix(prefix);
    }
    bool revoke_api_key(const std::string& id, std::int64_t now) override {
        return inner.revoke_api_key(id, now);
    }
    Deployment deploy_workflow(const std::string& name, std::int64_t version,
                               std::int64_t now) override {
        return inner.deploy_workflow(name, version, now);
    }
    std::vector<Deployment> deployments() override { return inner.deployments(); }
    std::int64_t deployment_seq() override { return inner.deployment_seq(); }
    std::optional<std::int64_t> cron_slot(const std::string& key) override {
        return inner.cron_slot(key);
    }
    void set_cron_slot(const std::string& key, std::int64_t slot) override {
        inner.set_cron_slot(key, slot);
    }
    void put_secret(const StoredSecret& secret) override { inner.put_secret(secret); }
    std::optional<StoredSecret> get_secret(const std::string& scope,
                                           const std::string& name) override {
        return inner.get_secret(scope, name);
    }
    std::vector<StoredSecret> list_secrets() override { return inner.list_secrets(); }
    bool delete_secret(const std::string& scope, const std::string& name) override {
        return inner.delete_secret(scope, name);
    }
    std::string tracking_key(const std::string& candidate, std::int64_t now) override {
        return inner.tracking_key(candidate, now);
    }
    bool reseal_tracking_key(const std::string& plain, const std::string& sealed) override {
        return inner.reseal_tracking_key(plain, sealed);
    }
    // outbound webhooks (helper A)
    std::vector<FeedEvent> feed(const FeedQuery& q) override { return inner.feed(q); }
    std::int64_t feed_head() override { return inner.feed_head(); }
    Subscription put_subscription(const Subscription& s) override {
        return inner.put_subscription(s);
    }
    std::vector<Subscription> list_subscriptions(std::int64_t after_at, const std::string& after,
                                                 int limit) override {
        return inner.list_subscriptions(after_at, after, limit);
    }
    std::optional<Subscription> get_subscription(const std::string& id) override {
        return inner.get_subscription(id);
    }
    bool delete_subscription(const std::string& id) override {
        return inner.delete_subscription(id);
    }
    std::int64_t fan_out_deliveries(std::int64_t now, int limit) override {
        return inner.fan_out_deliveries(now, limit);
    }
    std::vector<Delivery> due_deliveries(std::int64_t now, int limit) override {
        return inner.due_deliveries(now, limit);
    }
    void record_deliveries(const std::vector<DeliveryOutcome>& o, std::int64_t now) override {
        inner.record_deliveries(o, now);
    }
    OutboxFigures outbox_figures() override { return inner.outbox_figures(); }
    std::vector<DeliveryRow> deliveries_of(const std::string& id) override {
        return inner.deliveries_of(id);
    }
    CancelOutcome cancel_run(const std::string& run_id, const std::string& reason,
                             const StepRecord& note, std::int64_t now) override {
        return inner.cancel_run(run_id, reason, note, now);
    }
    bool retry_failed_run(const std::string& run_id, const StepRecord& note,
                          std::int64_t now) override {
        return inner.retry_failed_run(run_id, note, now);
    }
    bool put_suppression(const Suppression& entry) override { return inner.put_suppression(entry); }
    std::optional<Suppression> get_suppression(const std::string& kind,
                                               const std::string& value) override {
        return inner.get_suppression(kind, value);
    }
    bool delete_suppression(const std::string& kind, const std::string& value) override {
        return inner.delete_suppression(kind, value);
    }
    std::vector<Suppression> list_suppressions() override { return inner.list_suppressions(); }
    std::int64_t suppression_generation() override { return inner.suppression_generation(); }
    void put_account_pause(const AccountPause& pause) override { inner.put_account_pause(pause); }
    bool delete_account_pause(const std::string& key) override {
        return inner.delete_account_pause(key);
    }
    std::vector<AccountPause> list_account_pauses() override { return inner.list_account_pauses(); }
    std::optional<std::size_t> resume_account(const std::string& key, std::int64_t now) override {
        return inner.resume_account(key, now);
    }
    std::vector<Send> sends_of(const std::string& sender, std::int64_t since) override {
        return inner.sends_of(sender, since);
    }
    std::optional<std::string> first_sender(const std::string& contact_key,
                                            const std::string& channel) override {
        return inner.first_sender(contact_key, channel);
    }
    std::optional<std::int64_t> sender_first_use(const std::string& sender) override {
        return inner.sender_first_use(sender);
    }
    void record_sandbox(const std::string& plugin, const std::string& box, const json& entry,
                        std::int64_t now) override {
        inner.record_sandbox(plugin, box, entry, now);
    }
    std::vector<SandboxField> sandbox_field_since(const std::string& box, const std::string& field,
                                                  std::int64_t after_id, int limit) override {
        return inner.sandbox_field_since(box, field, after_id, limit);
    }
    std::vector<SandboxEntry> list_sandbox(const std::string& plugin, const std::string& box,
                                           int limit) override {
        return inner.list_sandbox(plugin, box, limit);
    }
    std::vector<std::string> existing_run_keys(const std::string& workflow_name,
                                               const std::vector<std::string>& keys) override {
        return inner.existing_run_keys(workflow_name, keys);
    }
    std::vector<ContactRun> active_runs_of(const std::vector<std::string>& contact_keys) override {
        return inner.active_runs_of(contact_keys);
    }
    void for_each_run(const RunFilter& filter, const std::function<bool(const Run&)>& fn) override {
        inner.for_each_run(filter, fn);
    }
    WorkflowCounts workflow_counts(const std::string& workflow) override {
        return inner.workflow_counts(workflow);
    }
    std::vector<RunTally> run_tallies() override { return inner.run_tallies(); }
    QueueFigures queue_figures(std::int64_t now) override { return inner.queue_figures(now); }
    // contacts: upsert, history, export, erase
    std::optional<ContactRecord> find_contact(const std::string& identity_key) override {
        return inner.find_contact(identity_key);
    }
    ContactUpsert upsert_contact(const std::vector<std::string>& identity_keys,
                                 const json& attributes, std::int64_t now) override {
        return inner.upsert_contact(identity_keys, attributes, now);
    }
    std::vector<Event> contact_events(const std::vector<std::string>& keys, int limit) override {
        return inner.contact_events(keys, limit);
    }
    std::vector<Run> contact_runs(const std::vector<std::string>& keys, int limit) override {
        return inner.contact_runs(keys, limit);
    }
    std::vector<Send> contact_sends(const std::vector<std::string>& keys, int limit) override {
        return inner.contact_sends(keys, limit);
    }
    std::vector<std::string> linked_identities(const std::vector<std::string>& keys) override {
        return inner.linked_identities(keys);
    }
    ContactErasure erase_contact(const std::vector<std::string>& keys,
                                 const std::vector<Suppression>& hashed,
                                 std::int64_t now) override {
        return inner.erase_contact(keys, hashed, now);
    }
    std::vector<Suppression> suppressions_page(
        const std::optional<std::pair<std::string, std::string>>& after, int limit) override {
        return inner.suppressions_page(after, limit);
    }
    std::vector<bool> put_suppressions(const std::vector<Suppression>& entries) override {
        return inner.put_suppressions(entries);
    }

  protected:
    Store& inner;
};

}  // namespace forwarding
using forwarding::ForwardingStore;
}  // namespace relance::test
