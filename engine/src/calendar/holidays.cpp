// Holiday rules per country. Every date is computed: fixed dates, Easter offsets, n-th weekdays,
// and the weekend substitution rules of GB, CA (next free weekday) and US (Sat -> Fri, Sun -> Mon).
#include "relance/calendar/holidays.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace relance::calendar {
namespace {

using date::days;
using date::sys_days;
using date::year_month_day;

struct Rule {
    sys_days day;
    const char* name;
    bool substitutable = false;  // moves off a weekend under the country's substitution rule
};

enum class Substitution { none, next_free_weekday, us_nearest_weekday };

year_month_day ymd(int y, unsigned m, unsigned d) {
    return year_month_day{date::year{y}, date::month{m}, date::day{d}};
}
sys_days fixed(int y, unsigned m, unsigned d) { return sys_days{ymd(y, m, d)}; }

// n-th (1-based) weekday `wd` of month m; n == 0 means the last one.
sys_days nth_weekday(int y, unsigned m, date::weekday wd, unsigned n) {
    auto ym = date::year{y} / date::month{m};
    if (n == 0) return sys_days{ym / wd[date::last]};
    return sys_days{ym / wd[n]};
}

bool is_weekend(sys_days d) {
    auto wd = date::weekday{d};
    return wd == date::Saturday || wd == date::Sunday;
}

std::vector<Rule> france(int y, sys_days easter) {
    return {{fixed(y, 1, 1), "New Year's Day"},
            {easter + days{1}, "Easter Monday"},
            {fixed(y, 5, 1), "Labour Day"},
            {fixed(y, 5, 8), "Victory in Europe Day"},
            {easter + days{39}, "Ascension Day"},
            {easter + days{50}, "Whit Monday"},
            {fixed(y, 7, 14), "Bastille Day"},
            {fixed(y, 8, 15), "Assumption Day"},
            {fixed(y, 11, 1), "All Saints' Day"},
            {fixed(y, 11, 11), "Armistice Day"},
            {fixed(y, 12, 25), "Christmas Day"}};
}

std::vector<Rule> belgium(int y, sys_days easter) {
    return {{fixed(y, 1, 1), "New Year's Day"},
            {easter + days{1}, "Easter Monday"},
            {fixed(y, 5, 1), "Labour Day"},
            {easter + days{39}, "Ascension Day"},
            {easter + days{50}, "Whit Monday"},
            {fixed(y, 7, 21), "Belgian National Day"},
            {fixed(y, 8, 15), "Assumption Day"},
            {fixed(y, 11, 1), "All Saints' Day"},
            {fixed(y, 11, 11), "Armistice Day"},
            {fixed(y, 12, 25), "Christmas Day"}};
}

std::vector<Rule> luxembourg(int y, sys_days easter) {
    std::vector<Rule> r{{fixed(y, 1, 1), "New Year's Day"},
                        {easter + days{1}, "Easter Monday"},
                        {fixed(y, 5, 1), "Labour Day"},
                        {easter + days{39}, "Ascension Day"},
                        {easter + days{50}, "Whit Monday"},
                        {fixed(y, 6, 23), "National Day"},
                        {fixed(y, 8, 15), "Assumption Day"},
                        {fixed(y, 11, 1), "All Saints' Day"},
                        {fixed(y, 12, 25), "Christmas Day"},
                        {fixed(y, 12, 26), "St Stephen's Day"}};
    if (y >= 2019) r.push_back({fixed(y, 5, 9), "Europe Day"});  // law of 26 April 2019
    return r;
}

// Only 1 August is federal law; the others are observed by most cantons (see docs/calendars.md).
std::vector<Rule> switzerland(int y, sys_days easter) {
    return {{fixed(y, 1, 1), "New Year's Day"},
            {fixed(y, 1, 2), "Berchtold's Day"},
            {easter - days{2}, "Good Friday"},
            {easter + days{1}, "Easter Monday"},
            {easter + days{39}, "Ascension Day"},
            {easter + days{50}, "Whit Monday"},
            {fixed(y, 8, 1), "Swiss National Day"},
            {fixed(y, 12, 25), "Christmas Day"},
            {fixed(y, 12, 26), "St Stephen's Day"}};
}

std::vector<Rule> germany(int y, sys_days easter) {
    std::vector<Rule> r{{fixed(y, 1, 1), "New Year's Day"},
                        {easter - days{2}, "Good Friday"},
                        {easter + days{1}, "Easter Monday"},
                        {fixed(y, 5, 1), "Labour Day"},
                        {easter + days{39}, "Ascension Day"},
                        {easter + days{50}, "Whit Monday"},
                        {fixed(y, 12, 25), "Christmas Day"},
                        {fixed(y, 12, 26), "Second Day of Christmas"}};
    if (y >= 1990) r.push_back({fixed(y, 10, 3), "German Unity Day"});
    if (y == 2017) r.push_back({fixed(y, 10, 31), "Reformation Day (500th anniversary)"});
    return r;
}

std::vector<Rule> spain(int y, sys_days easter) {
    return {{fixed(y, 1, 1), "New Year's Day"},
            {fixed(y, 1, 6), "Epiphany"},
            {easter - days{2}, "Good Friday"},
            {fixed(y, 5, 1), "Labour Day"},
            {fixed(y, 8, 15), "Assumption Day"},
            {fixed(y, 10, 12), "National Day of Spain"},
            {fixed(y, 11, 1), "All Saints' Day"},
            {fixed(y, 12, 6), "Constitution Day"},
            {fixed(y, 12, 8), "Immaculate Conception"},
            {fixed(y, 12, 25), "Christmas Day"}};
}

std::vector<Rule> italy(int y, sys_days easter) {
    std::vector<Rule> r{{fixed(y, 1, 1), "New Year's Day"},
                        {fixed(y, 1, 6), "Epiphany"},
                        {easter + days{1}, "Easter Monday"},
                        {fixed(y, 4, 25), "Liberation Day"},
                        {fixed(y, 5, 1), "Labour Day"},
                        {fixed(y, 6, 2), "Republic Day"},
                        {fixed(y, 8, 15), "Assumption Day"},
                        {fixed(y, 11, 1), "All Saints' Day"},
                        {fixed(y, 12, 8), "Immaculate Conception"},
                        {fixed(y, 12, 25), "Christmas Day"},
                        {fixed(y, 12, 26), "St Stephen's Day"}};
    // Restored as a national holiday by the law of October 2025, from 2026 on.
    if (y >= 2026) r.push_back({fixed(y, 10, 4), "St Francis of Assisi Day"});
    return r;
}

// England and Wales bank holidays (Banking and Financial Dealings Act 1971 as applied each year).
std::vector<Rule> great_britain(int y, sys_days easter) {
    return {{fixed(y, 1, 1), "New Year's Day", true},
            {easter - days{2}, "Good Friday"},
            {easter + days{1}, "Easter Monday"},
            {nth_weekday(y, 5, date::Monday, 1), "Early May Bank Holiday"},
            {nth_weekday(y, 5, date::Monday, 0), "Spring Bank Holiday"},
            {nth_weekday(y, 8, date::Monday, 0), "Summer Bank Holiday"},
            {fixed(y, 12, 25), "Christmas Day", true},
            {fixed(y, 12, 26), "Boxing Day", true}};
}

std::vector<Rule> united_states(int y, sys_days) {
    std::vector<Rule> r{{fixed(y, 1, 1), "New Year's Day", true},
                        {nth_weekday(y, 2, date::Monday, 3), "Washington's Birthday"},
                        {nth_weekday(y, 5, date::Monday, 0), "Memorial Day"},
                        {fixed(y, 7, 4), "Independence Day", true},
                        {nth_weekday(y, 9, date::Monday, 1), "Labor Day"},
                        {nth_weekday(y, 10, date::Monday, 2), "Columbus Day"},
                        {fixed(y, 11, 11), "Veterans Day", true},
                        {nth_weekday(y, 11, date::Thursday, 4), "Thanksgiving Day"},
                        {fixed(y, 12, 25), "Christmas Day", true}};
    if (y >= 1986) r.push_back({nth_weekday(y, 1, date::Monday, 3), "Martin Luther King Jr. Day"});
    if (y >= 2021) r.push_back({fixed(y, 6, 19), "Juneteenth National Independence Day", true});
    return r;
}

// Federal statutory holidays (Canada Labour Code, s. 166).
std::vector<Rule> canada(int y, sys_days easter) {
    // Victoria Day: the Monday preceding 25 May.
    sys_days may24 = fixed(y, 5, 24);
    sys_days victoria = may24 - (date::weekday{may24} - date::Monday);
    std::vector<Rule> r{{fixed(y, 1, 1), "New Year's Day", true},
                        {easter - days{2}, "Good Friday"},
                        {victoria, "Victoria Day"},
                        {fixed(y, 7, 1), "Canada Day", true},
                        {nth_weekday(y, 9, date::Monday, 1), "Labour Day"},
                        {nth_weekday(y, 10, date::Monday, 2), "Thanksgiving Day"},
                        {fixed(y, 11, 11), "Remembrance Day", true},
                        {fixed(y, 12, 25), "Christmas Day", true},
                        {fixed(y, 12, 26), "Boxing Day", true}};
    if (y >= 2021) {
        r.push_back({fixed(y, 9, 30), "National Day for Truth and Reconciliation", true});
    }
    return r;
}

struct Country {
    const char* code;
    std::vector<Rule> (*rules)(int, sys_days);
    Substitution substitution;
};

// Sorted by code.
const Country kCountries[] = {
    {"BE", belgium, Substitution::none},
    {"CA", canada, Substitution::next_free_weekday},
    {"CH", switzerland, Substitution::none},
    {"DE", germany, Substitution::none},
    {"ES", spain, Substitution::none},
    {"FR", france, Substitution::none},
    {"GB", great_britain, Substitution::next_free_weekday},
    {"IT", italy, Substitution::none},
    {"LU", luxembourg, Substitution::none},
    {"US", united_states, Substitution::us_nearest_weekday},
};

const Country& find_country(const std::string& code) {
    std::string up;
    for (char c : code) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up == "UK") up = "GB";
    for (const auto& c : kCountries) {
        if (up == c.code) return c;
    }
    std::string list;
    for (const auto& c : kCountries) list += (list.empty() ? "" : ", ") + std::string(c.code);
    throw std::invalid_argument("unknown holiday country '" + code + "' (supported: " + list +
                                ")");
}

