#include <map>
#include <nlohmann/json.hpp>
#include <relance/base/digest.hpp>
#include <relance/calendar/holidays.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/runs.hpp>
#include <relance/runtime/time_text.hpp>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "workflow_cache.hpp"

namespace relance::runtime {

namespace {

// The contact's time zone and country feed the send window and the holidays. A value relance
// cannot use is passed over (the workflow's setting applies): say so when the run starts, not
// silently at the first send.
void check_zone_and_country(const model::Workflow& wf, const json& inputs, const std::string& place,
                            std::vector<RecordWarning>& out) {
    auto text = [&](const std::string& name) -> std::string {
        if (name.empty()) return {};
        auto it = inputs.find(name);
        return it != inputs.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    const auto& sc = wf.schedule;
    if (std::string zone = text(sc.timezone_input); !zone.empty()) {
        try {
            calendar::find_zone(zone);
        } catch (const std::exception&) {
            std::string instead = !sc.timezone.empty()
                                      ? "the workflow's zone " + sc.timezone
                                      : "the workflow's or sender's zone (else UTC)";
            out.push_back({place, sc.timezone_input,
                           "'" + zone + "' is not an IANA time zone (e.g. Europe/Paris); " +
                               instead + " is used for this contact"});
        }
    }
    if (std::string country = text(sc.country_input); !country.empty()) {
        try {
            calendar::normalize_country(country);
        } catch (const std::exception&) {
            std::string shipped;
            for (const auto& c : calendar::supported_countries())
                shipped += (shipped.empty() ? "" : ", ") + c;
            out.push_back({place, sc.country_input,
                           "no holiday calendar for '" + country + "' (relance has " + shipped +
                               "); only the workflow's calendars apply to this contact"});
        }
    }
}

}  // namespace

std::string idempotency_key(const json& record) {
    if (record.is_object() && record.contains("id")) {
        const json& id = record["id"];
        if (id.is_string() && !id.get<std::string>().empty()) return "id:" + id.get<std::string>();
        if (id.is_number()) return "id:" + id.dump();
    }
    // nlohmann::json objects are ordered maps: dump() is canonical for equal records.
    return "sha256:" + sha256_hex(record.dump(), 32);
}

namespace {

// Contacts started by this call, kept as 64-bit hashes in an open-addressing table: 16 bytes
// per contact instead of a string in a tree node (about 100), so that a million-row input stays
// small. Two contacts sharing a hash (odds about n^2 / 2^65) would make the second one "appear
// twice".
class SeenContacts {
  public:
    bool contains(std::string_view key) const {
        if (slots_.empty()) return false;
        std::uint64_t h = hash(key);
        for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
            if (slots_[i] == h) return true;
            if (slots_[i] == 0) return false;
        }
    }
    void insert(std::string_view key) {
        if ((count_ + 1) * 2 > slots_.size()) grow();
        if (place(hash(key))) ++count_;
    }

  private:
    static std::uint64_t hash(std::string_view key) {
        std::uint64_t x = stable_hash(key) + 0x9e3779b97f4a7c15ull;  // splitmix64 finaliser
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        x ^= x >> 31;
        return x == 0 ? 1 : x;  // 0 marks an empty slot
    }
    bool place(std::uint64_t h) {
        for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
            if (slots_[i] == h) return false;
            if (slots_[i] == 0) {
                slots_[i] = h;
                return true;
            }
        }
    }
    void grow() {
        std::vector<std::uint64_t> old = std::move(slots_);
        slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
        for (std::uint64_t h : old)
            if (h) place(h);
    }
    std::vector<std::uint64_t> slots_;
    std::size_t count_ = 0;
};

// Starts runs from records, a chunk at a time: each record is checked on its own first (inputs,
// idempotency key, contact), then the chunk asks the store once which keys already have runs and
// which contacts have unfinished ones, then its new runs are created in one transaction. The
// store is not written between a chunk's look-ups and its creation, so the outcome is the one
// record-by-record checks would give.
class RunStarter {
  public:
    // `version_id`: the workflow's stored version when the caller knows it (a deployed one);
    // 0 = store it now (by content hash: the same text is stored once).
    RunStarter(store::Store& store, const model::Workflow& wf, const Clock& clock,
               StartObserver& observer, std::size_t chunk, std::int64_t version_id = 0)
        : store_(store), wf_(wf), observer_(observer), chunk_(chunk ? chunk : 1) {
        now_ = to_unix_ms(clock.now());
        version_id_ =
            version_id ? version_id
                       : store.put_workflow_version(wf.name, wf.version, wf.file, wf.source, now_);
        pending_.reserve(std::min<std::size_t>(chunk_, 4096));
    }

