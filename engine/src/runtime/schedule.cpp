#include "schedule.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <relance/calendar/business_calendar.hpp>
#include <relance/calendar/date_text.hpp>
#include <relance/calendar/holidays.hpp>
#include <relance/calendar/moment.hpp>
#include <relance/calendar/send_window.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/model/config.hpp>

namespace relance::runtime {

namespace {

std::string local_text(TimePoint t, const date::time_zone* tz) {
    auto local = calendar::to_local(t, tz);
    return date::format("%a %Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(local));
}

}  // namespace

struct CompiledSchedule::Impl {
    model::Schedule source;
    model::WorkspaceCalendar workspace;
    std::vector<std::string> countries;  // the workflow's calendar, then the workspace's holidays
    std::vector<date::year_month_day> workflow_blackout, workspace_blackout;
    calendar::BusinessCalendar calendar;
    std::optional<calendar::SendWindow> window;
    std::string default_zone;

    std::vector<date::year_month_day> blackout() const {
        auto out = workflow_blackout;
        out.insert(out.end(), workspace_blackout.begin(), workspace_blackout.end());
        return out;
    }

    // Calendars with the contact's country added, built once per country.
    mutable std::mutex by_country_m;
    mutable std::map<std::string, std::unique_ptr<calendar::BusinessCalendar>> by_country;

    static std::string input_text(const nlohmann::json& inputs, const std::string& name) {
        if (name.empty()) return {};
        auto it = inputs.find(name);
        return it != inputs.end() && it->is_string() ? it->get<std::string>() : std::string{};
    }

    static bool listed(const std::vector<std::string>& list, const std::string& item) {
        return std::find(list.begin(), list.end(), item) != list.end();
    }

    // Contact's zone (an input), then the workflow's (or its window's), then the sender's, then
    // UTC. An input that is not a zone name is passed over (`relance run` warns about it).
    const date::time_zone* zone(const nlohmann::json& inputs, const std::string& sender_zone,
                                std::string* name) const {
        const date::time_zone* tz = calendar::resolve_zone(
            {input_text(inputs, source.timezone_input), default_zone, sender_zone});
        if (name) *name = std::string(tz->name());
        return tz;
    }

    // The contact's country code when relance has its holidays and neither the workflow nor
    // the workspace already lists it; "" otherwise.
    std::string contact_country(const nlohmann::json& inputs) const {
        std::string text = input_text(inputs, source.country_input);
        if (text.empty()) return {};
        try {
            std::string code = calendar::normalize_country(text);
            return listed(countries, code) ? std::string{} : code;
        } catch (const std::exception&) {
            return {};
        }
    }

    const calendar::BusinessCalendar& calendar_for(const std::string& country) const {
        if (country.empty()) return calendar;
        std::lock_guard g(by_country_m);
        auto& slot = by_country[country];
        if (!slot) {
            auto with_contact = countries;
            with_contact.push_back(country);
            slot = std::make_unique<calendar::BusinessCalendar>(with_contact, blackout());
        }
        return *slot;
    }

    std::string skipping(const std::string& country) const {
        std::string out;
        for (const auto& c : countries) out += (out.empty() ? "" : "/") + c;
        if (!country.empty()) out += (out.empty() ? "" : "/") + country;
        if (!out.empty()) out = ", skipping " + out + " holidays";
        if (!workflow_blackout.empty() || !workspace_blackout.empty())
            out += ", skipping blackout dates";
        return out;
    }

    // Why `day` is closed to sends, naming where the date comes from; "" when it is not.
    std::string closed_because(date::year_month_day day, const std::string& contact) const {
        const std::string text = date::format("%F", day);
        auto has = [&](const std::vector<date::year_month_day>& list) {
            return std::find(list.begin(), list.end(), day) != list.end();
        };
        if (has(workspace_blackout)) return "blackout date " + text + " from the workspace config";
        if (has(workflow_blackout)) return "blackout date " + text + " of the workflow";
        auto holiday = [&](const std::string& country, const std::string& origin) -> std::string {
            for (const auto& h : calendar::holidays(country, int(day.year())))
                if (h.date == day)
                    return country + " holiday " + text + " (" + h.name + ")" + origin;
            return {};
        };
        for (const auto& c : countries) {
            const bool from_workspace =
                !listed(source.calendar, c) && listed(workspace.holidays, c);
            if (auto why = holiday(c, from_workspace ? " from the workspace config" : "");
                !why.empty())
                return why;
        }
        if (!contact.empty()) return holiday(contact, ", the contact's country");
        return {};
    }