void check_year(int year) {
    if (year < 1583 || year > 9999) {
        throw std::invalid_argument("holiday year " + std::to_string(year) +
                                    " is outside 1583..9999");
    }
}

// All holidays of one rule year, with substitute/observed days, sorted. Substitute days may fall
// into the next year and observed days into the previous one.
std::vector<Holiday> year_holidays(const Country& country, int y) {
    auto rules = country.rules(y, sys_days{easter_sunday(y)});
    std::sort(rules.begin(), rules.end(),
              [](const Rule& a, const Rule& b) { return a.day < b.day; });
    std::vector<Holiday> out;
    for (const auto& r : rules) out.push_back({year_month_day{r.day}, r.name});

    auto taken = [&](sys_days d) {
        return std::any_of(out.begin(), out.end(),
                           [&](const Holiday& h) { return sys_days{h.date} == d; });
    };
    for (const auto& r : rules) {
        if (!r.substitutable || !is_weekend(r.day)) continue;
        switch (country.substitution) {
            case Substitution::none:
                break;
            case Substitution::next_free_weekday: {
                // In date order, so Christmas takes the first free weekday before Boxing Day.
                sys_days d = r.day + days{1};
                while (is_weekend(d) || taken(d)) d += days{1};
                out.push_back({year_month_day{d}, std::string(r.name) + " (substitute day)"});
                break;
            }
            case Substitution::us_nearest_weekday: {
                sys_days d = date::weekday{r.day} == date::Saturday ? r.day - days{1}
                                                                     : r.day + days{1};
                out.push_back({year_month_day{d}, std::string(r.name) + " (observed)"});
                break;
            }
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) {
        return sys_days{a.date} < sys_days{b.date};
    });
    return out;
}

}  // namespace

