// The effect log: a run's timeline rows, and the effects among them. An effect (a plugin call)
// is committed as `started` right before it leaves and gets its outcome under its own id (its
// row's seq) as soon as it completes (DESIGN invariants 1 and 2). A run may have several
// effects pending; YAML runs have at most one at a time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <relance/base/clock.hpp>
#include <relance/store/store.hpp>
#include <string>

#include "active_run.hpp"
#include "sender_desk.hpp"

namespace relance::runtime {

class EffectLog {
  public:
    EffectLog(SenderDesk& senders, const Clock& clock) : senders_(senders), clock_(clock) {}

    // A new line of the run's timeline; returns its seq. `finished` false leaves it open (an
    // effect started).
    std::int64_t note(ActiveRun& a, store::Batch& batch, const model::Step& step,
                      const std::string& kind, store::StepStatus status, std::string detail,
                      nlohmann::json output = nullptr, bool finished = true);

    // Ends the effect at row `seq` with `status` (one of store::ends_effect). A send that did
    // not reach the person stops counting against its sender's limits.
    void finish(ActiveRun& a, store::Batch& batch, std::int64_t seq, store::StepStatus status,
                std::string detail, nlohmann::json output = nullptr);

    // Ends the run's effect in flight (a.inflight_seq) and forgets it; returns its seq.
    std::int64_t finish_inflight(ActiveRun& a, store::Batch& batch, store::StepStatus status,
                                 std::string detail, nlohmann::json output = nullptr);

    // A send counted against its sender account (store::Send) that did not go out no longer
    // counts. Harmless for effects that sent from no account.
    void release_send(ActiveRun& a, store::Batch& batch, std::int64_t seq);

    // The context text of a run: the persistent part of its scope, each step output that is
    // kept in a row (a.output_rows) written as that row's seq instead (stored once: DESIGN,
    // "a step's output lives in its row"). The scope is left as it was.
    static std::string context_text(ActiveRun& a, const char* const* keys, std::size_t count);

    // Whether the rows that end an effect carry its kind (plugin.action) too: the store matches
    // them by (run, seq) and needs none; a metrics observer counts them by plugin. Off, it
    // costs nothing.
    bool kinds_on_updates = false;

  private:
    std::int64_t now_ms() const { return to_unix_ms(clock_.now()); }
    SenderDesk& senders_;
    const Clock& clock_;
};

}  // namespace relance::runtime
