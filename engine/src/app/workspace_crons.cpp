// Cron triggers: each deployed workflow's `- cron:` entries, fired from the worker's process.
// Durable by two keys: the run of a slot is keyed by the slot (a slot fired twice is one run),
// and the latest slot handled is stored (a restart neither fires it again nor, with
// `missed: skip`, fires what it slept through).
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/calendar/cron.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/runtime/time_text.hpp>

#include "deployed.hpp"

namespace relance::app {

namespace {

// A slot fires when the worker sees it within this long; older, it was missed (the process was
// down or busy) and the trigger's missed-fire policy decides.
constexpr std::int64_t kCronGraceMs = 60'000;
// How far back a pass looks for missed slots: a year and a month, so a yearly or monthly
// trigger down that long still has its latest slot found; older slots count as skipped unseen.
constexpr std::int64_t kMaxLookBackMs = 400LL * 86'400'000;

std::string slot_key(const model::Workflow& wf, std::size_t index, const model::CronTrigger& c) {
    // The spec and zone are part of the key: a changed schedule starts afresh from its next slot.
    return wf.name + "#" + std::to_string(index) + " " + c.spec + " " + c.timezone;
}

}  // namespace

CronPass Workspace::fire_crons() {
    CronPass pass;
    auto snap = deployed().current();
    std::int64_t now = to_unix_ms(clock_.now());
    for (const auto& [name, entry] : snap->workflows) {
        const model::Workflow& wf = *entry.workflow;
        for (std::size_t i = 0; i < wf.triggers.crons.size(); ++i) {
            const model::CronTrigger& cron = wf.triggers.crons[i];
            const std::string& zone_name = !cron.timezone.empty()          ? cron.timezone
                                           : !wf.schedule.timezone.empty() ? wf.schedule.timezone
                                                                           : std::string("UTC");
            const date::time_zone* zone = calendar::find_zone(zone_name);
            calendar::CronSpec spec = calendar::parse_cron(cron.spec);
            std::string key = slot_key(wf, i, cron);
            auto last = store().cron_slot(key);
            if (!last) {
                // First seen: its schedule starts now, nothing before the deploy fires.
                store().set_cron_slot(key, now);
                last = now;
            }
            // The latest slot in (last, now]: page through, keeping only the newest.
            std::optional<std::int64_t> latest;
            std::size_t count = 0;
            TimePoint from = from_unix_ms(std::max(*last, now - kMaxLookBackMs));
            for (;;) {
                auto fires = calendar::fires_between(spec, *zone, from, clock_.now(), 1000);
                if (fires.empty()) break;
                count += fires.size();
                latest = to_unix_ms(fires.back());
                if (fires.size() < 1000) break;
                from = fires.back();
            }
            if (latest) {
                bool on_time = now - *latest <= kCronGraceMs;
                if (on_time || cron.missed == model::MissedFire::run_once) {
                    nlohmann::json record = nlohmann::json::parse(cron.input_json);
                    std::string slot = runtime::format_iso(*latest);
                    try {
                        pass.fired.push_back(
                            start_deployed(entry.workflow, entry.version_id, std::move(record),
                                           "cron:" + std::to_string(i) + ":" + slot));
                    } catch (const Error& e) {
                        if (e.kind() != ErrorKind::invalid) throw;  // the store: try again later
                        pass.errors.push_back(wf.name + " cron '" + cron.spec + "' at " + slot +
                                              ": " + e.what());
                    }
                    pass.skipped += count - 1;
                } else {
                    pass.skipped += count;
                }
                store().set_cron_slot(key, *latest);
            }
            if (auto next = calendar::next_fire(spec, *zone, clock_.now())) {
                std::int64_t at = to_unix_ms(*next);
                if (!pass.next_at || at < pass.next_at) pass.next_at = at;
            }
        }
    }
    return pass;
}

}  // namespace relance::app