const std::vector<std::string>& supported_countries() {
    static const std::vector<std::string> codes = [] {
        std::vector<std::string> v;
        for (const auto& c : kCountries) v.emplace_back(c.code);
        return v;
    }();
    return codes;
}

std::string normalize_country(const std::string& country) { return find_country(country).code; }

date::year_month_day easter_sunday(int year) {
    check_year(year);
    const int a = year % 19;
    const int b = year / 100;
    const int c = year % 100;
    const int d = b / 4;
    const int e = b % 4;
    const int f = (b + 8) / 25;
    const int g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4;
    const int k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const int month = (h + l - 7 * m + 114) / 31;
    const int day = (h + l - 7 * m + 114) % 31 + 1;
    return ymd(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::vector<Holiday> holidays(const std::string& country, int year) {
    const Country& c = find_country(country);
    check_year(year);
    std::vector<Holiday> out;
    for (int y = year - 1; y <= year + 1; ++y) {
        if (y < 1583 || y > 9999) continue;
        for (auto& h : year_holidays(c, y)) {
            if (int(h.date.year()) == year) out.push_back(std::move(h));
        }
    }
    return out;
}

bool is_holiday(const std::string& country, date::year_month_day day) {
    if (!day.ok()) throw std::invalid_argument("is_holiday: invalid date");
    // Business-day arithmetic asks this for every day it walks over: keep the dates of each
    // (country, year) once computed. Entries are never erased, so the references stay valid.
    static std::mutex mutex;
    static std::map<std::pair<const Country*, int>, std::vector<sys_days>> cache;
    const Country& c = find_country(country);
    const int year = int(day.year());
    const std::vector<sys_days>* days_of_year = nullptr;
    {
        std::lock_guard lock(mutex);
        auto it = cache.find({&c, year});
        if (it == cache.end()) {
            std::vector<sys_days> list;
            for (const auto& h : holidays(c.code, year)) list.push_back(sys_days{h.date});
            it = cache.emplace(std::make_pair(&c, year), std::move(list)).first;
        }
        days_of_year = &it->second;
    }
    return std::find(days_of_year->begin(), days_of_year->end(), sys_days{day}) !=
           days_of_year->end();
}

}  // namespace relance::calendar
