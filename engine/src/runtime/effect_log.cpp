#include "effect_log.hpp"

#include <relance/base/json_text.hpp>
#include <relance/runtime/runs.hpp>

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
    if (kinds_on_updates) r.kind = a.node().step->plugin + "." + a.node().step->action;
    a.last_note = a.node().step->id + " (" + store::to_string(r.status) + ")" +
                  (r.detail.empty() ? "" : ": " + r.detail);
    batch.update_steps.push_back(std::move(r));
}

std::int64_t EffectLog::finish_inflight(ActiveRun& a, store::Batch& batch, StepStatus status,
                                        std::string detail, nlohmann::json output) {
    std::int64_t seq = *a.inflight_seq;
    a.inflight_seq.reset();
    finish(a, batch, seq, status, std::move(detail), std::move(output));
    return seq;
}

std::string EffectLog::context_text(ActiveRun& a, const char* const* keys, std::size_t count) {
    // Moved out and back rather than copied: the scope may be large.
    nlohmann::json context = nlohmann::json::object();
    for (std::size_t i = 0; i < count; ++i) context[keys[i]] = std::move(a.scope[keys[i]]);
    // Each state whose output is in a row, as it was, to be put back after the dump.
    std::vector<std::pair<nlohmann::json*, nlohmann::json>> states;
    if (auto steps = context.find("steps"); steps != context.end() && steps->is_object())
        for (const auto& [id, row] : a.output_rows) {
            auto state = steps->find(id);
            if (state == steps->end() || !state->is_object() || !state->contains("output"))
                continue;
            nlohmann::json& s = *state;
            states.emplace_back(&s, std::move(s));
            const nlohmann::json& was = states.back().second;
            if (was.size() == 2 && was.value("status", "") == "succeeded") {
                s = row;  // the usual case, {"status": "succeeded", "output": ...}: its row
            } else {
                s = was;
                s.erase("output");
                s["output_row"] = row;
            }
        }
    // Empty parts are left out (Interpreter::load puts them back): most runs have no vars.
    for (auto it = context.begin(); it != context.end();)
        it = it->is_object() && it->empty() && it.key() != "inputs" ? context.erase(it)
                                                                    : std::next(it);
    std::string text = json_text(context);
    for (auto& [state, was] : states) *state = std::move(was);
    for (std::size_t i = 0; i < count; ++i)
        if (auto it = context.find(keys[i]); it != context.end())
            a.scope[keys[i]] = std::move(*it);
        else
            a.scope[keys[i]] = nlohmann::json::object();
    return text;
}

std::map<std::string, std::int64_t> restore_step_outputs(store::Store& store,
                                                         const std::string& run_id,
                                                         nlohmann::json& context) {
    std::map<std::string, std::int64_t> rows;
    auto steps = context.find("steps");
    if (steps == context.end() || !steps->is_object()) return rows;
    for (auto& [id, state] : steps->items())
        if (state.is_number_integer())  // a step succeeded, its output in that row
            rows.emplace(id, state.get<std::int64_t>());
        else if (state.is_object())
            if (auto row = state.find("output_row"); row != state.end() && row->is_number_integer())
                rows.emplace(id, row->get<std::int64_t>());
    if (rows.empty()) return rows;  // a run whose steps have no output yet: no read
    auto outputs = store.step_outputs(run_id);
    for (const auto& [id, row] : rows) {
        json& state = (*steps)[id];
        if (state.is_number_integer())
            state = {{"status", "succeeded"}};
        else
            state.erase("output_row");
        auto it = outputs.find(row);
        // A row without its output cannot happen (both are committed together); null is what
        // a step without output reads as.
        state["output"] = it == outputs.end() ? json(nullptr) : std::move(it->second);
    }
    return rows;
}

}  // namespace relance::runtime
