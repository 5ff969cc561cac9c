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

  protected:
    Store& inner;
};

}  // namespace forwarding
using forwarding::ForwardingStore;
}  // namespace relance::test
