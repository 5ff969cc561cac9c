#include "gates.hpp"

#include <algorithm>
#include <relance/base/digest.hpp>
#include <relance/contacts/hashed.hpp>
#include <relance/contacts/identity.hpp>
#include <relance/model/config.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::runtime {

namespace {

constexpr std::int64_t kRetryMissingMs = 5 * 60 * 1000;  // a plugin or a config to be fixed

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::vector<std::string> account_keys(const std::string& plugin, const std::string& sender) {
    std::vector<std::string> keys{plugin};
    if (!sender.empty()) keys.push_back(plugin + "/" + sender);
    return keys;
}

void GateFacts::refresh(const std::vector<ActiveRun*>& runs) {
    std::vector<std::string> keys;
    std::int64_t since = std::numeric_limits<std::int64_t>::max();
    for (const ActiveRun* a : runs)
        for (const auto& k : a->keys) {
            keys.push_back(k);
            since = std::min(since, a->run.created_at);
        }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    events_.clear();
    if (!keys.empty())
        for (auto& e : store_.events_for(keys, since))
            events_[e.contact_key].push_back(std::move(e));
    std::int64_t generation = store_.suppression_generation();
    if (generation != suppression_generation_) {
        contacts::SuppressionList fresh;
        std::set<std::string> hashed;
        for (const auto& s : store_.list_suppressions())
            if (auto kind = contacts::parse_kind(s.kind))
                fresh.add({*kind, s.value, s.source, s.locked});
            else if (s.kind == contacts::kHashedKind)
                hashed.insert(s.value);
        suppressions_ = std::move(fresh);
        hashed_ = std::move(hashed);
        suppression_generation_ = generation;
    }
    pauses_.clear();
    for (auto& p : store_.list_account_pauses()) pauses_[p.key] = std::move(p);
}

std::string GateFacts::stop_reason(const ActiveRun& a) const {
    const auto& stop_on = a.wf->workflow.stop_on;
    for (const auto& key : a.keys)
        if (auto it = events_.find(key); it != events_.end())
            for (const auto& e : it->second)
                if (e.occurred_at >= a.run.created_at && contains(stop_on, e.type))
                    return "contact " + e.type + " (event " + e.event_id + " at " +
                           format_short(e.occurred_at) + "Z)";
    // An erased person: their keys are on the list only as hashes.
    if (!hashed_.empty())
        for (const auto& key : a.keys)
            if (hashed_.count(contacts::hashed_identity(key)))
                return "suppressed: an erased contact (hashed entry)";
    if (suppressions_.size() == 0) return {};
    std::map<std::string, std::string> fields;
    for (const auto& [k, v] : a.scope["inputs"].items())
        if (v.is_string()) fields[k] = v.get<std::string>();
    if (auto hit = suppressions_.match(contacts::identify(fields, "")))
        return "suppressed " + std::string(contacts::to_string(hit->kind)) + " " + hit->value +
               " (" + hit->source + ")";
    return {};
}

const store::AccountPause* GateFacts::pause_of(const std::string& key) const {
    auto it = pauses_.find(key);
    return it == pauses_.end() ? nullptr : &it->second;
}

std::string Gates::run_sender_zone(const ActiveRun& a) const {
    if (!config_) return {};
    for (const auto& [channel, id] : a.scope["senders"].items())
        if (const auto* account = config_->find_sender(id.get<std::string>()))
            if (!account->timezone.empty()) return account->timezone;
    return {};
}

Verdict Gates::plugin_gate(const ActiveRun& a, TimePoint now) const {
    const model::Step& step = *a.node().step;
    // Not the run's fault: a plugin that is missing, failed to start, quarantined or restarting
    // holds its runs, with the reason shown, until it is back.
    host::Availability av = host_.availability(step.plugin, now);
    if (!av.available) {
        std::int64_t due = std::max(to_unix_ms(av.retry_at), to_unix_ms(now) + 1000);
        return Verdict::defer(due, av.reason + "; trying again at " + format_short(due));
    }
    if (host_.find_action(step.plugin, step.action)) return Verdict::allow();
    std::int64_t due = to_unix_ms(now) + kRetryMissingMs;
    return Verdict::defer(due, "plugin " + step.plugin + " has no action " + step.action +
                                   "; trying again at " + format_short(due));
}

Verdict Gates::pause_gate(const ActiveRun& a, const std::string& sender, TimePoint now) const {
    const std::string& plugin = a.node().step->plugin;
    for (const auto& key : account_keys(plugin, sender)) {
        const store::AccountPause* p = facts_.pause_of(key);
        if (!p || to_unix_ms(now) >= p->probe_at) continue;
        return Verdict::defer(p->probe_at, "account " + key + " paused since " +
                                               format_short(p->since) + "Z: " + p->reason +
                                               "; trying again at " + format_short(p->probe_at));
    }
    return Verdict::allow();
}

// The send window, and the dates closed to sends (holidays and blackout dates of the workflow,
// of the contact's country and of the workspace config): checked on every run at each gate, so a
// blackout added to the config reaches runs that started before it, whatever their version.
Verdict Gates::window_gate(const ActiveRun& a, const std::string& zone, TimePoint now) const {
    if (!a.node().step->in_window) return Verdict::allow();
    std::string why;
    if (auto opens = a.wf->schedule->window_deferral(now, a.scope["inputs"], &why, zone))
        // Checked again when it comes due: the window may have other rules by then.
        return Verdict::defer(to_unix_ms(*opens), why);
    return Verdict::allow();
}

Admission Gates::admit(ActiveRun& a, TimePoint now) {
    Admission out;
    const ActionCandidate& c = *a.candidate;
    const model::Step& step = *c.node->step;
    if (std::string why = facts_.stop_reason(a); !why.empty()) {
        out.verdict = Verdict::skip(why);
        return out;
    }
    if (out.verdict = plugin_gate(a, now); !out.verdict.allowed()) return out;
    if (out.verdict = pause_gate(a, "", now); !out.verdict.allowed()) return out;
    // The sender account: its zone is the window's last fallback.
    std::string zone = run_sender_zone(a);
    if (!c.spec->channel.empty() && !c.sender_names.empty()) {
        std::string run_sender = a.scope["senders"].value(c.spec->channel, "");
        out.sender = senders_.choose(c.sender_names, c.spec->channel, run_sender, a.run.contact_key,
                                     a.run.id, now, stable_hash(a.run.id + "/" + step.id));
        if (!out.sender->account) {
            // A config problem, not the lead's: hold the send until the config is fixed.
            std::int64_t due = to_unix_ms(now) + kRetryMissingMs;
            out.verdict =
                Verdict::defer(due, out.sender->problem + "; trying again at " + format_short(due));
            return out;
        }
        if (out.verdict = pause_gate(a, out.sender->account->id, now); !out.verdict.allowed())
            return out;
        zone = out.sender->account->timezone;
    }
    if (out.verdict = window_gate(a, zone, now); !out.verdict.allowed()) return out;
    if (!breakers_.allow(step.plugin, now)) {
        // The provider failed repeatedly: hold calls until the next probe instead of spending
        // every run's attempts on it. Not counted as an attempt.
        std::int64_t due =
            std::max(to_unix_ms(breakers_.retry_at(step.plugin)), to_unix_ms(now) + 1000);
        out.verdict =
            Verdict::defer(due, "circuit open for " + step.plugin +
                                    " after repeated failures; next probe at " + format_short(due));
        return out;
    }
    if (out.sender && !out.sender->decision.allowed_now(now)) {
        // Over a limit of the account: deferred to the earliest time every limit allows, never
        // dropped. Checked again then (the window may have closed meanwhile).
        const auto& d = out.sender->decision;
        bool never = d.earliest == TimePoint::max();
        std::int64_t due = never ? to_unix_ms(now) + policy::kDay.count() : to_unix_ms(d.earliest);
        senders_.enqueue(*out.sender, a.run.id);
        out.verdict = Verdict::defer(
            due, d.reason + " of " + out.sender->account->id +
                     (out.sender->queued ? ", then behind the sends already waiting for it" : "") +
                     (never ? ": it may not send at all; looking again at "
                            : "; next send allowed at ") +
                     format_short(due));
        return out;
    }
    return out;
}

Verdict Gates::door(const ActiveRun& a, TimePoint now) {
    if (std::string why = facts_.stop_reason(a); !why.empty()) return Verdict::skip(why);
    if (Verdict v = plugin_gate(a, now); !v.allowed()) return v;
    if (Verdict v = pause_gate(a, a.sender, now); !v.allowed()) return v;
    std::string zone = run_sender_zone(a);
    if (config_ && !a.sender.empty())
        if (const auto* account = config_->find_sender(a.sender)) zone = account->timezone;
    return window_gate(a, zone, now);
}

}  // namespace relance::runtime
