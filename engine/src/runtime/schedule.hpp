// A workflow's `schedule:` made executable: its business calendar, its send window and the
// contact's time zone, joined with the workspace calendar of the config file (its blackout dates
// and holidays reach every run, whatever workflow version it is pinned to). Kept behind this
// small interface so the date library's headers stay out of the executor.
#pragma once

#include <memory>
#include <optional>
#include <relance/base/clock.hpp>
#include <relance/model/workflow.hpp>
#include <string>

namespace relance::model {
struct WorkspaceCalendar;
}

namespace relance::runtime {

class CompiledSchedule {
  public:
    // Throws std::invalid_argument on a bad zone, window, country or date (the loaders have
    // already reported them with positions). `workspace` (copied; nullptr: none) adds its
    // holidays and blackout dates to the workflow's.
    explicit CompiledSchedule(const model::Schedule& schedule,
                              const model::WorkspaceCalendar* workspace = nullptr);
    ~CompiledSchedule();

    // The zone of a contact: its own (the `timezone` input), else the workflow's, else the
    // sender account's (`sender_zone`, "" when none), else UTC. Holidays: the workflow's
    // calendars plus the contact's country (the `country` input), when relance ships it.

    // `n` business days after `now`, at the same local time of day in the contact's zone.
    // `how` receives a description: "3 business days in Europe/Paris, skipping FR holidays".
    TimePoint add_business_days(TimePoint now, int n, const nlohmann::json& inputs,
                                std::string* how, const std::string& sender_zone = {}) const;

    // `wait: {until, offset}`: the moment `text` names (ISO-8601; without 'Z' or an offset it
    // is read in the contact's zone), moved by `offset` in that zone. `how` receives a
    // description: "read in Europe/Paris: Sat 2026-03-28 18:00 local" ("read in" when the text
    // had no zone of its own).
    // Throws std::invalid_argument when the text is not a moment.
    TimePoint moment(const std::string& text, const model::MomentOffset& offset,
                     const nlohmann::json& inputs, std::string* how,
                     const std::string& sender_zone = {}) const;

    // When this contact may not be sent to at `now`: the next time it may, and `why`.
    // - The contact's local date is a holiday or blackout date (the workflow's, the contact's
    //   country's or the workspace's): closed that whole day, window or not ("blackout date
    //   2026-12-24 from the workspace config in Europe/Paris: the send window 'mon-fri
    //   09:00-17:00' opens again Mon 2026-12-28 09:00 local").
    // - Outside the window's blocks for the local weekday ("outside the send window
    //   'mon-fri 09:00-17:00' in Europe/Paris: it opens Mon 2026-03-30 09:00 local").
    // std::nullopt when a send may leave now.
    std::optional<TimePoint> window_deferral(TimePoint now, const nlohmann::json& inputs,
                                             std::string* why,
                                             const std::string& sender_zone = {}) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::runtime
