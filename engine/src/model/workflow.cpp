// YAML v1 loader: turns a workflow file into the Workflow model, collecting every problem it can
// find (with file:line:col) before giving up, so one edit-run cycle fixes many mistakes.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <relance/calendar/date_text.hpp>
#include <relance/calendar/holidays.hpp>
#include <relance/calendar/send_window.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/model/workflow.hpp>
#include <relance/model/yaml_document.hpp>
#include <set>
#include <sstream>

#include "suggest.hpp"
#include "text_scan.hpp"
#include "tracking_reader.hpp"
#include "triggers_reader.hpp"
#include "yaml_reader.hpp"

namespace relance::model {

using detail::did_you_mean;
using detail::is_identifier;
using detail::join;

std::string SourcePos::str() const {
    std::string out = file.empty() ? std::string("<workflow>") : file;
    if (line > 0) {
        out += ":" + std::to_string(line);
        if (column > 0) out += ":" + std::to_string(column);
    }
    return out;
}

std::string Diagnostic::str() const {
    return pos.str() + (severity == Severity::error ? ": error: " : ": warning: ") + message;
}

LoadError::LoadError(std::vector<Diagnostic> diagnostics) : diagnostics_(std::move(diagnostics)) {
    for (std::size_t i = 0; i < diagnostics_.size(); ++i) {
        if (i) text_ += "\n";
        text_ += diagnostics_[i].str();
    }
    if (text_.empty()) text_ = "workflow could not be loaded";
}

const char* to_string(InputType t) {
    switch (t) {
        case InputType::string:
            return "string";
        case InputType::number:
            return "number";
        case InputType::integer:
            return "integer";
        case InputType::boolean:
            return "boolean";
        case InputType::object:
            return "object";
        case InputType::array:
            return "array";
    }
    return "?";
}

const char* to_string(StepKind k) {
    switch (k) {
        case StepKind::action:
            return "uses";
        case StepKind::set:
            return "set";
        case StepKind::if_:
            return "if";
        case StepKind::wait:
            return "wait";
        case StepKind::lua:
            return "lua";
        case StepKind::exit:
            return "exit";
        case StepKind::wait_for:
            return "wait_for";
    }
    return "?";
}

const std::vector<std::string>& engine_event_types() {
    static const std::vector<std::string> types = {
        "delivered", "opened", "clicked", "replied", "bounced", "unsubscribed", "complained"};
    return types;
}

std::string suggest_event_type(const std::string& type) {
    const auto& known = engine_event_types();
    std::string lower;
    for (char c : type) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (std::find(known.begin(), known.end(), lower) != known.end()) return lower;
    // Providers' own spellings (SendGrid's "open", "bounce", "spamreport"...).
    static const std::map<std::string, std::string> provider = {
        {"delivery", "delivered"}, {"open", "opened"},          {"click", "clicked"},
        {"reply", "replied"},      {"bounce", "bounced"},       {"unsubscribe", "unsubscribed"},
        {"unsub", "unsubscribed"}, {"complaint", "complained"}, {"spamreport", "complained"},
        {"spam", "complained"}};
    if (auto it = provider.find(lower); it != provider.end()) return it->second;
    return detail::closest(lower, known);
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    // Units must appear largest first and at most once ("1h30m", not "30m1h" or "1h1h"), so a
    // duration has exactly one spelling family and typos like "5mm" are caught.
    static const std::string order = "wdhms";
    static const long long unit_ms[] = {7LL * 86'400'000, 86'400'000, 3'600'000, 60'000, 1'000};
    if (text.empty()) return std::nullopt;
    long long total = 0;
    std::size_t i = 0;
    std::size_t last_unit = std::string::npos;
    while (i < text.size()) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        long long n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            n = n * 10 + (text[i] - '0');
            if (n > 1'000'000'000LL) return std::nullopt;  // absurd; keeps the sum from overflowing
            ++i;
        }
        if (i == text.size()) return std::nullopt;  // a number needs a unit
        std::size_t u = order.find(text[i]);
        if (u == std::string::npos) return std::nullopt;
        if (last_unit != std::string::npos && u <= last_unit) return std::nullopt;
        last_unit = u;
        total += n * unit_ms[u];
        ++i;
    }
    return std::chrono::milliseconds(total);
}

