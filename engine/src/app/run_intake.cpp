// Group commit of run starts: one thread takes whatever requests are queued, starts them per
// workflow in one transaction each, and hands each request its outcome.
#include "run_intake.hpp"

#include <map>

namespace relance::app {

Workspace::RunIntake::RunIntake(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Workspace::RunIntake::~RunIntake() {
    {
        std::lock_guard g(m_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

runtime::StartOutcome Workspace::RunIntake::start(std::shared_ptr<const model::Workflow> workflow,
                                                  std::int64_t version_id,
                                                  runtime::KeyedRecord record) {
    std::future<runtime::StartOutcome> result;
    {
        std::lock_guard g(m_);
        if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
        queue_.push_back(Request{std::move(workflow), version_id, std::move(record), {}});
        result = queue_.back().done.get_future();
    }
    cv_.notify_one();
    return result.get();
}

void Workspace::RunIntake::loop() {
    std::vector<Request> batch;
    for (;;) {
        {
            std::unique_lock lk(m_);
            // Queued requests are committed even when stopping: each has a caller waiting.
            cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            while (!queue_.empty() && batch.size() < kMaxBatch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        commit(batch);
        batch.clear();
    }
}

void Workspace::RunIntake::commit(std::vector<Request>& batch) {
    // One transaction per workflow version in the batch (start_each pins one version).
    std::map<const model::Workflow*, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < batch.size(); ++i) groups[batch[i].workflow.get()].push_back(i);
    for (auto& [wf, members] : groups) {
        // A key sent twice in one batch (a client retrying before its first answer) is started
        // once; the later requests get the first one's run as a duplicate.
        std::map<std::string, std::size_t> first_of_key;
        std::vector<std::size_t> unique;
        std::vector<std::pair<std::size_t, std::size_t>> repeats;  // (request, first request)
        for (std::size_t i : members) {
            std::string& key = batch[i].record.key;
            if (key.empty()) key = runtime::idempotency_key(*batch[i].record.record);
            auto [it, fresh] = first_of_key.emplace(key, i);
            if (fresh)
                unique.push_back(i);
            else
                repeats.emplace_back(i, it->second);
        }
        std::vector<runtime::KeyedRecord> records;
        records.reserve(unique.size());
        for (std::size_t i : unique) records.push_back(batch[i].record);
        try {
            auto outcomes = runtime::start_each(store_, *wf, batch[members.front()].version_id,
                                                std::move(records), clock_);
            std::map<std::size_t, runtime::StartOutcome> by_request;
            for (std::size_t k = 0; k < unique.size(); ++k) by_request[unique[k]] = outcomes[k];
            for (auto [i, first] : repeats) {
                runtime::StartOutcome o = by_request[first];
                if (o.kind == runtime::StartOutcome::started)
                    o.kind = runtime::StartOutcome::duplicate;
                o.warnings.clear();
                batch[i].done.set_value(std::move(o));
            }
            for (std::size_t k = 0; k < unique.size(); ++k)
                batch[unique[k]].done.set_value(std::move(by_request[unique[k]]));
        } catch (...) {
            for (std::size_t i : members) batch[i].done.set_exception(std::current_exception());
        }
    }
}

}  // namespace relance::app
