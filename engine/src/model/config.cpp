// Loader of the workspace config file (see relance/model/config.hpp and docs/limits.md).
#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/calendar/date_text.hpp>
#include <relance/calendar/holidays.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/model/config.hpp>
#include <relance/model/yaml_document.hpp>
#include <set>
#include <sstream>

#include "config_plugins.hpp"
#include "suggest.hpp"
#include "text_scan.hpp"
#include "tracking_reader.hpp"
#include "yaml_reader.hpp"

namespace relance::model {

using detail::did_you_mean;
using detail::Entry;
using detail::join;

const SenderAccount* Config::find_sender(const std::string& id) const {
    for (const auto& s : senders)
        if (s.id == id) return &s;
    return nullptr;
}

const SenderPool* Config::find_pool(const std::string& name) const {
    for (const auto& p : pools)
        if (p.name == name) return &p;
    return nullptr;
}

std::vector<std::string> Config::expand(const std::vector<std::string>& names,
                                        std::vector<std::string>* unknown) const {
    std::vector<std::string> out;
    auto add = [&](const std::string& id) {
        if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    };
    for (const auto& n : names) {
        if (const SenderPool* p = find_pool(n)) {
            for (const auto& m : p->members) add(m);
        } else if (find_sender(n)) {
            add(n);
        } else if (unknown) {
            unknown->push_back(n);
        }
    }
    return out;
}

std::vector<std::string> Config::names() const {
    std::vector<std::string> out;
    for (const auto& p : pools) out.push_back(p.name);
    for (const auto& s : senders) out.push_back(s.id);
    return out;
}

namespace {

class ConfigLoader : public detail::YamlReader {
  public:
    using YamlReader::YamlReader;

    Config load(const std::string& text) {
        Config cfg;
        cfg.file = file();
        YAML::Node root = parse_document(text);
        if (root.IsNull() || !root.IsDefined()) return cfg;  // an empty file: no senders
        if (!root.IsMap()) {
            error(pos(root, file_pos()),
                  "a config file is a mapping (senders, pools, plugins, calendar), got " +
                      kind_name(root));
            finish();
        }
        SourcePos rootp = pos(root, SourcePos{file(), 1, 1});
        auto es = entries(root);
        check_keys(es, {"senders", "pools", "plugins", "calendar", "tracking"}, "config", rootp);
        for (const auto& e : es)
            if (e.key == "senders") parse_senders(e, cfg, rootp);
        for (const auto& e : es)
            if (e.key == "plugins") detail::parse_plugin_settings(*this, e, cfg, rootp);
        for (const auto& e : es)  // after the senders, so members can be checked
            if (e.key == "pools") parse_pools(e, cfg, rootp);
        for (const auto& e : es)
            if (e.key == "calendar") parse_calendar(e, cfg.calendar, rootp);
        for (const auto& e : es)
            if (e.key == "tracking") detail::parse_tracking_settings(*this, e, cfg.tracking, rootp);
        finish();
        return cfg;
    }

  private:
    void parse_senders(const Entry& e, Config& cfg, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (e.value.IsNull()) return;
        if (!e.value.IsSequence()) {
            error(pos(e.value, kp),
                  "'senders' must be a list of sender accounts, got " + kind_name(e.value));
            return;
        }
        for (const auto& item : e.value) {
            SenderAccount s;
            s.pos = pos(item, kp);
            if (!item.IsMap()) {
                error(s.pos,
                      "a sender is a mapping with 'id' and 'channel', got " + kind_name(item));
                continue;
            }
            auto xs = entries(item);
            check_keys(xs, {"id", "channel", "timezone", "with", "vars", "limits"}, "sender",
                       s.pos);
            const YAML::Node* limits = nullptr;
            SourcePos limits_pos;
            for (const auto& x : xs) {
                SourcePos vp = pos(x.value, pos(x.key_node, s.pos));
                if (x.key == "id") {
                    if (auto v = scalar(x, s.pos, "text (a mailbox, phone number or seat)")) {
                        s.id = *v;
                        if (v->empty() || v->find_first_of(" \t,") != std::string::npos)
                            error(vp, "sender id '" + *v +
                                          "' must be non-empty, without "
                                          "spaces or commas");
                        else if (cfg.find_sender(*v))
                            error(vp, "sender '" + *v + "' is declared twice");
                    }
                } else if (x.key == "channel") {
                    if (auto v = scalar(x, s.pos, "a channel name (email, sms, linkedin...)")) {
                        s.channel = *v;
                        if (!detail::is_channel_name(*v))
                            error(vp, "channel '" + *v +
                                          "' must be a lowercase name such as "
                                          "email, sms, whatsapp or linkedin");
                    }
                } else if (x.key == "timezone") {
                    if (auto v = scalar(x, s.pos, "an IANA time zone name")) {
                        s.timezone = *v;
                        try {
                            calendar::find_zone(*v);
                        } catch (const std::exception& ex) {
                            error(vp, std::string(ex.what()) +
                                          " (e.g. Europe/Paris, America/New_York)");
                        }
                    }
                } else if (x.key == "with" || x.key == "vars") {
                    if (!x.value.IsMap()) {
                        error(vp, "'" + x.key + "' must be a mapping, got " + kind_name(x.value));
                        continue;
                    }
                    (x.key == "with" ? s.with : s.vars) =
                        to_json(x.value, "", vp, nullptr, nullptr);
                } else if (x.key == "limits") {
                    limits = &x.value;
                    limits_pos = pos(x.key_node, s.pos);
                }
            }
            if (s.id.empty() && !item["id"]) error(s.pos, "a sender needs an 'id'");
            if (s.channel.empty() && !item["channel"])
                error(s.pos, "sender '" + s.id + "' needs a 'channel' (email, sms, linkedin...)");
            if (limits) parse_limits(*limits, s, limits_pos);
            cfg.senders.push_back(std::move(s));
        }
    }