    // `key`: the idempotency key its caller chose (a webhook's); "" = idempotency_key(record).
    void add(const json& record, const std::string& where, const std::string& problem,
             std::string key = {}) {
        std::size_t index = ++counts.records;
        std::string place = where.empty() ? "record " + std::to_string(index) : where;
        if (!problem.empty()) {
            reject({index, place, {{"", problem}}});
            return;
        }
        std::vector<model::InputProblem> problems;
        json inputs = model::coerce_inputs(wf_, record, problems);
        if (!problems.empty()) {
            reject({index, place, std::move(problems)});
            return;
        }
        Pending p;
        p.index = index;
        p.place = std::move(place);
        p.key = key.empty() ? idempotency_key(record) : std::move(key);
        p.contact = contact_key_from_inputs(inputs, &p.identity_problems);
        p.inputs = std::move(inputs);
        pending_.push_back(std::move(p));
        if (pending_.size() >= chunk_) flush(store::Durability::deferred);
    }

    // Starts what is pending and returns once every run started is on the disk: a chunk full
    // in the middle of an import commits without waiting for the disk, the end waits once for
    // all of them (an import is as fast as the disk writes, not as its syncs).
    void finish() {
        flush(store::Durability::synced);
        if (unsynced_) store_.sync();
        unsynced_ = false;
    }

    void flush(store::Durability durability) {
        if (pending_.empty()) return;
        std::set<std::string> existing;
        {
            std::vector<std::string> keys;
            keys.reserve(pending_.size());
            for (const auto& p : pending_) keys.push_back(p.key);
            for (auto& k : store_.existing_run_keys(wf_.name, keys)) existing.insert(std::move(k));
        }
        active_.clear();
        if (wf_.enrollment.skip_if != model::Enrollment::Skip::never) {
            std::vector<std::string> contacts;
            for (const auto& p : pending_)
                if (!p.contact.empty()) contacts.push_back(p.contact);
            if (!contacts.empty())
                for (auto& r : store_.active_runs_of(contacts))
                    active_[r.contact_key].push_back(std::move(r));
        }
        std::vector<store::NewRun> fresh;
        for (auto& p : pending_) {
            // A record started before is a duplicate (a retried webhook), whatever the policy
            // says.
            if (existing.count(p.key)) {
                ++counts.duplicates;
                observer_.duplicate(p.key);
                continue;
            }
            // An address that cannot be one (a@, +33 12) is refused now, naming the column,
            // rather than failing at the first send.
            if (!p.identity_problems.empty()) {
                std::vector<model::InputProblem> ps;
                for (const auto& m : p.identity_problems)
                    ps.push_back({m.substr(0, m.find(':')), m.substr(m.find(':') + 2)});
                reject({p.index, p.place, std::move(ps)});
                continue;
            }
            if (auto why = enrollment_refusal(p.contact); !why.empty()) {
                ++counts.skipped;
                observer_.skipped({p.place, p.contact, why});
                continue;
            }
            if (!p.contact.empty()) seen_.insert(p.contact);
            std::vector<RecordWarning> warnings;
            check_zone_and_country(wf_, p.inputs, p.place, warnings);
            for (const auto& w : warnings) {
                ++counts.warnings;
                observer_.warning(w);
            }
            store::NewRun r;
            r.id = store::run_id_for(wf_.name, p.key);
            r.workflow_version_id = version_id_;
            r.workflow_name = wf_.name;
            r.idempotency_key = std::move(p.key);
            r.contact_key = std::move(p.contact);
            r.identity_keys = identity_keys_from_inputs(p.inputs);
            r.context = {{"inputs", std::move(p.inputs)},
                         {"steps", json::object()},
                         {"vars", json::object()}};
            r.due_at = now_;
            fresh.push_back(std::move(r));
        }
        pending_.clear();
        if (fresh.empty()) return;
        auto created = store_.create_runs(fresh, now_, durability);
        unsynced_ = durability == store::Durability::deferred;
        for (std::size_t i = 0; i < fresh.size(); ++i) {
            if (created[i]) {
                ++counts.started;
                observer_.started(fresh[i].id);
            } else {
                ++counts.duplicates;
                observer_.duplicate(fresh[i].idempotency_key);
            }
        }
    }

    StartCounts counts;