    // Local midnight of the first day after `day` that is neither a holiday nor a blackout.
    static TimePoint next_open_day(date::year_month_day day, const date::time_zone* tz,
                                   const calendar::BusinessCalendar& cal) {
        date::local_days d{date::sys_days{day}.time_since_epoch()};
        do d += date::days{1};
        while (cal.is_holiday_or_blackout(date::year_month_day{d}));
        return calendar::to_utc(calendar::LocalTime{d}, tz);
    }
};

CompiledSchedule::CompiledSchedule(const model::Schedule& s,
                                   const model::WorkspaceCalendar* workspace)
    : impl_(std::make_unique<Impl>()) {
    impl_->source = s;
    if (workspace) impl_->workspace = *workspace;
    impl_->countries = s.calendar;
    for (const auto& c : impl_->workspace.holidays)
        if (!Impl::listed(impl_->countries, c)) impl_->countries.push_back(c);
    for (const auto& d : s.blackout) impl_->workflow_blackout.push_back(calendar::parse_date(d));
    for (const auto& d : impl_->workspace.blackout_dates)
        impl_->workspace_blackout.push_back(calendar::parse_date(d));
    impl_->calendar = calendar::BusinessCalendar(impl_->countries, impl_->blackout());
    if (!s.window.empty()) impl_->window = calendar::SendWindow::parse(s.window);
    impl_->default_zone = !s.timezone.empty() ? s.timezone
                          : impl_->window     ? impl_->window->zone_name()
                                              : std::string{};
}

CompiledSchedule::~CompiledSchedule() = default;

TimePoint CompiledSchedule::add_business_days(TimePoint now, int n, const nlohmann::json& inputs,
                                              std::string* how,
                                              const std::string& sender_zone) const {
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, sender_zone, &zone_name);
    std::string country = impl_->contact_country(inputs);
    TimePoint due = calendar::add_business_days(now, n, tz, impl_->calendar_for(country));
    if (how)
        *how = std::to_string(n) + " business day" + (n == 1 ? "" : "s") + " in " + zone_name +
               impl_->skipping(country) + ": " + local_text(due, tz) + " local";
    return due;
}

TimePoint CompiledSchedule::moment(const std::string& text, const model::MomentOffset& offset,
                                   const nlohmann::json& inputs, std::string* how,
                                   const std::string& sender_zone) const {
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, sender_zone, &zone_name);
    bool zoned = false;
    TimePoint at = calendar::parse_moment(text, tz, &zoned);
    std::string country;
    at = calendar::add_calendar_days(at, offset.days, tz);
    if (offset.business_days != 0) {
        country = impl_->contact_country(inputs);
        at =
            calendar::add_business_days(at, offset.business_days, tz, impl_->calendar_for(country));
    }
    at += offset.exact;
    if (how)
        *how = (zoned ? "" : "read in ") + zone_name +
               (offset.business_days != 0 ? impl_->skipping(country) : std::string()) + ": " +
               local_text(at, tz) + " local";
    return at;
}

std::optional<TimePoint> CompiledSchedule::window_deferral(TimePoint now,
                                                           const nlohmann::json& inputs,
                                                           std::string* why,
                                                           const std::string& sender_zone) const {
    std::string country = impl_->contact_country(inputs);
    if (!impl_->window && country.empty() && impl_->countries.empty() &&
        impl_->workflow_blackout.empty() && impl_->workspace_blackout.empty())
        return std::nullopt;  // nothing can close this send: skip the zone look-up
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, sender_zone, &zone_name);
    const calendar::BusinessCalendar& cal = impl_->calendar_for(country);
    const date::year_month_day today{date::floor<date::days>(calendar::to_local(now, tz))};
    if (cal.is_holiday_or_blackout(today)) {
        // A closed date stops sends whether or not the workflow has a window: an ops team's
        // "no sends on the 24th" must hold for every run.
        TimePoint next = impl_->window ? impl_->window->next_open(now, tz, &cal)
                                       : Impl::next_open_day(today, tz, cal);
        if (why)
            *why =
                impl_->closed_because(today, country) + " in " + zone_name + ": " +
                (impl_->window ? "the send window '" + impl_->window->to_string() + "' opens again "
                               : std::string("sends resume ")) +
                local_text(next, tz) + " local";
        return next;
    }
    if (!impl_->window || impl_->window->is_open(now, tz, &cal)) return std::nullopt;
    TimePoint next = impl_->window->next_open(now, tz, &cal);
    if (why)
        *why = "outside the send window '" + impl_->window->to_string() + "' in " + zone_name +
               impl_->skipping(country) + ": it opens " + local_text(next, tz) + " local";
    return next;
}

}  // namespace relance::runtime
