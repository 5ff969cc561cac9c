// A workflow's `schedule:` made executable: its business calendar, its send window and the
// contact's time zone. Kept behind this small interface so the date library's headers stay out
// of the executor.
#pragma once

#include <relance/model/workflow.hpp>
#include <relance/base/clock.hpp>

#include <memory>
#include <optional>
#include <string>

namespace relance::runtime {

class CompiledSchedule {
public:
    // Throws std::invalid_argument on a bad zone, window, country or date (the loader has
    // already reported them with positions).
    explicit CompiledSchedule(const model::Schedule& schedule);
    ~CompiledSchedule();

    // The zone of a contact: its own (the `timezone` input), else the workflow's, else the
    // sender account's (`sender_zone`, "" when none), else UTC. Holidays: the workflow's
    // calendars plus the contact's country (the `country` input), when relance ships it.

    // `n` business days after `now`, at the same local time of day in the contact's zone.
    // `how` receives a description: "3 business days in Europe/Paris, skipping FR holidays".
    TimePoint add_business_days(TimePoint now, int n, const nlohmann::json& inputs,
                                std::string* how, const std::string& sender_zone = {}) const;

    // When the send window is closed at `now` for this contact: the next opening, and `why`
    // ("outside the send window mon-fri 09:00-17:00 (Europe/Paris): opens Mon 2026-03-30
    // 09:00 local"). std::nullopt when open, or when the workflow has no window.
    std::optional<TimePoint> window_deferral(TimePoint now, const nlohmann::json& inputs,
                                             std::string* why,
                                             const std::string& sender_zone = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::runtime