  private:
    bool unsynced_ = false;  // a chunk was committed without waiting for the disk

    // A record whose own checks passed, waiting for its chunk's look-ups.
    struct Pending {
        std::size_t index = 0;
        std::string place;
        json inputs;
        std::string key;
        std::string contact;
        std::vector<std::string> identity_problems;
    };

    void reject(RejectedRecord r) {
        ++counts.rejected;
        observer_.rejected(r);
    }

    // Why the workflow's enrollment policy refuses this contact now; empty when it may start.
    // Contacts without any identifier cannot be matched and are always enrolled.
    std::string enrollment_refusal(const std::string& contact) {
        using Skip = model::Enrollment::Skip;
        const auto& policy = wf_.enrollment;
        if (contact.empty()) return {};
        if (policy.skip_if != Skip::never) {
            if (seen_.contains(contact)) return "appears twice in this input";
            if (auto it = active_.find(contact); it != active_.end())
                for (const auto& run : it->second) {
                    if (policy.skip_if == Skip::active_here && run.workflow_name != wf_.name)
                        continue;
                    return std::string("already active ") +
                           (run.workflow_name == wf_.name ? "in this workflow"
                                                          : "in workflow " + run.workflow_name) +
                           " (run " + run.run_id + ")";
                }
        }
        if (policy.cooldown.count() > 0) {
            if (auto last = store_.last_enrolled(contact);
                last && now_ - *last < policy.cooldown.count())
                return "enrolled less than the cooldown ago (last on " + format_short(*last) + "Z)";
        }
        return {};
    }

    store::Store& store_;
    const model::Workflow& wf_;
    StartObserver& observer_;
    std::size_t chunk_;
    std::int64_t now_ = 0;
    std::int64_t version_id_ = 0;
    std::vector<Pending> pending_;
    std::map<std::string, std::vector<store::ContactRun>> active_;  // of this chunk
    SeenContacts seen_;
};

// Collects what start_runs reports into a StartResult (the in-memory form).
class CollectingObserver final : public StartObserver {
  public:
    explicit CollectingObserver(StartResult& result) : r_(result) {}
    void started(const std::string& run_id) override { r_.started.push_back(run_id); }
    void duplicate(const std::string& key) override { r_.duplicates.push_back(key); }
    void rejected(const RejectedRecord& record) override { r_.rejected.push_back(record); }
    void skipped(const SkippedRecord& record) override { r_.skipped.push_back(record); }
    void warning(const RecordWarning& warning) override { r_.warnings.push_back(warning); }

  private:
    StartResult& r_;
};

}  // namespace

StartCounts start_runs(store::Store& store, const model::Workflow& wf, RecordReader& records,
                       const Clock& clock, StartObserver& observer, const StartOptions& options) {
    RunStarter starter(store, wf, clock, observer, options.chunk);
    InputRecord record;
    try {
        while (records.next(record)) starter.add(record.value, record.where, record.problem);
    } catch (const InputError& e) {
        starter.counts.input_error = e.what();  // what was read before it is started below
    }
    starter.finish();
    return starter.counts;
}

namespace {

// Tells start_each's outcomes apart by record: a rejected or skipped record by its place (its
// index), a started or duplicate one by its key (keys are unique in one call: the run intake
// answers a repeated key itself).
class OutcomeObserver final : public StartObserver {
  public:
    OutcomeObserver(const std::vector<KeyedRecord>& records, std::vector<StartOutcome>& out)
        : out_(out) {
        for (std::size_t i = 0; i < records.size(); ++i) {
            by_key_.emplace(records[i].key, i);
            by_run_.emplace(out[i].run_id, i);
        }
    }
    void started(const std::string& run_id) override {
        if (auto it = by_run_.find(run_id); it != by_run_.end())
            out_[it->second].kind = StartOutcome::started;
    }
    void duplicate(const std::string& key) override {
        if (auto it = by_key_.find(key); it != by_key_.end())
            out_[it->second].kind = StartOutcome::duplicate;
    }
    void rejected(const RejectedRecord& r) override {
        out_[r.index - 1].kind = StartOutcome::rejected;
        out_[r.index - 1].problems = r.problems;
    }
    void skipped(const SkippedRecord& k) override {
        std::size_t i = std::stoul(k.where);
        out_[i].kind = StartOutcome::skipped;
        out_[i].reason = k.reason;
    }
    void warning(const RecordWarning& w) override {
        out_[std::stoul(w.where)].warnings.push_back(w);
    }

