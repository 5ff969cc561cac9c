#include "effect_log.hpp"

namespace relance::runtime {

using store::StepStatus;

std::int64_t EffectLog::note(ActiveRun& a, store::Batch& batch, const model::Step& step,
                             const std::string& kind, StepStatus status, std::string detail,
                             nlohmann::json output, bool finished) {
    store::StepRecord r;
    r.run_id = a.run.id;
    r.seq = a.run.next_seq++;
    r.step_id = step.id;
    r.kind = kind;
    r.status = status;
    r.attempt = a.run.attempt;
    r.started_at = now_ms();
    if (finished) r.finished_at = r.started_at;
    r.message_id = step.kind == model::StepKind::action ? a.run.message_id : "";
    r.detail = std::move(detail);
    r.output = std::move(output);
    a.last_note = r.step_id + " (" + store::to_string(r.status) + ")" +
                  (r.detail.empty() ? "" : ": " + r.detail);
    batch.insert_steps.push_back(std::move(r));
    return batch.insert_steps.back().seq;
}

void EffectLog::release_send(ActiveRun& a, store::Batch& batch, std::int64_t seq) {
    batch.delete_sends.emplace_back(a.run.id, seq);
    senders_.release(a.run.id, seq);
}

void EffectLog::finish(ActiveRun& a, store::Batch& batch, std::int64_t seq, StepStatus status,
                       std::string detail, nlohmann::json output) {
    // Only these may have reached the person; every other end of a call frees its slot.
    if (!store::may_have_reached(status)) release_send(a, batch, seq);
    store::StepRecord r;
    r.run_id = a.run.id;
    r.seq = seq;
    r.status = status;
    r.finished_at = now_ms();
    r.detail = std::move(detail);
    r.output = std::move(output);
    a.last_note = a.node().step->id + " (" + store::to_string(r.status) + ")" +
                  (r.detail.empty() ? "" : ": " + r.detail);
    batch.update_steps.push_back(std::move(r));
}

void EffectLog::finish_inflight(ActiveRun& a, store::Batch& batch, StepStatus status,
                                std::string detail, nlohmann::json output) {
    std::int64_t seq = *a.inflight_seq;
    a.inflight_seq.reset();
    finish(a, batch, seq, status, std::move(detail), std::move(output));
}

}  // namespace relance::runtime
