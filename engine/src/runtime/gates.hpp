// The gates: asked right before an effect leaves whether it may (DESIGN invariant 8). Each
// answers allow, defer until a time with a reason, or skip with a reason. They run twice:
// - at admission, before the effect is committed as started (so a run that will not be called
//   takes no sender slot and writes no started row);
// - at the door, after the started row is durable and immediately before the call leaves, on
//   facts read fresh from the store: a reply, an unsubscribe, a suppression, an account pause
//   committed before that read always wins, and the window is checked at the last instant.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <relance/base/clock.hpp>
#include <relance/contacts/suppression.hpp>
#include <relance/policy/circuit_breaker.hpp>
#include <relance/store/store.hpp>
#include <set>
#include <string>
#include <vector>

#include "active_run.hpp"
#include "sender_desk.hpp"

namespace relance::runtime {

struct Verdict {
    enum class Kind { allow, defer, skip } kind = Kind::allow;
    std::int64_t until = 0;  // with defer: when to look again (unix ms)
    std::string reason;
    static Verdict allow() { return {}; }
    static Verdict defer(std::int64_t until, std::string why) {
        return {Kind::defer, until, std::move(why)};
    }
    static Verdict skip(std::string why) { return {Kind::skip, 0, std::move(why)}; }
    bool allowed() const { return kind == Kind::allow; }
};

// What the gates read from the store, once per group of runs: the events of their contacts and
// the account pauses. The suppression list is kept in memory and reloaded when it changes.
class GateFacts {
  public:
    explicit GateFacts(store::Store& store) : store_(store) {}
    // Reads the events of these runs' contacts, the pauses and (if it changed) the suppression
    // list, as of now.
    void refresh(const std::vector<ActiveRun*>& runs);
    // Why the run must stop (its workflow's stop_on event, or a suppression), "" if none.
    std::string stop_reason(const ActiveRun& a) const;
    const store::AccountPause* pause_of(const std::string& key) const;
    void forget_pause(const std::string& key) { pauses_.erase(key); }
    void note_pause(const store::AccountPause& p) { pauses_[p.key] = p; }

  private:
    store::Store& store_;
    std::map<std::string, std::vector<store::Event>> events_;  // by contact key
    contacts::SuppressionList suppressions_;
    // The hashed entries (contacts/hashed.hpp) of erased people: hashes of contact keys.
    std::set<std::string> hashed_;
    std::int64_t suppression_generation_ = -1;
    std::map<std::string, store::AccountPause> pauses_;
};

// The account keys a call is paused under: the plugin's credentials, and the sender account
// through that plugin ("sendgrid", "sendgrid/sam@acme.test").
std::vector<std::string> account_keys(const std::string& plugin, const std::string& sender);

struct Admission {
    Verdict verdict;
    std::optional<SenderDesk::Choice> sender;  // with allow: the account chosen (when any)
};

class Gates {
  public:
    Gates(host::PluginHost& host, policy::BreakerBoard& breakers, SenderDesk& senders,
          const GateFacts& facts, std::shared_ptr<const model::Config> config)
        : host_(host),
          breakers_(breakers),
          senders_(senders),
          facts_(facts),
          config_(std::move(config)) {}

    // Before the started commit: run status, stop rules and suppression, the plugin's
    // availability, account pauses, the sender account (chosen here), the send window, the
    // circuit breaker and the sender's limits.
    Admission admit(ActiveRun& a, TimePoint now);

    // At the door, on fresh facts: stop rules and suppression, the plugin's availability,
    // account pauses and the send window (sender limits were reserved at admission).
    Verdict door(const ActiveRun& a, TimePoint now);

    // The zone of the account this run last sent from ("" when none): the last fallback of the
    // contact's time zone.
    std::string run_sender_zone(const ActiveRun& a) const;

  private:
    Verdict plugin_gate(const ActiveRun& a, TimePoint now) const;
    Verdict pause_gate(const ActiveRun& a, const std::string& sender, TimePoint now) const;
    Verdict window_gate(const ActiveRun& a, const std::string& zone, TimePoint now) const;

    host::PluginHost& host_;
    policy::BreakerBoard& breakers_;
    SenderDesk& senders_;
    const GateFacts& facts_;
    std::shared_ptr<const model::Config> config_;
};

}  // namespace relance::runtime
