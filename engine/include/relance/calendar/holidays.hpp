// National public holidays, computed by rule for any year (no year tables).
//
// Countries are ISO 3166-1 alpha-2 codes, case-insensitive ("UK" is accepted for GB). Each
// country lists its nationwide holidays only; regional ones (German Länder, Swiss cantons,
// Spanish communities, Alsace-Moselle, Scotland, US states, Canadian provinces) are left out and
// belong in a calendar's blackout dates. docs/calendars.md lists what each country includes.
//
// Where the law moves a holiday that falls on a weekend (GB and CA substitute days, US observed
// days), the list holds both the holiday on its own date and the substitute/observed day, each
// as its own entry. A substitute or observed day can belong to a neighbouring year (US: New
// Year's Day on a Saturday is observed on Friday 31 December of the year before); it is listed
// under the year of its own date.
#pragma once

#include <date/date.h>

#include <string>
#include <vector>

namespace relance::calendar {

struct Holiday {
    date::year_month_day date;
    std::string name;  // English name; substitute/observed days end in "(substitute day)" or
                       // "(observed)"

    friend bool operator==(const Holiday&, const Holiday&) = default;
};

// Codes with holiday rules, sorted: BE CA CH DE ES FR GB IT LU US.
const std::vector<std::string>& supported_countries();

// The code as stored ("fr" -> "FR", "UK" -> "GB"); throws std::invalid_argument naming the
// supported codes when there are no rules for `country`.
std::string normalize_country(const std::string& country);

// Holidays of `country` whose date is in `year`, sorted by date. Throws std::invalid_argument for
// an unknown country or a year outside [1583, 9999] (the Gregorian Easter computation's range).
std::vector<Holiday> holidays(const std::string& country, int year);

// True when `day` is a holiday (or a substitute/observed day) of `country`.
bool is_holiday(const std::string& country, date::year_month_day day);

// Gregorian Easter Sunday (Anonymous Gregorian algorithm, Meeus/Jones/Butcher).
date::year_month_day easter_sunday(int year);

}  // namespace relance::calendar