std::optional<MomentOffset> parse_moment_offset(const std::string& text) {
    std::string_view body = text;
    bool negative = false;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
        negative = body[0] == '-';
        body.remove_prefix(1);
    }
    MomentOffset out;
    if (auto bd = detail::business_days(body)) {
        out.business_days = negative ? -*bd : *bd;
        return out;
    }
    // Split at the last day-or-week unit: what precedes counts in calendar days, the rest is
    // exact. parse_duration checks the whole text (unit order, bounds) first.
    auto total = parse_duration(std::string(body));
    if (!total) return std::nullopt;
    std::size_t split = body.find_last_of("wd");
    std::chrono::milliseconds calendar{0};
    if (split != std::string_view::npos)
        calendar = *parse_duration(std::string(body.substr(0, split + 1)));
    long long days = calendar.count() / 86'400'000;
    if (days > 100'000) return std::nullopt;  // about 270 years: no moment is that far off
    out.days = static_cast<int>(days);
    out.exact = *total - calendar;
    if (out.exact > std::chrono::hours(24 * 100'000)) return std::nullopt;
    if (negative) {
        out.days = -out.days;
        out.exact = -out.exact;
    }
    return out;
}

namespace {

constexpr const char* kStepKinds[] = {"uses", "set", "if", "wait", "lua", "exit", "wait_for"};

using detail::Entry;
using detail::pointer_escape;
using detail::YamlReader;

class Loader : public YamlReader {
    bool sequence_keys_ = false;  // parsing a `sequence:` item: `day` keys belong to it
    std::set<std::string> used_sequence_ids_;
    // Event types named by stop_on and wait_for, checked once custom_events is known.
    struct NamedEvent {
        std::string type;
        SourcePos pos;
        const char* key;
    };
    std::vector<NamedEvent> named_events_;
    // `defaults:` of the sequence form, as a step, and the keys it gives.
    std::optional<Step> defaults_;
    std::set<std::string> default_keys_;

  public:
    explicit Loader(std::string file) : YamlReader(std::move(file)) {}

    Workflow load(const std::string& text) {
        Workflow wf;
        wf.file = file();
        wf.source = text;
        YAML::Node root = parse_document(text);
        if (!root.IsMap()) {
            error(root.IsDefined() && !root.IsNull() ? pos(root, file_pos()) : file_pos(),
                  "a workflow must be a mapping with at least 'name', 'version' and 'steps'");
            throw LoadError(diags);
        }
        SourcePos rootp = pos(root, SourcePos{file(), 1, 1});
        auto es = entries(root);
        check_keys(
            es,
            {"name", "version", "description", "inputs", "schedule", "stop_on", "custom_events",
             "enrollment", "senders", "defaults", "steps", "sequence", "triggers", "track"},
            "workflow", rootp);
        const Entry* steps = nullptr;
        const Entry* sequence = nullptr;
        const Entry* defaults = nullptr;
        bool have_name = false, have_version = false;
        for (const auto& e : es) {
            if (e.key == "name") {
                have_name = true;
                if (auto s = scalar(e, rootp, "text")) {
                    wf.name = *s;
                    if (!detail::is_lower_name(*s))
                        error(pos(e.value, rootp),
                              "workflow name " + detail::quote_cut(*s) +
                                  " must use only lowercase letters, digits, '_' and '-'");
                }
            } else if (e.key == "version") {
                have_version = true;
                if (auto s = scalar(e, rootp, "a scalar")) {
                    wf.version = *s;
                    if (s->empty()) error(pos(e.value, pos(e.key_node)), "'version' is empty");
                }
            } else if (e.key == "description") {
                if (auto s = scalar(e, rootp, "text")) wf.description = *s;
            } else if (e.key == "inputs") {
                parse_inputs(e, wf);
            } else if (e.key == "schedule") {
                parse_schedule(e, wf.schedule, rootp);
            } else if (e.key == "stop_on") {
                parse_stop_on(e, wf, rootp);
            } else if (e.key == "custom_events") {
                parse_custom_events(e, wf, rootp);
            } else if (e.key == "defaults") {
                defaults = &e;
            } else if (e.key == "enrollment") {
                parse_enrollment(e, wf.enrollment, rootp);
            } else if (e.key == "senders") {
                wf.senders_pos = pos(e.value, pos(e.key_node, rootp));
                wf.senders = parse_senders(e, wf.senders_pos);
            } else if (e.key == "steps") {
                steps = &e;
            } else if (e.key == "sequence") {
                sequence = &e;
            } else if (e.key == "triggers") {
                parse_triggers(*this, e, wf.triggers, rootp);
            } else if (e.key == "track") {
                detail::parse_track(*this, e, wf.track, rootp);
            }
        }
        check_trigger_inputs(*this, wf);
        if (!have_name) error(rootp, "missing required key 'name'");
        if (!have_version) error(rootp, "missing required key 'version'");
        if (defaults && !sequence)
            error(pos(defaults->key_node, rootp),
                  "'defaults' applies to the entries of 'sequence'; with 'steps', write each step "
                  "in full");
        if (defaults) parse_defaults(*defaults, rootp);
        if (sequence && steps) {
            error(pos(sequence->key_node, rootp),
                  "a workflow has either 'steps' or 'sequence', not both");
        } else if (sequence) {
            parse_sequence(*sequence, wf, rootp);
            assign_ids(wf);
        } else if (!steps) {
            error(rootp, "missing required key 'steps' (or 'sequence')");
        } else if (!steps->value.IsSequence()) {
            error(pos(steps->value, pos(steps->key_node)),
                  "'steps' must be a list of steps, got " + kind_name(steps->value));
        } else if (steps->value.size() == 0) {
            error(pos(steps->key_node, rootp), "'steps' is empty: a workflow needs a step");
        } else {
            parse_steps(steps->value, wf.steps, pos(steps->key_node, rootp));
            assign_ids(wf);
        }
        check_event_types(wf);
        if (!diags.empty()) finish();
        return wf;
    }

    // schedule: {timezone, window, calendar, blackout, timezone_input}. Each value is checked
    // here with the calendar library, so a typo in a zone or a window fails at load, with its
    // position, not on the first send.
    void parse_schedule(const Entry& e, Schedule& sc, const SourcePos& rootp) {
        sc.pos = pos(e.key_node, rootp);
        if (!e.value.IsMap()) {
            error(pos(e.value, sc.pos), "'schedule' must be a mapping, got " + kind_name(e.value));
            return;
        }
        auto es = entries(e.value);
        check_keys(
            es, {"timezone", "window", "calendar", "blackout", "timezone_input", "country_input"},
            "schedule", sc.pos);
        auto texts = [&](const Entry& x) {
            std::vector<std::pair<std::string, SourcePos>> out;
            SourcePos kp = pos(x.key_node, sc.pos);
            if (x.value.IsScalar()) {
                out.emplace_back(x.value.Scalar(), pos(x.value, kp));
            } else if (x.value.IsSequence()) {
                for (const auto& item : x.value) {
                    if (item.IsScalar())
                        out.emplace_back(item.Scalar(), pos(item, kp));
                    else
                        error(pos(item, kp),
                              "'" + x.key + "' lists text values, got " + kind_name(item));
                }
            } else {
                error(pos(x.value, kp),
                      "'" + x.key + "' must be a value or a list, got " + kind_name(x.value));
            }
            return out;
        };
        for (const auto& x : es) {
            SourcePos vp = pos(x.value, pos(x.key_node, sc.pos));
            if (x.key == "timezone") {
                if (auto v = scalar(x, sc.pos, "an IANA time zone name")) {
                    sc.timezone = *v;
                    try {
                        calendar::find_zone(*v);
                    } catch (const std::exception& ex) {
                        error(vp,
                              std::string(ex.what()) + " (e.g. Europe/Paris, America/New_York)");
                    }
                }
            } else if (x.key == "window") {
                if (auto v = scalar(x, sc.pos, "a send window")) {
                    sc.window = *v;
                    try {
                        calendar::SendWindow::parse(*v);
                    } catch (const std::exception& ex) {
                        error(vp, std::string("invalid send window: ") + ex.what() +
                                      " (e.g. \"mon-fri 09:00-12:00,14:00-17:30\")");
                    }
                }
            } else if (x.key == "calendar") {
                for (auto& [code, p] : texts(x)) {
                    try {
                        sc.calendar.push_back(calendar::normalize_country(code));
                    } catch (const std::exception& ex) {
                        error(p, ex.what());
                    }
                }
            } else if (x.key == "blackout") {
                for (auto& [d, p] : texts(x)) {
                    try {
                        calendar::parse_date(d, "blackout date");
                        sc.blackout.push_back(d);
                    } catch (const std::invalid_argument& ex) {
                        error(p, ex.what());
                    }
                }
            } else if (x.key == "timezone_input") {
                if (auto v = scalar(x, sc.pos, "an input name")) sc.timezone_input = *v;
            } else if (x.key == "country_input") {
                if (x.value.IsNull())
                    sc.country_input.clear();
                else if (auto v = scalar(x, sc.pos, "an input name"))
                    sc.country_input = *v;
            }
        }
    }

    // variants: [{name: a, weight: 50, with: {subject: ...}}, ...]
    void parse_variants(const Entry& e, Step& s, const SourcePos& kp) {
        if (!e.value.IsSequence() || e.value.size() < 2) {
            error(pos(e.value, kp), "'variants' must be a list of at least two variants");
            return;
        }
        std::set<std::string> names;
        for (const auto& item : e.value) {
            Step::Variant v;
            v.pos = pos(item, kp);
            if (!item.IsMap()) {
                error(v.pos, "a variant is a mapping: {name, weight, with}");
                continue;
            }
            auto vs = entries(item);
            check_keys(vs, {"name", "weight", "with"}, "variant", v.pos);
            for (const auto& x : vs) {
                SourcePos vp = pos(x.value, pos(x.key_node, v.pos));
                if (x.key == "name") {
                    if (auto n = scalar(x, v.pos, "a name")) {
                        v.name = *n;
                        if (!detail::is_name(*n))
                            error(vp, "variant name '" + *n + "' must use letters, digits, _ or -");
                        else if (!names.insert(*n).second)
                            error(vp, "variant name '" + *n + "' is used twice");
                    }
                } else if (x.key == "weight") {
                    json w = to_json(x.value, "", vp, nullptr, nullptr);
                    if (!w.is_number() || w.get<double>() <= 0)
                        error(vp, "'weight' must be a positive number");
                    else
                        v.weight = w.get<double>();
                } else if (x.key == "with") {
                    if (!x.value.IsMap())
                        error(vp, "a variant's 'with' must be a mapping");
                    else
                        v.with = to_json(x.value, "", vp, &v.with_pos, nullptr);
                }
            }
            if (v.name.empty()) error(v.pos, "a variant needs a 'name'");
            s.variants.push_back(std::move(v));
        }
    }

    // wait_for: replied | [opened, clicked], with timeout: 3d
    void parse_wait_for(const Entry& kind, const std::vector<Entry>& es, Step& s,
                        const SourcePos& kpos) {
        auto add = [&](const YAML::Node& n) {
            std::string v = n.IsScalar() ? n.Scalar() : std::string();
            if (!n.IsScalar() || v.empty()) {
                error(pos(n, kpos),
                      "'wait_for' takes event types (opened, clicked, replied, or "
                      "your own under 'custom_events'), got " +
                          kind_name(n));
            } else {
                s.wait_events.push_back(v);
                named_events_.push_back({v, pos(n, kpos), "wait_for"});
            }
        };
        if (kind.value.IsSequence())
            for (const auto& item : kind.value) add(item);
        else
            add(kind.value);
        bool have_timeout = false;
        for (const auto& e : es) {
            if (e.key != "timeout") continue;
            have_timeout = true;
            SourcePos vp = pos(e.value, pos(e.key_node, s.pos));
            auto d = e.value.IsScalar() ? parse_duration(e.value.Scalar()) : std::nullopt;
            if (!d || d->count() <= 0)
                error(vp, "invalid timeout " + kind_name(e.value) + " (e.g. 3d, 12h)");
            else
                s.timeout = *d;
        }
        if (!have_timeout) error(kpos, "'wait_for' needs a 'timeout' (how long to wait, e.g. 3d)");
    }

    // wait: {until: "{{ inputs.webinar_at }}", offset: -1d, past: skip | run_now}
    void parse_wait_until(const Entry& kind, Step& s, const SourcePos& kpos) {
        WaitUntil w;
        w.until_pos = kpos;
        auto es = entries(kind.value);
        check_keys(es, {"until", "offset", "past"}, "wait", kpos);
        bool have_until = false;
        for (const auto& e : es) {
            SourcePos ep = pos(e.key_node, kpos);
            SourcePos vp = pos(e.value, ep);
            std::string v = e.value.IsScalar() ? e.value.Scalar() : std::string();
            if (e.key == "until") {
                have_until = true;
                w.until_pos = vp;
                if (!e.value.IsScalar() || v.empty())
                    error(vp,
                          "'until' takes a moment: an ISO-8601 date and time or a template "
                          "that renders to one (e.g. \"{{ inputs.webinar_at }}\"), got " +
                              kind_name(e.value));
                else
                    w.until = v;
            } else if (e.key == "offset") {
                w.offset_pos = vp;
                auto o = e.value.IsScalar() ? parse_moment_offset(v) : std::nullopt;
                if (!o) {
                    error(vp, "invalid offset " + kind_name(e.value) +
                                  ": expected a signed duration, largest unit first (e.g. "
                                  "-1d, -2h, -30m, +1h30m), or business days (e.g. -2bd)");
                } else {
                    w.offset = *o;
                    w.offset_text = v;
                }
            } else if (e.key == "past") {
                if (v == "skip") {
                    w.past = WaitUntil::Past::skip;
                } else if (v == "run_now") {
                    w.past = WaitUntil::Past::run_now;
                } else {
                    error(vp, "'past' must be skip or run_now, got " + kind_name(e.value) +
                                  (e.value.IsScalar() ? did_you_mean(v, {"skip", "run_now"})
                                                      : std::string()));
                }
            }
        }
        if (!have_until)
            error(kpos,
                  "a 'wait' mapping needs 'until' (a moment, e.g. \"{{ inputs.webinar_at }}\"); "
                  "to wait for a duration, write it alone (wait: 3d)");
        s.wait_until = std::move(w);
    }

    // senders: sdr-team | [alice@acme.test, bob@acme.test] | none
    std::vector<std::string> parse_senders(const Entry& e, const SourcePos& vp) {
        std::vector<std::string> out;
        auto add = [&](const YAML::Node& n) {
            if (!n.IsScalar() || n.Scalar().empty())
                error(pos(n, vp), "'senders' names pools or sender ids of the config file, got " +
                                      kind_name(n));
            else
                out.push_back(n.Scalar());
        };
        if (e.value.IsScalar() && e.value.Scalar() == "none") return out;
        if (e.value.IsSequence())
            for (const auto& item : e.value) add(item);
        else
            add(e.value);
        return out;
    }

    // enrollment: {skip_if: active_in_workflow | active_anywhere | never, cooldown: 30d}
    void parse_enrollment(const Entry& e, Enrollment& en, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (!e.value.IsMap()) {
            error(pos(e.value, kp), "'enrollment' must be a mapping, got " + kind_name(e.value));
            return;
        }
        auto es = entries(e.value);
        check_keys(es, {"skip_if", "cooldown"}, "enrollment", kp);
        for (const auto& x : es) {
            SourcePos vp = pos(x.value, pos(x.key_node, kp));
            std::string v = x.value.IsScalar() ? x.value.Scalar() : std::string();
            if (x.key == "skip_if") {
                if (v == "active_in_workflow")
                    en.skip_if = Enrollment::Skip::active_here;
                else if (v == "active_anywhere")
                    en.skip_if = Enrollment::Skip::active_anywhere;
                else if (v == "never")
                    en.skip_if = Enrollment::Skip::never;
                else
                    error(vp,
                          "'skip_if' must be active_in_workflow, active_anywhere or never, "
                          "got " +
                              kind_name(x.value));
            } else if (x.key == "cooldown") {
                auto d = x.value.IsScalar() ? parse_duration(v) : std::nullopt;
                if (!d)
                    error(vp, "invalid cooldown " + kind_name(x.value) + " (e.g. 30d, 12w)");
                else
                    en.cooldown = *d;
            }
        }
    }

    void parse_stop_on(const Entry& e, Workflow& wf, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        wf.stop_on.clear();
        if (e.value.IsNull()) return;
        if (!e.value.IsSequence()) {
            error(pos(e.value, kp),
                  "'stop_on' must be a list of event types, e.g. [replied, "
                  "bounced, unsubscribed], got " +
                      kind_name(e.value));
            return;
        }
        for (const auto& item : e.value) {
            std::string v = item.IsScalar() ? item.Scalar() : std::string();
            if (!item.IsScalar() || v.empty()) {
                error(pos(item, kp),
                      "'stop_on' lists event types (replied, bounced, "
                      "unsubscribed, or your own under 'custom_events'), got " +
                          kind_name(item));
            } else {
                wf.stop_on.push_back(v);
                named_events_.push_back({v, pos(item, kp), "stop_on"});
            }
        }
    }

    // custom_events: [meeting_booked, demo_requested]: event types of the workspace's own
    // (recorded with `relance event add --type` or by a webhook) that stop_on and wait_for may
    // name besides the engine's.
    void parse_custom_events(const Entry& e, Workflow& wf, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (e.value.IsNull()) return;
        if (!e.value.IsSequence()) {
            error(pos(e.value, kp),
                  "'custom_events' must be a list of event type names, got " + kind_name(e.value));
            return;
        }
        const auto& known = engine_event_types();
        for (const auto& item : e.value) {
            std::string v = item.IsScalar() ? item.Scalar() : std::string();
            SourcePos ip = pos(item, kp);
            if (!item.IsScalar() || !detail::is_event_type(v)) {
                error(ip,
                      "a custom event type is a lowercase name ([a-z][a-z0-9_.-]*, e.g. "
                      "meeting_booked), got " +
                          kind_name(item));
            } else if (std::find(known.begin(), known.end(), v) != known.end()) {
                warning(ip, "'" + v +
                                "' is one of the engine's event types: no need to declare "
                                "it");
            } else if (std::find(wf.custom_events.begin(), wf.custom_events.end(), v) !=
                       wf.custom_events.end()) {
                error(ip, "custom event type '" + v + "' is declared twice");
            } else {
                wf.custom_events.push_back(v);
            }
        }
    }

    // Every type named by stop_on or wait_for is the engine's or declared: a misspelt type
    // would never match an event, and the run would neither stop nor wake.
    void check_event_types(const Workflow& wf) {
        const auto& known = engine_event_types();
        for (const auto& [type, where, key] : named_events_) {
            if (std::find(known.begin(), known.end(), type) != known.end() ||
                std::find(wf.custom_events.begin(), wf.custom_events.end(), type) !=
                    wf.custom_events.end())
                continue;
            std::string hint = suggest_event_type(type);
            if (hint.empty()) hint = detail::closest(type, wf.custom_events);
            error(where, "unknown event type " + detail::quote_cut(type) + " in '" + key + "'" +
                             (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                             ": the engine's types are " + join(known) +
                             "; declare your own under 'custom_events'");
        }
    }

    void parse_inputs(const Entry& e, Workflow& wf) {
        SourcePos kp = pos(e.key_node);
        if (e.value.IsNull()) return;
        if (!e.value.IsMap()) {
            error(pos(e.value, kp), "'inputs' must be a mapping of name -> type or spec");
            return;
        }
        static const std::vector<std::string> types = {"string",  "number", "integer",
                                                       "boolean", "object", "array"};
        auto parse_type = [&](const YAML::Node& n, InputField& f) {
            if (!n.IsScalar()) {
                error(pos(n, f.pos), "input type must be one of: " + join(types));
                return;
            }
            auto it = std::find(types.begin(), types.end(), n.Scalar());
            if (it == types.end()) {
                error(pos(n, f.pos), "unknown input type '" + n.Scalar() + "'" +
                                         did_you_mean(n.Scalar(), types) +
                                         " (types: " + join(types) + ")");
                return;
            }
            f.type = static_cast<InputType>(it - types.begin());
        };
        for (const auto& in : entries(e.value)) {
            InputField f;
            f.name = in.key;
            f.pos = pos(in.key_node, kp);
            if (!is_identifier(in.key))
                error(f.pos, "input name " + detail::quote_cut(in.key) +
                                 " must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
            if (in.value.IsScalar()) {
                parse_type(in.value, f);
            } else if (in.value.IsMap()) {
                auto spec = entries(in.value);
                check_keys(spec, {"type", "required", "default", "description"},
                           "input '" + in.key + "'", f.pos);
                std::optional<Entry> def;
                for (const auto& s : spec) {
                    if (s.key == "type") {
                        parse_type(s.value, f);
                    } else if (s.key == "required") {
                        json v = to_json(s.value, "", f.pos, nullptr, nullptr);
                        if (!v.is_boolean())
                            error(pos(s.value, f.pos), "'required' must be true or false");
                        else
                            f.required = v.get<bool>();
                    } else if (s.key == "default") {
                        def = s;
                    } else if (s.key == "description") {
                        if (auto d = scalar(s, f.pos, "text")) f.description = *d;
                    }
                }
                if (def) {
                    json v = to_json(def->value, "", f.pos, nullptr, nullptr);
                    if (!matches(v, f.type))
                        error(pos(def->value, f.pos),
                              "default of input '" + f.name + "' is not " + article(f.type));
                    else
                        f.default_value = v;
                }
            } else {
                error(pos(in.value, f.pos),
                      "input '" + in.key + "' must be a type name or a mapping with 'type'");
            }
            wf.inputs.push_back(std::move(f));
        }
    }

    static bool matches(const json& v, InputType t) {
        switch (t) {
            case InputType::string:
                return v.is_string();
            case InputType::number:
                return v.is_number();
            case InputType::integer:
                return v.is_number_integer() ||
                       (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>());
            case InputType::boolean:
                return v.is_boolean();
            case InputType::object:
                return v.is_object();
            case InputType::array:
                return v.is_array();
        }
        return false;
    }
    static std::string article(InputType t) {
        std::string n = to_string(t);
        return (n[0] == 'a' || n[0] == 'i' || n[0] == 'o' ? "an " : "a ") + n;
    }

    // The sequence form, for ops teams: channel steps at day offsets.
    //   sequence:
    //     - day: 0
    //       uses: sendgrid.send
    //       with: {...}
    //     - day: 3            (or business_day: 3)
    //       uses: ...
    // compiles into core steps: each step, preceded by a wait for the days since the previous
    // one. Stop rules keep their defaults (replied, bounced, unsubscribed).
    void parse_sequence(const Entry& e, Workflow& wf, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (!e.value.IsSequence() || e.value.size() == 0) {
            error(pos(e.value, kp), "'sequence' must be a non-empty list of steps with a 'day'");
            return;
        }
        int previous = -1;
        bool business = false, calendar = false;
        for (const auto& item : e.value) {
            SourcePos ip = pos(item, kp);
            if (!item.IsMap()) {
                error(ip,
                      "a sequence step is a mapping with 'day' and 'uses', got " + kind_name(item));
                continue;
            }
            // The day offset, then the step itself (read in place, so positions stay exact;
            // the day keys are allowed there through sequence_keys_).
            int day = -1;
            SourcePos dp = ip;
            for (const char* key : {"day", "business_day"}) {
                if (!item[key]) continue;
                dp = pos(item[key], ip);
                json v = item[key].IsScalar() ? plain_scalar(item[key].Scalar()) : json();
                if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 3650)
                    error(dp, std::string("'") + key + "' must be a whole number of days from 0");
                else
                    day = v.get<int>();
                (std::string(key) == "day" ? calendar : business) = true;
            }
            if (business && calendar) {
                error(dp, "use either 'day' or 'business_day' in one sequence, not both");
                business = false;
            }
            if (day < 0) {
                if (!item["day"] && !item["business_day"])
                    error(ip, "a sequence step needs a 'day' (0 for the first)");
                Step scratch;  // still read it, for its own mistakes (a misspelt `busines_day`)
                scratch.pos = ip;
                sequence_keys_ = true;
                parse_step(item, scratch);
                sequence_keys_ = false;
                continue;
            }
            if (day < previous) {
                error(dp, "days must not go back: " + std::to_string(day) + " after " +
                              std::to_string(previous));
                continue;
            }
            if (previous >= 0 && day > previous) {
                Step w;
                w.kind = StepKind::wait;
                w.pos = dp;
                if (business)
                    w.wait_business_days = day - previous;
                else
                    w.wait_for = std::chrono::hours(24 * (day - previous));
                wf.steps.push_back(std::move(w));
            }
            previous = day;
            Step st;
            st.pos = ip;
            sequence_keys_ = true;
            bool parsed = parse_step(item, st);
            sequence_keys_ = false;
            if (parsed) {
                if (!st.id_given) {  // "day3" reads better than "sendgrid_send_2" in timelines
                    std::string base = (business ? "business_day" : "day") + std::to_string(day);
                    std::string id = base;
                    for (int n = 2; used_sequence_ids_.count(id); ++n)
                        id = base + "_" + std::to_string(n);
                    used_sequence_ids_.insert(id);
                    st.id = id;
                    st.id_given = true;
                }
                if (st.kind != StepKind::action)
                    error(ip, "a sequence step is a channel step ('uses'); use 'steps' for " +
                                  std::string(to_string(st.kind)) + " steps");
                wf.steps.push_back(std::move(st));
            }
        }
    }

    void parse_steps(const YAML::Node& seq, std::vector<Step>& out, const SourcePos& ctx) {
        for (const auto& item : seq) {
            Step s;
            s.pos = pos(item, ctx);
            if (!item.IsMap()) {
                error(s.pos, "a step must be a mapping with one of: " + join(kinds()) + ", got " +
                                 kind_name(item));
                continue;
            }
            if (parse_step(item, s)) out.push_back(std::move(s));
        }
    }

    static std::vector<std::string> kinds() {
        return std::vector<std::string>(std::begin(kStepKinds), std::end(kStepKinds));
    }

    // Returns false when the step is too broken to keep (no kind); errors are recorded.
    bool parse_step(const YAML::Node& item, Step& s) {
        static const std::vector<std::string> all_keys = {
            "id",     "name",    "when",   "retry",        "on_error", "uses",
            "with",   "set",     "if",     "then",         "else",     "wait",
            "lua",    "exit",    "window", "wait_for",     "timeout",  "variants",
            "sticky", "senders", "track",  "transactional"};
        auto es = entries(item);
        if (sequence_keys_) {
            std::vector<std::string> keys = all_keys;
            keys.push_back("day");
            keys.push_back("business_day");
            check_keys(es, keys, "sequence step", s.pos);
        } else {
            check_keys(es, all_keys, "step", s.pos);
        }

        const Entry* kind = nullptr;
        for (const auto& e : es) {
            if (std::find(std::begin(kStepKinds), std::end(kStepKinds), e.key) ==
                std::end(kStepKinds))
                continue;
            if (kind) {
                error(pos(e.key_node, s.pos), "a step has exactly one kind, but this one has '" +
                                                  kind->key + "' and '" + e.key + "'");
                continue;
            }
            kind = &e;
        }
        // A sequence entry without a kind takes the action of `defaults: {uses: ...}`.
        bool inherits = !kind && sequence_keys_ && defaults_ && !defaults_->plugin.empty();
        if (!kind && !inherits) {
            error(s.pos, "step has no kind: expected one of " + join(kinds()) +
                             (sequence_keys_ && !defaults_ ? " (or a 'uses' in 'defaults')" : ""));
            return false;
        }
        const std::string k = kind ? kind->key : "uses";
        SourcePos kpos = kind ? pos(kind->key_node, s.pos) : s.pos;
        SourcePos vpos = kind ? pos(kind->value, kpos) : s.pos;
        s.id_pos = s.pos;

        // Keys that only make sense with one kind.
        auto only_with = [&](const char* key, std::initializer_list<const char*> ok) {
            for (const auto& e : es) {
                if (e.key != key) continue;
                for (const char* o : ok)
                    if (k == o) return;
                std::vector<std::string> names(ok.begin(), ok.end());
                error(pos(e.key_node, s.pos), "'" + e.key + "' is not allowed on a '" + k +
                                                  "' step (only on: " + join(names) + ")");
            }
        };
        only_with("with", {"uses"});
        only_with("window", {"uses"});
        only_with("variants", {"uses"});
        only_with("sticky", {"uses"});
        only_with("senders", {"uses"});
        only_with("track", {"uses"});
        only_with("transactional", {"uses"});
        only_with("then", {"if", "wait_for"});
        only_with("else", {"if", "wait_for"});
        only_with("timeout", {"wait_for"});
        only_with("retry", {"uses", "lua"});
        only_with("on_error", {"uses", "lua", "set", "wait"});

        for (const auto& e : es) {
            SourcePos ep = pos(e.key_node, s.pos);
            if (e.key == "id") {
                if (auto v = scalar(e, s.pos, "an identifier")) {
                    s.id = *v;
                    s.id_given = true;
                    s.id_pos = pos(e.value, ep);
                    if (!is_identifier(*v))
                        error(s.id_pos, "step id " + detail::quote_cut(*v) +
                                            " must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
                }
            } else if (e.key == "name") {
                if (auto v = scalar(e, s.pos, "text")) s.name = *v;
            } else if (e.key == "when") {
                if (auto v = scalar(e, s.pos, "a Lua expression")) {
                    s.when = *v;
                    s.when_pos = pos(e.value, ep);
                    if (v->empty()) error(s.when_pos, "'when' is empty");
                }
            } else if (e.key == "retry") {
                parse_retry(e, s);
            } else if (e.key == "on_error") {
                parse_on_error(e, s);
            } else if (e.key == "window") {
                if (auto v = flag(e, ep)) s.in_window = *v;
            } else if (e.key == "sticky") {
                if (auto v = flag(e, ep)) s.sticky_variant = *v;
            } else if (e.key == "variants") {
                parse_variants(e, s, ep);
            } else if (e.key == "senders") {
                s.senders_pos = pos(e.value, ep);
                s.senders = parse_senders(e, s.senders_pos);
            } else if (e.key == "track") {
                detail::parse_track(*this, e, s.track, s.pos);
            } else if (e.key == "transactional") {
                if (auto v = flag(e, ep)) s.transactional = *v;
            }
        }

        if (k == "uses") {
            s.kind = StepKind::action;
            if (kind) {
                parse_uses(kind->value, vpos, s);
            } else {
                s.plugin = defaults_->plugin;
                s.action = defaults_->action;
                s.uses_pos = defaults_->uses_pos;
            }
            for (const auto& e : es)
                if (e.key == "with") parse_with(e, s.pos, s);
            if (sequence_keys_ && defaults_) apply_defaults(es, s);
        } else if (k == "set") {
            s.kind = StepKind::set;
            if (!kind->value.IsMap() || kind->value.size() == 0) {
                error(vpos, "'set' must be a non-empty mapping of name -> value");
            } else {
                std::map<std::string, SourcePos> key_pos;
                s.set = to_json(kind->value, "", kpos, &s.set_pos, &key_pos);
                for (const auto& [name, value] : s.set->items())
                    if (!is_identifier(name))
                        error(key_pos["/" + pointer_escape(name)],
                              "variable name '" + name +
                                  "' must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
            }
        } else if (k == "if" || k == "wait_for") {
            bool have_then = false;
            if (k == "if") {
                s.kind = StepKind::if_;
                if (auto v = scalar(*kind, s.pos, "a Lua expression")) {
                    s.condition = *v;
                    s.condition_pos = vpos;
                    if (v->empty()) error(vpos, "'if' condition is empty");
                }
            } else {
                s.kind = StepKind::wait_for;
                have_then = true;  // both branches are optional: the run goes on after them
                parse_wait_for(*kind, es, s, kpos);
            }
            for (const auto& e : es) {
                if (e.key != "then" && e.key != "else") continue;
                SourcePos bp = pos(e.key_node, s.pos);
                if (e.key == "then") have_then = true;
                if (e.value.IsNull()) continue;  // empty branch
                if (!e.value.IsSequence()) {
                    error(pos(e.value, bp), "'" + e.key + "' must be a list of steps");
                    continue;
                }
                parse_steps(e.value, e.key == "then" ? s.then_steps : s.else_steps, bp);
            }
            if (!have_then) error(kpos, "'if' step needs a 'then' list of steps");
        } else if (k == "wait" && kind->value.IsMap()) {
            s.kind = StepKind::wait;
            parse_wait_until(*kind, s, kpos);
        } else if (k == "wait") {
            s.kind = StepKind::wait;
            for (const auto& e : es)  // a duration cannot fail; a moment from data can
                if (e.key == "on_error")
                    error(pos(e.key_node, s.pos),
                          "'on_error' on a 'wait' step applies to its 'until' form only");
            std::string v = kind->value.IsScalar() ? kind->value.Scalar() : std::string();
            auto d = kind->value.IsScalar() ? parse_duration(v) : std::nullopt;
            if (auto bd = detail::business_days(v)) {
                s.wait_business_days = *bd;
                if (s.wait_business_days <= 0)
                    error(vpos, "wait duration must be positive, got '" + v + "'");
            } else if (!d) {
                error(vpos, "invalid duration " + kind_name(kind->value) +
                                ": expected a positive integer and unit s, m, h, d or w, "
                                "largest unit first (e.g. 30m, 3d, 1h30m), business days "
                                "(e.g. 3bd), or a moment ({until: \"{{ inputs.at }}\", "
                                "offset: -1d})");
            } else if (d->count() <= 0) {
                error(vpos, "wait duration must be positive, got '" + v + "'");
            } else {
                s.wait_for = *d;
            }
        } else if (k == "lua") {
            s.kind = StepKind::lua;
            if (auto v = scalar(*kind, s.pos, "a Lua block")) {
                s.lua = *v;
                s.lua_pos = vpos;
                if (v->empty()) error(vpos, "'lua' block is empty");
            }
        } else if (k == "exit") {
            s.kind = StepKind::exit;
            if (kind->value.IsScalar()) {
                s.exit_reason = kind->value.Scalar();
            } else if (kind->value.IsMap()) {
                auto xs = entries(kind->value);
                check_keys(xs, {"reason"}, "exit", vpos);
                for (const auto& x : xs)
                    if (x.key == "reason")
                        if (auto r = scalar(x, vpos, "text")) s.exit_reason = *r;
            } else if (!kind->value.IsNull()) {
                error(vpos, "'exit' takes a reason text or {reason: ...}");
            }
        }
        return true;
    }

    // A plain true or false.
    std::optional<bool> flag(const Entry& e, const SourcePos& at) {
        json v =
            e.value.IsScalar() && e.value.Tag() == "?" ? plain_scalar(e.value.Scalar()) : json();
        if (v.is_boolean()) return v.get<bool>();
        error(pos(e.value, at), "'" + e.key + "' must be true or false, got " + kind_name(e.value));
        return std::nullopt;
    }

    // `uses: plugin.action`
    void parse_uses(const YAML::Node& value, const SourcePos& vpos, Step& s) {
        s.uses_pos = vpos;
        std::string v = value.IsScalar() ? value.Scalar() : std::string();
        auto dot = v.find('.');
        if (!value.IsScalar() || dot == std::string::npos ||
            !detail::is_lower_name(std::string_view(v).substr(0, dot)) ||
            !detail::is_lower_name(std::string_view(v).substr(dot + 1))) {
            error(vpos, "'uses' must be plugin.action (lowercase, e.g. sendgrid.send), got " +
                            kind_name(value));
        } else {
            s.plugin = v.substr(0, dot);
            s.action = v.substr(dot + 1);
        }
    }

    // `with: {input: value}` of an action step.
    void parse_with(const Entry& e, const SourcePos& at, Step& s) {
        SourcePos wp = pos(e.key_node, at);
        if (e.value.IsNull()) {
            s.with_pos[""] = wp;
        } else if (!e.value.IsMap()) {
            error(pos(e.value, wp), "'with' must be a mapping of input -> value");
        } else {
            s.with = to_json(e.value, "", wp, &s.with_pos, &s.with_key_pos);
            s.with_pos[""] = wp;
        }
    }

    // defaults: {uses, with, retry, on_error, window, senders} for the entries of `sequence`.
    void parse_defaults(const Entry& e, const SourcePos& rootp) {
        SourcePos kp = pos(e.key_node, rootp);
        if (!e.value.IsMap()) {
            error(pos(e.value, kp),
                  "'defaults' must be a mapping (uses, with, retry, on_error, "
                  "window, senders), got " +
                      kind_name(e.value));
            return;
        }
        auto es = entries(e.value);
        check_keys(es, {"uses", "with", "retry", "on_error", "window", "senders"}, "defaults", kp);
        Step d;
        d.kind = StepKind::action;
        d.pos = kp;
        for (const auto& x : es) {
            SourcePos xp = pos(x.key_node, kp);
            default_keys_.insert(x.key);
            if (x.key == "uses") {
                parse_uses(x.value, pos(x.value, xp), d);
            } else if (x.key == "with") {
                parse_with(x, kp, d);
            } else if (x.key == "retry") {
                parse_retry(x, d);
            } else if (x.key == "on_error") {
                parse_on_error(x, d);
            } else if (x.key == "window") {
                if (auto v = flag(x, xp)) d.in_window = *v;
            } else if (x.key == "senders") {
                d.senders_pos = pos(x.value, xp);
                d.senders = parse_senders(x, d.senders_pos);
            }
        }
        defaults_ = std::move(d);
    }

    // A sequence entry takes from `defaults` each key it does not give itself. `with` is merged
    // key by key (the entry's own keys win), and only into entries of the default action: the
    // inputs of sendgrid.send mean nothing to twilio.sms.
    void apply_defaults(const std::vector<Entry>& es, Step& s) {
        const Step& d = *defaults_;
        auto gives = [&](const char* key) {
            return std::any_of(es.begin(), es.end(), [&](const Entry& e) { return e.key == key; });
        };
        if (default_keys_.count("with") && s.plugin == d.plugin && s.action == d.action) {
            if (!gives("with")) s.with_pos[""] = s.pos;  // "needs a field" points at the entry
            if (!s.with->is_object()) s.with = json::object();
            for (const auto& [key, value] : d.with->items()) {
                if (s.with->contains(key)) continue;
                (*s.with)[key] = value;
                std::string ptr = "/" + pointer_escape(key);
                for (auto it = d.with_pos.lower_bound(ptr); it != d.with_pos.end(); ++it) {
                    if (it->first.compare(0, ptr.size(), ptr) != 0) break;
                    if (it->first.size() > ptr.size() && it->first[ptr.size()] != '/') continue;
                    s.with_pos[it->first] = it->second;
                }
                if (auto it = d.with_key_pos.find(ptr); it != d.with_key_pos.end())
                    s.with_key_pos[ptr] = it->second;
            }
        }
        if (default_keys_.count("retry") && !gives("retry")) s.retry = d.retry;
        if (default_keys_.count("on_error") && !gives("on_error")) s.on_error = d.on_error;
        if (default_keys_.count("window") && !gives("window")) s.in_window = d.in_window;
        if (default_keys_.count("senders") && !gives("senders")) {
            s.senders = d.senders;
            s.senders_pos = d.senders_pos;
        }
    }

    void parse_retry(const Entry& e, Step& s) {
        SourcePos rp = pos(e.key_node, s.pos);
        auto attempts = [&](const YAML::Node& n) {
            json v = to_json(n, "", rp, nullptr, nullptr);
            if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 100)
                error(pos(n, rp), "'attempts' must be an integer from 1 to 100");
            else
                s.retry.attempts = v.get<int>();
        };
        if (e.value.IsScalar()) {  // shorthand: retry: 3
            attempts(e.value);
            return;
        }
        if (!e.value.IsMap()) {
            error(pos(e.value, rp), "'retry' must be a number of attempts or a mapping");
            return;
        }
        auto rs = entries(e.value);
        check_keys(rs, {"attempts", "backoff", "factor", "max_backoff", "jitter"}, "retry", rp);
        for (const auto& r : rs) {
            SourcePos vp = pos(r.value, pos(r.key_node, rp));
            if (r.key == "attempts") {
                attempts(r.value);
            } else if (r.key == "backoff" || r.key == "max_backoff") {
                auto d = r.value.IsScalar() ? parse_duration(r.value.Scalar()) : std::nullopt;
                if (!d)
                    error(vp, "invalid duration " + kind_name(r.value) + " for '" + r.key +
                                  "' (e.g. 30s, 5m, 1h)");
                else
                    (r.key == "backoff" ? s.retry.backoff : s.retry.max_backoff) = *d;
            } else if (r.key == "factor") {
                json v = to_json(r.value, "", rp, nullptr, nullptr);
                if (!v.is_number() || v.get<double>() < 1.0 || v.get<double>() > 100.0)
                    error(vp, "'factor' must be a number from 1 to 100");
                else
                    s.retry.factor = v.get<double>();
            } else if (r.key == "jitter") {
                json v = to_json(r.value, "", rp, nullptr, nullptr);
                if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0)
                    error(vp, "'jitter' must be a number from 0 (none) to 1 (the whole delay)");
                else
                    s.retry.jitter = v.get<double>();
            }
        }
    }

    void parse_on_error(const Entry& e, Step& s) {
        SourcePos op = pos(e.key_node, s.pos);
        s.on_error.pos = pos(e.value, op);
        if (e.value.IsScalar()) {
            const std::string& v = e.value.Scalar();
            if (v == "fail") {
                s.on_error.kind = OnError::Kind::fail;
            } else if (v == "continue") {
                s.on_error.kind = OnError::Kind::continue_;
            } else {
                error(s.on_error.pos,
                      "'on_error' must be fail, continue or {goto: step_id}, got '" + v + "'" +
                          did_you_mean(v, {"fail", "continue"}));
            }
            return;
        }
        if (e.value.IsMap()) {
            auto os = entries(e.value);
            check_keys(os, {"goto"}, "on_error", op);
            bool has_goto = false;
            for (const auto& o : os) {
                if (o.key != "goto") continue;
                has_goto = true;
                if (auto t = scalar(o, op, "a step id")) {
                    s.on_error.kind = OnError::Kind::go_to;
                    s.on_error.target = *t;
                    s.on_error.pos = pos(o.value, op);
                }
            }
            if (!has_goto) error(op, "'on_error' mapping needs 'goto: step_id'");
            return;
        }
        error(s.on_error.pos, "'on_error' must be fail, continue or {goto: step_id}");
    }

    template <class F>
    static void each_step(std::vector<Step>& steps, F&& f) {
        for (auto& s : steps) {
            f(s);
            each_step(s.then_steps, f);
            each_step(s.else_steps, f);
        }
    }

    // Given ids first (they win), then derived ids in document order: "<plugin>_<action>",
    // "wait", ...; repeats get _2, _3. Derived ids depend only on the file, so a run's position
    // survives restarts.
    void assign_ids(Workflow& wf) {
        std::map<std::string, SourcePos> taken;
        each_step(wf.steps, [&](Step& s) {
            if (!s.id_given) return;
            auto [it, fresh] = taken.emplace(s.id, s.id_pos);
            if (!fresh)
                error(s.id_pos,
                      "duplicate step id '" + s.id + "' (first used at " + it->second.str() + ")");
        });
        std::map<std::string, int> counts;
        each_step(wf.steps, [&](Step& s) {
            if (s.id_given) return;
            std::string base;
            if (s.kind == StepKind::action) {
                base = s.plugin.empty() ? "action" : s.plugin + "_" + s.action;
                for (char& c : base)
                    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
            } else {
                base = to_string(s.kind);
            }
            int& n = counts[base];
            std::string id;
            do {
                ++n;
                id = n == 1 ? base : base + "_" + std::to_string(n);
            } while (taken.count(id));
            taken.emplace(id, s.pos);
            s.id = id;
        });
        std::vector<std::string> ids;
        for (const auto& [id, p] : taken) ids.push_back(id);
        each_step(wf.steps, [&](Step& s) {
            if (s.on_error.kind == OnError::Kind::go_to && !taken.count(s.on_error.target))
                error(s.on_error.pos, "on_error goto target '" + s.on_error.target +
                                          "' is not a step id" +
                                          did_you_mean(s.on_error.target, ids));
        });
    }
};

}  // namespace

Workflow load_workflow_text(const std::string& text, const std::string& file_name) {
    Loader loader(file_name);
    return loader.load(text);
}

Workflow load_workflow_file(const std::string& path) {
    return load_workflow_text(read_yaml_file(path, "workflow file"), path);
}

}  // namespace relance::model
