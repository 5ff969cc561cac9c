#include "schedule.hpp"

#include <relance/calendar/business_calendar.hpp>
#include <relance/calendar/send_window.hpp>
#include <relance/calendar/zones.hpp>

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

    // Contact's zone (an input), then the workflow's, then the window's own, then UTC.
    const date::time_zone* zone(const nlohmann::json& inputs, std::string* name) const {
        std::string contact;
        if (auto it = inputs.find(source.timezone_input);
            it != inputs.end() && it->is_string())
            contact = it->get<std::string>();
        const date::time_zone* tz = calendar::resolve_zone({contact, default_zone});
        if (name) *name = std::string(tz->name());
        return tz;
    }

    std::string skipping() const {
        std::string out;
        for (const auto& c : source.calendar) out += (out.empty() ? "" : "/") + c;
        if (!out.empty()) out = ", skipping " + out + " holidays";
        if (!source.blackout.empty()) out += ", skipping blackout dates";
        return out;
    }
};

CompiledSchedule::CompiledSchedule(const model::Schedule& s)
    : impl_(std::make_unique<Impl>(Impl{s, calendar::BusinessCalendar{}, std::nullopt, {}})) {
    impl_->calendar = calendar::BusinessCalendar(s.calendar, impl_->blackout());
    if (!s.window.empty()) impl_->window = calendar::SendWindow::parse(s.window);
    impl_->default_zone = !s.timezone.empty() ? s.timezone
                          : impl_->window     ? impl_->window->zone_name()
                                              : std::string{};
}

CompiledSchedule::~CompiledSchedule() = default;

TimePoint CompiledSchedule::add_business_days(TimePoint now, int n, const nlohmann::json& inputs,
                                              std::string* how) const {
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, &zone_name);
    TimePoint due = calendar::add_business_days(now, n, tz, impl_->calendar);
    if (how)
        *how = std::to_string(n) + " business day" + (n == 1 ? "" : "s") + " in " + zone_name +
               impl_->skipping() + ": " + local_text(due, tz) + " local";
    return due;
}

std::optional<TimePoint> CompiledSchedule::window_deferral(TimePoint now,
                                                           const nlohmann::json& inputs,
                                                           std::string* why) const {
    if (!impl_->window) return std::nullopt;
    std::string zone_name;
    const date::time_zone* tz = impl_->zone(inputs, &zone_name);
    if (impl_->window->is_open(now, tz, &impl_->calendar)) return std::nullopt;
    TimePoint next = impl_->window->next_open(now, tz, &impl_->calendar);
    if (why)
        *why = "outside the send window '" + impl_->window->to_string() + "' in " + zone_name +
               impl_->skipping() + ": it opens " + local_text(next, tz) + " local";
    return next;
}

}  // namespace relance::runtime
