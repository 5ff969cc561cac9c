// A fresh SQLite store in a temporary directory, and small builders for its rows.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/store/store.hpp>

#include "../support/process.hpp"

namespace relance::test {

inline constexpr std::int64_t kNow = 1'700'000'000'000;

inline store::NewRun new_run(const std::string& id, std::int64_t version,
                             const std::string& contact = {}, std::vector<std::string> keys = {}) {
    store::NewRun r;
    r.id = id;
    r.workflow_version_id = version;
    r.workflow_name = "wf";
    r.idempotency_key = "key:" + id;
    r.contact_key = contact;
    r.identity_keys = std::move(keys);
    r.context = nlohmann::json{{"inputs", nlohmann::json::object()}};
    r.due_at = kNow;
    return r;
}

inline store::StepRecord step_row(const store::Run& run, std::int64_t seq,
                                  store::StepStatus status) {
    store::StepRecord s;
    s.run_id = run.id;
    s.seq = seq;
    s.step_id = "send";
    s.kind = "sendgrid.send";
    s.status = status;
    s.started_at = kNow;
    s.message_id = run.id + ".send." + std::to_string(seq);
    return s;
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path = dir / "relance.db";
        store = store::open_sqlite(path);
        version = store->put_workflow_version("wf", "1", "wf.yaml", "name: wf", kNow);
    }
    TempDir dir;
    std::string path;
    std::unique_ptr<store::Store> store;
    std::int64_t version = 0;
};

}  // namespace relance::test
