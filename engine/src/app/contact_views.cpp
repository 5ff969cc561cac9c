#include <nlohmann/json.hpp>
#include <relance/app/contact_views.hpp>
#include <relance/app/views.hpp>
#include <relance/model/config.hpp>
#include <relance/runtime/time_text.hpp>

namespace relance::app {

using nlohmann::json;
using runtime::format_iso;

namespace {

json optional_int(const std::optional<int>& v) {
    return v ? json(*v) : json(nullptr);
}

json limits_view(const policy::SenderLimits& l) {
    json j = {{"daily_cap", optional_int(l.daily_cap)},
              {"per_hour", optional_int(l.per_hour)},
              {"per_minute", optional_int(l.per_minute)},
              {"per_domain_daily_cap", optional_int(l.per_domain_daily_cap)},
              {"min_gap_ms", l.min_gap.count()}};
    j["ramp_up"] = l.ramp_up ? json{{"start", l.ramp_up->start},
                                    {"step_per_day", l.ramp_up->step_per_day},
                                    {"max", l.ramp_up->max}}
                             : json(nullptr);
    return j;
}

json pause_view(const store::AccountPause& p) {
    return json{{"account", p.key},
                {"reason", p.reason},
                {"since", format_iso(p.since)},
                {"next_try_at", format_iso(p.probe_at)}};
}

}  // namespace

json contact_record_view(const store::Store::ContactRecord& r) {
    return json{{"contact", r.key},
                {"identities", r.identities},
                {"attributes", *r.attributes},
                {"created_at", format_iso(r.created_at)},
                {"updated_at", format_iso(r.updated_at)}};
}

json contact_upsert_view(const Workspace::ContactUpsert& upsert) {
    json j = contact_record_view(upsert.contact);
    j["created"] = upsert.created;
    return j;
}

json contact_event_view(const store::Event& e) {
    return json{{"id", e.event_id},
                {"type", e.type},
                {"contact", e.contact_key},
                {"run_id", e.run_id},
                {"message_id", e.message_id},
                {"at", format_iso(e.occurred_at)},
                {"recorded_at", format_iso(e.recorded_at)},
                {"data", *e.data}};
}

json send_view(const store::Send& s) {
    return json{{"run_id", s.run_id},
                {"seq", s.seq},
                {"sender", s.sender},
                {"channel", s.channel},
                {"at", format_iso(s.at)}};
}

json contact_history_view(const Workspace::ContactHistory& h, bool export_all, std::int64_t now) {
    json j;
    // The record's own key when there is one (the identity asked for may be another of its).
    j["contact"] = h.record ? h.record->key : h.key;
    j["identities"] = h.identities;
    j["attributes"] = h.record ? *h.record->attributes : json::object();
    j["created_at"] = h.record ? json(format_iso(h.record->created_at)) : json(nullptr);
    j["updated_at"] = h.record ? json(format_iso(h.record->updated_at)) : json(nullptr);
    j["suppressed"] = !h.suppressions.empty();
    json suppressions = json::array();
    for (const auto& s : h.suppressions) suppressions.push_back(suppression_view(s));
    j["suppressions"] = std::move(suppressions);
    json events = json::array(), runs = json::array(), sends = json::array();
    for (const auto& e : h.events) events.push_back(contact_event_view(e));
    for (const auto& r : h.runs)
        runs.push_back(export_all ? run_detail_view(r) : run_view(r.run, r.step));
    for (const auto& s : h.sends) sends.push_back(send_view(s));
    j["events"] = std::move(events);
    j["runs"] = std::move(runs);
    j["sends"] = std::move(sends);
    if (export_all)
        j["exported_at"] = format_iso(now);
    else
        j["more"] = {{"events", h.more_events}, {"runs", h.more_runs}, {"sends", h.more_sends}};
    return j;
}

json contact_erasure_view(const Workspace::ContactErasure& e) {
    json hashed = json::array();
    for (const auto& s : e.hashed) hashed.push_back(suppression_view(s));
    return json{{"contact", e.key},
                {"identities", e.identities.size()},
                {"runs_deleted", e.erased.runs.size()},
                {"events_deleted", e.erased.events},
                {"sends_anonymised", e.erased.sends},
                {"suppressions_replaced", e.erased.suppressions},
                {"record_deleted", e.erased.record},
                {"suppressed", std::move(hashed)}};
}

json suppression_import_view(const Workspace::SuppressionImport& r) {
    json refused = json::array();
    for (const auto& x : r.refused)
        refused.push_back({{"line", x.line}, {"entry", x.entry}, {"reason", x.reason}});
    return json{{"added", r.added},
                {"present", r.present},
                {"skipped", r.skipped},
                {"refused", std::move(refused)}};
}

json sender_report_view(const Workspace::SenderReport& report) {
    json senders = json::array();
    for (std::size_t i = 0; i < report.senders.size(); ++i) {
        const auto& s = report.senders[i];
        const model::SenderAccount* account = report.accounts[i];
        // A pause of the account itself ("plugin/sender"): the provider refused it.
        const store::AccountPause* pause = nullptr;
        for (const auto& p : report.pauses) {
            auto slash = p.key.find('/');
            if (slash != std::string::npos && p.key.substr(slash + 1) == s.id) pause = &p;
        }
        std::string health = pause                ? "paused"
                             : s.next_send_at < 0 ? "blocked"
                             : s.next_send_at > 0 ? "limited"
                                                  : "ok";
        json j = {{"id", s.id},
                  {"channel", s.channel},
                  {"pools", s.pools},
                  {"health", health},
                  {"sent_last_day", s.sent_last_day},
                  {"cap_today", optional_int(s.cap_today)},
                  {"blocked", s.next_send_at < 0},
                  {"limited_by", s.limited_by}};
        j["next_send_at"] = s.next_send_at > 0 ? json(format_iso(s.next_send_at)) : json(nullptr);
        j["limits"] = account ? limits_view(account->limits) : json(nullptr);
        j["paused"] = pause ? pause_view(*pause) : json(nullptr);
        senders.push_back(std::move(j));
    }
    json paused = json::array();
    for (const auto& p : report.pauses) paused.push_back(pause_view(p));
    return json{{"configured", report.configured},
                {"senders", std::move(senders)},
                {"paused", std::move(paused)}};
}

}  // namespace relance::app
