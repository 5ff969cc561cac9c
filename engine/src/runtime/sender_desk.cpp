#include "sender_desk.hpp"

#include <algorithm>
#include <relance/policy/rotation.hpp>

namespace relance::runtime {

SenderDesk::SenderDesk(store::Store& store, std::shared_ptr<const model::Config> config)
    : store_(store), config_(std::move(config)) {}

void SenderDesk::new_round() {
    round_.clear();
}

std::string SenderDesk::recipient_domain(const std::string& contact_key) {
    if (contact_key.rfind("email:", 0) != 0) return {};
    auto at = contact_key.rfind('@');
    if (at == std::string::npos) return {};
    std::string domain = contact_key.substr(at + 1);
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return domain;
}

std::vector<store::Send>& SenderDesk::history(const std::string& sender, TimePoint now) {
    auto it = round_.find(sender);
    if (it == round_.end()) {
        // Sends dated after `now` count too (a clock that went back must not free capacity).
        auto rows = store_.sends_of(sender, to_unix_ms(now - policy::kDay) + 1);
        it = round_.emplace(sender, std::move(rows)).first;
    }
    return it->second;
}

policy::SenderLimits SenderDesk::limits_of(const model::SenderAccount& account, TimePoint now) {
    policy::SenderLimits limits = account.limits;
    if (limits.ramp_up && !account.ramp_since_given) {
        // Day 0 is the account's first send; an account that never sent is on day 0 now.
        auto it = first_use_.find(account.id);
        if (it == first_use_.end()) {
            auto first = store_.sender_first_use(account.id);
            if (!first) {
                limits.ramp_up->since = now;
                return limits;
            }
            it = first_use_.emplace(account.id, from_unix_ms(*first)).first;
        }
        limits.ramp_up->since = it->second;
    }
    return limits;
}

policy::Decision SenderDesk::decide(const model::SenderAccount& account, const std::string& domain,
                                    TimePoint now, std::uint64_t seed) {
    std::vector<policy::SendRecord> past;
    for (const auto& s : history(account.id, now))
        past.push_back({from_unix_ms(s.at), s.recipient_domain});
    return policy::next_allowed(limits_of(account, now), past, domain, now, seed);
}

SenderDesk::Choice SenderDesk::choose(const std::vector<std::string>& names,
                                      const std::string& channel, const std::string& run_sender,
                                      const std::string& contact_key, const std::string& run_id,
                                      TimePoint now, std::uint64_t seed) {
    Choice c;
    if (!config_) {
        c.problem = "no config file names the senders " + names.front() +
                    (names.size() > 1 ? ", ..." : "") + " (start the worker with --config)";
        return c;
    }
    std::vector<std::string> unknown;
    std::vector<std::string> pool;
    for (const auto& id : config_->expand(names, &unknown))
        if (config_->find_sender(id)->channel == channel) pool.push_back(id);
    if (!unknown.empty()) {
        c.problem = "unknown sender or pool '" + unknown.front() + "' in " + config_->file;
        return c;
    }
    if (pool.empty()) {
        c.problem = "no " + channel + " sender among the workflow's senders";
        return c;
    }
    std::optional<std::string> sticky;
    if (!run_sender.empty())
        sticky = run_sender;
    else if (!contact_key.empty())
        sticky = store_.first_sender(contact_key, channel);
    std::string domain = recipient_domain(contact_key);
    // A run coming back at the place it held is not sent to the back of the queue again.
    const bool returning = forget_hold(run_id, now);
    std::map<std::string, policy::Decision> decisions;
    std::map<std::string, std::size_t> load;
    std::map<std::string, bool> queued;
    bool keep = sticky && std::find(pool.begin(), pool.end(), *sticky) != pool.end();
    for (const auto& id : pool) {
        if (keep && id != *sticky) continue;  // a kept sender is not compared
        const model::SenderAccount& account = *config_->find_sender(id);
        policy::Decision d = decide(account, domain, now, seed);
        if (!returning && !d.allowed_now(now) && d.earliest != TimePoint::max())
            queued[id] = behind_waiting_sends(account, domain, now, d);
        decisions[id] = d;
        load[id] = history(id, now).size();
    }
    std::string pick = policy::pick_sender(pool, decisions, sticky, load);
    c.account = config_->find_sender(pick);
    c.decision = decisions[pick];
    c.kept = keep;
    c.queued = queued[pick];
    c.domain = domain;
    return c;
}

// A send that must wait goes behind the sends already waiting for the account: at least one
// pace after the last of them, and where its caps still have room once they are counted.
bool SenderDesk::behind_waiting_sends(const model::SenderAccount& account,
                                      const std::string& domain, TimePoint now,
                                      policy::Decision& d) {
    bool moved = false;
    if (auto q = queue_end_.find(account.id); q != queue_end_.end() && q->second > d.earliest) {
        d.earliest = q->second;
        moved = true;
    }
    auto holds = holds_.find(account.id);
    if (holds == holds_.end() || holds->second.empty()) return moved;
    // The caps with the waiting sends counted as made (gaps are already the queue's pace).
    policy::SenderLimits caps = limits_of(account, now);
    caps.min_gap = Millis{0};
    caps.gap_jitter = Millis{0};
    std::vector<policy::SendRecord> past;
    for (const auto& s : history(account.id, now))
        past.push_back({from_unix_ms(s.at), s.recipient_domain});
    for (const auto& [run, hold] : holds->second) past.push_back({hold.at, hold.domain});
    policy::Decision with_queue = policy::next_allowed(caps, past, domain, now, 0);
    if (with_queue.earliest > d.earliest) {
        d = with_queue;
        moved = true;
    }
    return moved;
}

void SenderDesk::enqueue(const Choice& choice, const std::string& run_id) {
    if (!choice.account || choice.decision.earliest == TimePoint::max()) return;
    TimePoint& end = queue_end_[choice.account->id];
    end = std::max(end, choice.decision.earliest + pace(choice.account->limits));
    holds_[choice.account->id][run_id] = {choice.decision.earliest, choice.domain};
}

bool SenderDesk::forget_hold(const std::string& run_id, TimePoint now) {
    bool had = false;
    for (auto& [account, holds] : holds_) {
        had |= holds.erase(run_id) > 0;
        // A hold whose time has passed belongs to a run that woke (and sent or waits again)
        // or was stopped: it no longer stands for a future send.
        std::erase_if(holds, [&](const auto& h) { return h.second.at < now; });
    }
    return had;
}

Millis SenderDesk::pace(const policy::SenderLimits& limits) {
    // Daily caps are left out: a rolling day allows bursts, and the day's sends free their
    // slots one by one, at the pace they were made.
    Millis p = limits.min_gap + limits.gap_jitter;  // the longest a gap can be
    auto per = [&](std::optional<int> cap, Millis window) {
        if (cap && *cap > 0) p = std::max(p, window / *cap);
    };
    per(limits.per_minute, policy::kMinute);
    per(limits.per_hour, policy::kHour);
    return p;
}

store::Send SenderDesk::reserve(const model::SenderAccount& account, const std::string& contact_key,
                                const std::string& run_id, std::int64_t seq, TimePoint now) {
    store::Send s;
    s.run_id = run_id;
    s.seq = seq;
    s.sender = account.id;
    s.channel = account.channel;
    s.contact_key = contact_key;
    s.recipient_domain = recipient_domain(contact_key);
    s.at = to_unix_ms(now);
    history(account.id, now).push_back(s);
    return s;
}

SenderDesk::Usage SenderDesk::usage(const model::SenderAccount& account, TimePoint now) {
    Usage u;
    u.sent_last_day = history(account.id, now).size();
    policy::SenderLimits limits = limits_of(account, now);
    u.cap_today = limits.daily_cap;
    if (limits.ramp_up) {
        int ramp = policy::ramp_up_cap(*limits.ramp_up, now);
        u.cap_today = u.cap_today ? std::min(*u.cap_today, ramp) : ramp;
    }
    u.next = decide(account, "", now, 0);
    return u;
}

void SenderDesk::release(const std::string& run_id, std::int64_t seq) {
    for (auto& [sender, sends] : round_)
        std::erase_if(sends,
                      [&](const store::Send& s) { return s.run_id == run_id && s.seq == seq; });
}

}  // namespace relance::runtime