    // A whole number >= 0.
    std::optional<int> count(const Entry& x, const SourcePos& at) {
        json v =
            x.value.IsScalar() && x.value.Tag() == "?" ? plain_scalar(x.value.Scalar()) : json();
        if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 1'000'000) {
            error(pos(x.value, at),
                  "'" + x.key + "' must be a whole number from 0, got " + kind_name(x.value));
            return std::nullopt;
        }
        return v.get<int>();
    }

    std::optional<Millis> duration(const Entry& x, const SourcePos& at) {
        auto d = x.value.IsScalar() ? parse_duration(x.value.Scalar()) : std::nullopt;
        if (!d) {
            error(pos(x.value, at),
                  "'" + x.key + "' must be a duration (e.g. 90s, 2m), got " + kind_name(x.value));
            return std::nullopt;
        }
        return Millis{d->count()};
    }

    void parse_limits(const YAML::Node& node, SenderAccount& s, const SourcePos& kp) {
        if (!node.IsMap()) {
            error(pos(node, kp), "'limits' must be a mapping, got " + kind_name(node));
            return;
        }
        auto& l = s.limits;
        auto xs = entries(node);
        check_keys(xs,
                   {"daily_cap", "per_hour", "per_minute", "min_gap", "gap_jitter",
                    "per_domain_daily_cap", "ramp_up"},
                   "limits", kp);
        for (const auto& x : xs) {
            SourcePos at = pos(x.key_node, kp);
            if (x.key == "daily_cap") {
                l.daily_cap = count(x, at);
            } else if (x.key == "per_hour") {
                l.per_hour = count(x, at);
            } else if (x.key == "per_minute") {
                l.per_minute = count(x, at);
            } else if (x.key == "per_domain_daily_cap") {
                l.per_domain_daily_cap = count(x, at);
            } else if (x.key == "min_gap") {
                if (auto d = duration(x, at)) l.min_gap = *d;
            } else if (x.key == "gap_jitter") {
                if (auto d = duration(x, at)) l.gap_jitter = *d;
            } else if (x.key == "ramp_up") {
                parse_ramp_up(x, s, at);
            }
        }
        try {
            policy::validate(l);
        } catch (const std::exception& ex) {
            error(kp, std::string("sender '") + s.id + "': " + ex.what());
        }
    }

    // ramp_up: {start: 10, step_per_day: 5, max: 40, since: 2026-11-01}
    void parse_ramp_up(const Entry& e, SenderAccount& s, const SourcePos& kp) {
        if (!e.value.IsMap()) {
            error(pos(e.value, kp), "'ramp_up' must be a mapping {start, step_per_day, max}");
            return;
        }
        policy::SenderLimits::RampUp r;
        bool have_start = false, have_max = false;
        auto xs = entries(e.value);
        check_keys(xs, {"start", "step_per_day", "max", "since"}, "ramp_up", kp);
        for (const auto& x : xs) {
            SourcePos at = pos(x.key_node, kp);
            if (x.key == "start") {
                if (auto v = count(x, at)) r.start = *v, have_start = true;
            } else if (x.key == "step_per_day") {
                if (auto v = count(x, at)) r.step_per_day = *v;
            } else if (x.key == "max") {
                if (auto v = count(x, at)) r.max = *v, have_max = true;
            } else if (x.key == "since") {
                if (auto t = day_start(x, s.timezone)) {
                    r.since = *t;
                    s.ramp_since_given = true;
                }
            }
        }
        if (!have_start) error(kp, "'ramp_up' needs 'start' (the cap on its first day)");
        if (!have_max) error(kp, "'ramp_up' needs 'max' (the cap it grows to)");
        if (have_start && have_max && r.max < r.start)
            error(kp, "'ramp_up' max (" + std::to_string(r.max) + ") is below its start (" +
                          std::to_string(r.start) + ")");
        s.limits.ramp_up = r;
    }