  private:
    std::vector<StartOutcome>& out_;
    std::unordered_map<std::string, std::size_t> by_key_, by_run_;
};

}  // namespace

std::vector<StartOutcome> start_each(store::Store& store, const model::Workflow& wf,
                                     std::int64_t version_id, std::vector<KeyedRecord> records,
                                     const Clock& clock) {
    std::vector<StartOutcome> out(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].key.empty()) records[i].key = idempotency_key(*records[i].record);
        out[i].run_id = store::run_id_for(wf.name, records[i].key);
    }
    OutcomeObserver observer(records, out);
    RunStarter starter(store, wf, clock, observer, records.size(), version_id);
    for (std::size_t i = 0; i < records.size(); ++i)
        starter.add(*records[i].record, std::to_string(i), std::string(), records[i].key);
    starter.finish();
    return out;
}

StartResult start_runs(store::Store& store, const model::Workflow& wf,
                       const std::vector<json>& records, const std::vector<std::string>& where,
                       const Clock& clock) {
    StartResult result;
    CollectingObserver observer(result);
    // One transaction for the whole list, as before: callers hold it in memory anyway.
    RunStarter starter(store, wf, clock, observer, records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
        starter.add(records[i], i < where.size() ? where[i] : std::string(), std::string());
    starter.finish();
    return result;
}

void resolve_in_doubt(store::Store& store, const std::string& run_id, Resolution how,
                      const Clock& clock) {
    auto run = store.get_run(run_id);
    if (!run) throw std::runtime_error("no run " + run_id);
    // Only a run paused *because* of an in-doubt step: an old in-doubt row must not be settled
    // for a run paused for another reason.
    if (run->status != store::RunStatus::paused || run->reason.rfind("in doubt:", 0) != 0)
        throw std::runtime_error("run " + run_id + " is " + store::to_string(run->status) +
                                 (run->reason.empty() ? "" : " (" + run->reason + ")") +
                                 ", not paused on an in-doubt step");
    auto steps = store.list_steps(run_id);
    const store::StepRecord* doubt = nullptr;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
        if (it->status == store::StepStatus::in_doubt) {
            doubt = &*it;
            break;
        }
    if (!doubt) throw std::runtime_error("run " + run_id + " has no in-doubt step to resolve");
    std::int64_t now = to_unix_ms(clock.now());

    store::Batch batch;
    store::StepRecord note;
    note.run_id = run_id;
    note.seq = run->next_seq++;
    note.step_id = doubt->step_id;
    note.kind = doubt->kind;
    note.status = store::StepStatus::resolved;
    note.attempt = doubt->attempt;
    note.started_at = now;
    note.finished_at = now;
    note.message_id = doubt->message_id;
    note.detail = how == Resolution::sent
                      ? "resolved by an operator as sent: the step is done, the run goes on"
                      : "resolved by an operator as not sent: the step runs again";
    batch.insert_steps.push_back(note);

    if (how == Resolution::sent) {
        // Move past the step, exactly as a success would, on the run's pinned version (as the
        // worker reads it: a version it cannot run cannot be moved along either).
        std::shared_ptr<const CompiledWorkflow> wf;
        try {
            wf = WorkflowCache(store, nullptr).load(run->workflow_version_id);
        } catch (const std::exception& e) {
            throw std::runtime_error("run " + run_id +
                                     ": cannot load its workflow version: " + e.what());
        }
        (*run->context)["steps"][doubt->step_id] = {
            {"status", "succeeded"}, {"output", json::object()}, {"resolved", "sent"}};
        run->node = wf->program.nodes.at(static_cast<std::size_t>(run->node)).next;
        run->attempt = 1;
        run->message_id.clear();
    } else {
        // Not sent: it no longer counts against its sender account's limits.
        batch.delete_sends.emplace_back(run_id, doubt->seq);
    }
    run->status = store::RunStatus::ready;
    run->due_at = now;
    run->reason.clear();
    run->updated_at = now;
    batch.update_runs.push_back(*run);
    store.commit(batch);
}

RunSteps::RunSteps(store::Store& store)
    : versions_(std::make_unique<WorkflowCache>(store, nullptr)) {}
RunSteps::~RunSteps() = default;

std::string RunSteps::step_id(const store::Run& run) {
    auto wf = versions_->find(run.workflow_version_id);
    if (!wf || run.node < 0 || run.node >= static_cast<int>(wf->program.nodes.size())) return "-";
    return wf->program.nodes[static_cast<std::size_t>(run.node)].step->id;
}

}  // namespace relance::runtime
