#include "schedule.hpp"

#include <relance/calendar/business_calendar.hpp>
#include <relance/calendar/holidays.hpp>
#include <relance/calendar/send_window.hpp>
#include <relance/calendar/zones.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

namespace relance::runtime {

namespace {

date::year_month_day parse_day(const std::string& text) {
    int y = 0;
    unsigned m = 0, d = 0;
    char dash1 = 0, dash2 = 0;
    std::istringstream in(text);
    in >> y >> dash1 >> m >> dash2 >> d;
    date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
    if (!in || dash1 != '-' || dash2 != '-' || !ymd.ok())
        throw std::invalid_argument("invalid date '" + text + "'");
    return ymd;
}

std::string local_text(TimePoint t, const date::time_zone* tz) {
    auto local = calendar::to_local(t, tz);
    return date::format("%a %Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(local));
}

}  // namespace

struct CompiledSchedule::Impl {
    model::Schedule source;
    calendar::BusinessCalendar calendar;
    std::optional<calendar::SendWindow> window;
    std::string default_zone;

    std::vector<date::year_month_day> blackout() const {
        std::vector<date::year_month_day> out;
        for (const auto& d : source.blackout) out.push_back(parse_day(d));
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

    // Contact's zone (an input), then the workflow's (or its window's), then the sender's, then
    // UTC. An input that is not a zone name is passed over (`relance run` warns about it).
    const date::time_zone* zone(const nlohmann::json& inputs, const std::string& sender_zone,
                                std::string* name) const {
        const date::time_zone* tz = calendar::resolve_zone(
            {input_text(inputs, source.timezone_input), default_zone, sender_zone});
        if (name) *name = std::string(tz->name());
        return tz;
    }

    // The contact's country code when relance has its holidays and the workflow does not
    // already list it; "" otherwise.
    std::string contact_country(const nlohmann::json& inputs) const {
        std::string text = input_text(inputs, source.country_input);
        if (text.empty()) return {};
        try {
            std::string code = calendar::normalize_country(text);
            if (std::find(source.calendar.begin(), source.calendar.end(), code) !=
                source.calendar.end())
                return {};
            return code;
        } catch (const std::exception&) {
            return {};
        }
    }

    const calendar::BusinessCalendar& calendar_for(const std::string& country) const {
        if (country.empty()) return calendar;
        std::lock_guard g(by_country_m);
        auto& slot = by_country[country];
        if (!slot) {
            auto countries = source.calendar;
            countries.push_back(country);
            slot = std::make_unique<calendar::BusinessCalendar>(countries, blackout());
        }
        return *slot;
    }

    std::string skipping(const std::string& country) const {
        std::string out;
        for (const auto& c : source.calendar) out += (out.empty() ? "" : "/") + c;
        if (!country.empty()) out += (out.empty() ? "" : "/") + country;
        if (!out.empty()) out = ", skipping " + out + " holidays";
        if (!source.blackout.empty()) out += ", skipping blackout dates";
        return out;
    }
};

CompiledSchedule::CompiledSchedule(const model::Schedule& s) : impl_(std::make_unique<Impl>()) {
    impl_->source = s;
    impl_->calendar = calendar::BusinessCalendar(s.calendar, impl_->blackout());
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

std::optional<TimePoint> CompiledSchedule::window_deferral(TimePoint now,
                                                           const nlohmann::json& inputs,
                                                           std::string* why,
                                                           const std::string& sender_zone) const {
    if (!impl_->window) return std::nullopt;
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, sender_zone, &zone_name);
    std::string country = impl_->contact_country(inputs);
    const calendar::BusinessCalendar& cal = impl_->calendar_for(country);
    if (impl_->window->is_open(now, tz, &cal)) return std::nullopt;
    TimePoint next = impl_->window->next_open(now, tz, &cal);
    if (why)
        *why = "outside the send window '" + impl_->window->to_string() + "' in " + zone_name +
               impl_->skipping(country) + ": it opens " + local_text(next, tz) + " local";
    return next;
}

}  // namespace relance::runtime
