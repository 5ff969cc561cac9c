// The sender desk: which sender account a send goes out from, and when its limits allow it.
//
// The store is the source of truth for what each account sent (store::Send rows, written with
// the "started" record of each send), so limits hold across workflows, runs and restarts. The
// desk reads an account's last 24 h once per batch round and adds the sends it reserves during
// the round; the next round reads the store again (the round's commit has landed by then).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <relance/model/config.hpp>
#include <relance/policy/sender_limits.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::runtime {

class SenderDesk {
  public:
    SenderDesk(store::Store& store, std::shared_ptr<const model::Config> config);

    // Forgets what was read from the store: call at the start of each batch round.
    void new_round();

    struct Choice {
        const model::SenderAccount* account = nullptr;  // nullptr: see `problem`
        std::string problem;        // why no account can send (unknown pool, no such channel)
        policy::Decision decision;  // when `account` may send, and the limit that says so
        bool kept = false;          // the account the contact was first written from
        bool queued = false;        // pushed later by the sends already waiting for it
        std::string domain;         // the recipient's domain
    };

    // The account for a send on `channel` from the accounts `names` (pool names or ids):
    // `run_sender` (the one this run already used) or else the contact's first sender on the
    // channel if it is in the pool; otherwise the one that may send soonest, ties to the least
    // used. `seed` draws the gap jitter. A send that must wait is placed behind the sends
    // already waiting for the account (see enqueue), so a backlog spreads over the pool.
    Choice choose(const std::vector<std::string>& names, const std::string& channel,
                  const std::string& run_sender, const std::string& contact_key,
                  const std::string& run_id, TimePoint now, std::uint64_t seed);

    // The run was deferred to choice.decision.earliest for the account's limits: it holds that
    // place in the account's queue until it comes back.
    void enqueue(const Choice& choice, const std::string& run_id);

    // Counts a send from `account` now (the step record `seq` of `run_id`); the returned row
    // goes into the batch that records the send as started.
    store::Send reserve(const model::SenderAccount& account, const std::string& contact_key,
                        const std::string& run_id, std::int64_t seq, TimePoint now);

    // The send recorded at (run_id, seq) did not happen: it no longer counts in this round.
    void release(const std::string& run_id, std::int64_t seq);

    static std::string recipient_domain(const std::string& contact_key);

    // For display: the account's sends in the 24 h before `now`, its daily cap today (ramp-up
    // included; nullopt: none), and when it may send next (to a domain it has not written to).
    struct Usage {
        std::size_t sent_last_day = 0;
        std::optional<int> cap_today;
        policy::Decision next;
    };
    Usage usage(const model::SenderAccount& account, TimePoint now);

  private:
    std::vector<store::Send>& history(const std::string& sender, TimePoint now);
    policy::SenderLimits limits_of(const model::SenderAccount& account, TimePoint now);
    policy::Decision decide(const model::SenderAccount& account, const std::string& domain,
                            TimePoint now, std::uint64_t seed);

    // The steady interval between two sends of the account: the largest of its longest gap
    // (minimum plus jitter), a minute over its per-minute rate and an hour over its per-hour
    // rate.
    static Millis pace(const policy::SenderLimits& limits);

    store::Store& store_;
    std::shared_ptr<const model::Config> config_;
    bool behind_waiting_sends(const model::SenderAccount& account, const std::string& domain,
                              TimePoint now, policy::Decision& d);
    // Drops the run's place in any queue (and places whose time has passed); true if it had one.
    bool forget_hold(const std::string& run_id, TimePoint now);

    // Per account, the due time given to the last send deferred: the backlog is queued one
    // pace apart instead of every deferred run waking at the same instant, where all but one
    // would be deferred again.
    std::map<std::string, TimePoint> queue_end_;
    // Per account, the runs waiting for it (run id -> its due time and recipient domain):
    // counted against its caps when placing the next one.
    struct Hold {
        TimePoint at;
        std::string domain;
    };
    std::map<std::string, std::map<std::string, Hold>> holds_;
    std::map<std::string, std::vector<store::Send>> round_;  // sender -> sends of the last 24 h
    std::map<std::string, TimePoint> first_use_;  // ramp-up day 0: the first send, once known
};

}  // namespace relance::runtime