    // "YYYY-MM-DD" as midnight in the sender's zone (UTC without one).
    std::optional<TimePoint> day_start(const Entry& x, const std::string& zone) {
        if (!x.value.IsScalar()) {
            error(pos(x.value, pos(x.key_node)),
                  "'since' must be a date YYYY-MM-DD, got " + kind_name(x.value));
            return std::nullopt;
        }
        try {
            const date::year_month_day ymd = calendar::parse_date(x.value.Scalar(), "'since' date");
            const date::time_zone* tz = calendar::resolve_zone({zone});
            return calendar::to_utc(calendar::LocalTime{date::local_days{ymd}}, tz);
        } catch (const std::invalid_argument& ex) {
            error(pos(x.value, pos(x.key_node)), ex.what());
            return std::nullopt;
        }
    }

    // calendar: {blackout_dates: [2026-12-24], holidays: [FR]}; each also takes a single value.
    void parse_calendar(const Entry& e, WorkspaceCalendar& cal, const SourcePos& rootp) {
        cal.pos = pos(e.key_node, rootp);
        if (e.value.IsNull()) return;
        if (!e.value.IsMap()) {
            error(pos(e.value, cal.pos),
                  "'calendar' must be a mapping {blackout_dates, holidays}, got " +
                      kind_name(e.value));
            return;
        }
        auto xs = entries(e.value);
        check_keys(xs, {"blackout_dates", "holidays"}, "calendar", cal.pos);
        for (const auto& x : xs) {
            SourcePos kp = pos(x.key_node, cal.pos);
            std::vector<YAML::Node> items;
            if (x.value.IsScalar()) {
                items.push_back(x.value);
            } else if (x.value.IsSequence()) {
                for (const auto& item : x.value) items.push_back(item);
            } else if (!x.value.IsNull()) {
                error(pos(x.value, kp),
                      "'" + x.key + "' must be a value or a list, got " + kind_name(x.value));
            }
            for (const auto& item : items) {
                SourcePos ip = pos(item, kp);
                if (!item.IsScalar()) {
                    error(ip, "'" + x.key + "' lists text values, got " + kind_name(item));
                    continue;
                }
                try {
                    if (x.key == "blackout_dates") {
                        calendar::parse_date(item.Scalar(), "blackout date");
                        cal.blackout_dates.push_back(item.Scalar());
                    } else {
                        std::string code = calendar::normalize_country(item.Scalar());
                        if (std::find(cal.holidays.begin(), cal.holidays.end(), code) ==
                            cal.holidays.end())
                            cal.holidays.push_back(std::move(code));
                    }
                } catch (const std::invalid_argument& ex) {
                    error(ip, ex.what());
                }
            }
        }
    }

    void parse_pools(const Entry& e, Config& cfg, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (e.value.IsNull()) return;
        if (!e.value.IsMap()) {
            error(pos(e.value, kp),
                  "'pools' must map pool names to lists of sender ids, got " + kind_name(e.value));
            return;
        }
        std::vector<std::string> ids;
        for (const auto& s : cfg.senders) ids.push_back(s.id);
        for (const auto& x : entries(e.value)) {
            SenderPool p;
            p.name = x.key;
            p.pos = pos(x.key_node, kp);
            if (!detail::is_dotted_name(p.name))
                error(p.pos, "pool name '" + p.name + "' must use letters, digits, '.', '_', '-'");
            if (cfg.find_sender(p.name))
                error(p.pos, "'" + p.name + "' is both a pool and a sender id");
            if (!x.value.IsSequence() || x.value.size() == 0) {
                error(pos(x.value, p.pos), "pool '" + p.name + "' must list sender ids");
                continue;
            }
            for (const auto& item : x.value) {
                std::string id = item.IsScalar() ? item.Scalar() : std::string();
                if (!cfg.find_sender(id))
                    error(pos(item, p.pos), "pool '" + p.name + "': unknown sender " +
                                                kind_name(item) + did_you_mean(id, ids));
                else if (std::find(p.members.begin(), p.members.end(), id) != p.members.end())
                    error(pos(item, p.pos), "pool '" + p.name + "' lists '" + id + "' twice");
                else
                    p.members.push_back(id);
            }
            cfg.pools.push_back(std::move(p));
        }
    }
};

}  // namespace

Config load_config_text(const std::string& text, const std::string& file_name) {
    ConfigLoader loader(file_name);
    return loader.load(text);
}

Config load_config_file(const std::string& path) {
    return load_config_text(read_yaml_file(path, "config file"), path);
}

}  // namespace relance::model
