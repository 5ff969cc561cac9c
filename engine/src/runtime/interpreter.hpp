// The interpreter: says what a YAML run does next. It runs the built-in steps (set, if, wait,
// wait_for, lua, exit) in memory, stops at the next action (for the gates to admit), starts it
// once admitted, and applies what the call or a reconciliation answered. Everything it decides
// goes into the batch the executor commits; it makes no plugin call and owns no thread.
// (Lua workflows will come as a second interpreter, by replay over the same effect log.)
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <relance/expr/lua_sandbox.hpp>
#include <relance/host/plugin_host.hpp>
#include <relance/policy/circuit_breaker.hpp>
#include <relance/runtime/executor.hpp>
#include <relance/store/store.hpp>

#include "active_run.hpp"
#include "effect_log.hpp"
#include "gates.hpp"
#include "send_tracking.hpp"
#include "sender_desk.hpp"

namespace relance::runtime {

enum class Next {
    stopped,    // the claim ended (its state is in the batch)
    admit,      // at an action (a.candidate): the gates decide
    call,       // an action was started (a.request): call it once the batch is committed
    reconcile,  // an in-doubt effect (a.inflight_seq): ask the plugin whether it happened
};

class Interpreter {
  public:
    Interpreter(store::Store& store, host::PluginHost& host, const Clock& clock,
                const ExecutorOptions& options, EffectLog& log, policy::BreakerBoard& breakers,
                SenderDesk& senders);

    // The run's context becomes its scope for the claim (and its contact's identities known).
    void load(ActiveRun& a);

    // From the run's position: recovers a pending effect found at the claim, then runs
    // built-in steps until an action (admit) or a stop.
    Next advance(ActiveRun& a, store::Batch& batch);

    // The gates admitted the candidate: renders its input (from `sender` when given), records
    // it started and checkpoints the run. Returns call, or stopped when the input is invalid.
    Next start(ActiveRun& a, store::Batch& batch, const SenderDesk::Choice* sender);

    // The gates said no before the start: defer (the run waits, nothing counted) or skip (the
    // run exits, not called).
    void hold(ActiveRun& a, store::Batch& batch, const Verdict& verdict);

    // The door said no after the start: the started effect ends deferred or cancelled, never
    // called, and the run waits or exits.
    void withdraw(ActiveRun& a, store::Batch& batch, const Verdict& verdict);

    // Applies what came back (a.outcome, or a.reconciled after a reconciliation), then goes on.
    Next complete(ActiveRun& a, store::Batch& batch);

    // Ends the claim: the run's state goes to the batch and its lease is released.
    void stop(ActiveRun& a, store::Batch& batch, store::RunStatus status,
              std::optional<std::int64_t> due, std::string reason = {});

    // Records the run's progress in the batch without ending the claim (lease kept, still
    // due): its new timeline rows are committed with the state they lead to.
    void checkpoint(ActiveRun& a, store::Batch& batch);

    // The request of the run's current action, with its input.
    host::ActionRequest request_for(const ActiveRun& a, const nlohmann::json& input) const;

    // An account the provider refused: the send waits for it.
    struct AccountRefusal {
        std::string key;
        std::string reason;
    };
    std::optional<AccountRefusal> take_account_refusal() {
        auto r = std::move(account_refusal_);
        account_refusal_.reset();
        return r;
    }

  private:
    std::int64_t now_ms() const { return to_unix_ms(clock_.now()); }
    void go_to(ActiveRun& a, int node);
    void fail_step(ActiveRun& a, store::Batch& batch, const std::string& error,
                   std::optional<std::int64_t> failed_seq = std::nullopt);
    Next apply_outcome(ActiveRun& a, store::Batch& batch);
    Next retry_or_fail(ActiveRun& a, store::Batch& batch, store::StepStatus ended,
                       const std::string& failure, Millis retry_after);
    // Ends the call as `ended` and makes the run wait `wait` for the same step, without spending
    // an attempt (a rate limit, a plugin that could not take the call).
    Next wait_without_attempt(ActiveRun& a, store::Batch& batch, store::StepStatus ended,
                              const std::string& what, const char* again, Millis wait);
    Next apply_reconciliation(ActiveRun& a, store::Batch& batch);
    Next recover(ActiveRun& a, store::Batch& batch);
    Next ask_reconcile(ActiveRun& a, std::string why, std::int64_t started_at);
    void pause_in_doubt(ActiveRun& a, store::Batch& batch, const std::string& why);
    // Runs one built-in step; true when the run must leave the advance loop.
    bool execute(ActiveRun& a, store::Batch& batch, const model::Node& node);
    bool wait_for(ActiveRun& a, store::Batch& batch, const model::Node& node);
    bool wait_until(ActiveRun& a, store::Batch& batch, const model::Node& node);
    const model::Step::Variant* choose_variant(const ActiveRun& a, const model::Node& node) const;
    nlohmann::json history_of(const store::Run& run);
    void save_scope(ActiveRun& a);
    Millis backoff_for(const model::RetryPolicy& p, int attempt, Millis retry_after,
                       const std::string& message_id) const;
    std::string sender_zone(const ActiveRun& a) const;
    expr::EvalOptions eval_options(const ActiveRun& a, const model::Step& step) const;

    store::Store& store_;
    host::PluginHost& host_;
    const Clock& clock_;
    const ExecutorOptions& options_;
    EffectLog& log_;
    policy::BreakerBoard& breakers_;
    SenderDesk& senders_;
    expr::LuaSandbox lua_;
    SendTracking tracking_;  // unsubscribe URL, pixel and tracked links of email sends
    std::optional<AccountRefusal> account_refusal_;
};

}  // namespace relance::runtime
