// One run while this worker holds its lease: its state as claimed and advanced in memory, and
// the one action or reconciliation it is at (YAML runs do one thing at a time).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/host/plugin_host.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

#include "workflow_cache.hpp"

namespace relance::runtime {

// An action step the run reached and the gates have not admitted yet.
struct ActionCandidate {
    const model::Node* node = nullptr;
    const model::ActionSpec* spec = nullptr;  // nullptr: the plugin or action is not loaded
    std::string kind;                         // "sendgrid.send"
    std::vector<std::string> sender_names;    // pools or accounts the step sends from
};

// Where a call writes what it got back: shared by the run and the dispatcher's thread, so a call
// that outlives its run (a plugin past its deadline at shutdown) writes into live memory.
struct CallResult {
    std::optional<host::ActionOutcome> outcome;
    std::optional<host::ReconcileOutcome> reconciled;
};

struct ActiveRun {
    store::Run run;
    // Held while the run is: the cache may drop a version that runs still use.
    std::shared_ptr<const CompiledWorkflow> wf;
    nlohmann::json scope;           // context + "contact" (the inputs) + "run"
    std::vector<std::string> keys;  // every identity of the contact: events under any stop it
    bool stopped = false;           // this claim ended: the run's state is in a batch
    bool lost = false;              // the lease was lost: nothing more may be written for it
    int steps = 0;                  // steps executed in this claim (loop guard)
    std::string last_note;          // the latest timeline line: why a waiting run waits
    // Step id -> the row (seq) its output is kept in: the context written names the row
    // instead of holding the output twice (EffectLog::context_text).
    std::map<std::string, std::int64_t> output_rows;

    std::optional<ActionCandidate> candidate;
    // The effect in flight: its step row, the call, and what came back.
    std::optional<std::int64_t> inflight_seq;
    std::string sender;  // the account the call sends from ("" when none)
    host::LoadedPlugin* plugin = nullptr;
    host::ActionRequest request;
    bool reconciling = false;  // the call in flight is a reconcile(), not the action
    bool recovering = false;   // that reconcile is about an effect found pending at the claim
    std::string reconcile_why;
    std::optional<host::ActionOutcome> outcome;
    std::optional<host::ReconcileOutcome> reconciled;  // nullopt with reconciling: cannot tell
    std::shared_ptr<CallResult> result;                // while the call is in flight
    std::string probing;            // the paused account this call probes ("" when none)
    bool holds_doubt_slot = false;  // its call, not safe to repeat, is out (see Executor::room)
    std::uint64_t order = 0;        // claim order: lockstep applies outcomes in it
    std::uint64_t group = 0;        // lockstep: the group of calls its call went out with

    const model::Node& node() const {
        return wf->program.nodes.at(static_cast<std::size_t>(run.node));
    }
};

}  // namespace relance::runtime
