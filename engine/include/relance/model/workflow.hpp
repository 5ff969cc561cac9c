// The workflow model: what a workflow file (YAML v1) means once parsed, and the program a run
// executes. A run is pinned to one workflow version and stores only its position in the
// program (a node index) and its context, so the program layout must be a pure function of the
// workflow source.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <relance/base/json_value.hpp>
#include <relance/model/source_pos.hpp>
#include <relance/model/triggers.hpp>
#include <string>
#include <vector>

namespace relance::model {

using json = nlohmann::json;

// A place in a workflow file; line and column are 1-based.

struct Diagnostic {
    enum class Severity { error, warning };
    Severity severity = Severity::error;
    SourcePos pos;
    std::string message;
    std::string str() const;  // "file:line:col: error: message"
};

// Thrown by the loader when a file cannot be parsed at all; carries every diagnostic found.
class LoadError : public std::exception {
  public:
    explicit LoadError(std::vector<Diagnostic> diagnostics);
    const char* what() const noexcept override { return text_.c_str(); }
    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  private:
    std::vector<Diagnostic> diagnostics_;
    std::string text_;
};

enum class InputType { string, number, integer, boolean, object, array };
const char* to_string(InputType t);

struct InputField {
    std::string name;
    InputType type = InputType::string;
    bool required = false;
    std::optional<JsonValue> default_value;
    std::string description;
    SourcePos pos;
};

struct RetryPolicy {
    int attempts = 1;                           // total attempts, 1 = no retry
    std::chrono::milliseconds backoff{30'000};  // delay before the 2nd attempt
    double factor = 2.0;                        // each later delay is multiplied by this
    std::chrono::milliseconds max_backoff{3'600'000};
    // Fraction of each delay that is random, so that runs failing together do not all retry at
    // the same instant: a delay d becomes d*(1-jitter) + U[0, d*jitter].
    double jitter = 0.2;
};

struct OnError {
    enum class Kind { fail, continue_, go_to };
    Kind kind = Kind::fail;
    std::string target;  // step id, with go_to
    SourcePos pos;
};

enum class StepKind { action, set, if_, wait, lua, exit, wait_for };
const char* to_string(StepKind k);

// A signed offset from a moment, as `wait: {until, offset}` writes it ("-1d", "-2h", "+30m",
// "-1d12h", "-2bd"). Days and weeks are calendar days in the contact's time zone (the local time
// of day is kept across a DST change); hours, minutes and seconds are exact; business days skip
// weekends, holidays and blackout dates like `wait: 3bd`.
struct MomentOffset {
    int days = 0;                        // calendar days (weeks count 7)
    std::chrono::milliseconds exact{0};  // h, m, s
    int business_days = 0;               // "bd": on its own, never mixed with other units
    bool empty() const { return days == 0 && exact.count() == 0 && business_days == 0; }
};
// Parses an offset: an optional sign, then a duration (parse_duration's units) or business days
// ("2bd"); std::nullopt when malformed.
std::optional<MomentOffset> parse_moment_offset(const std::string& text);

// `wait: {until: "{{ inputs.webinar_at }}", offset: -1d, past: skip}`.
// Open and click tracking of a send (`track: {opens: true, clicks: true}`), at the workflow or
// the step level; a step's own setting wins, and unset means off (docs/tracking.md).
struct TrackOptions {
    std::optional<bool> opens;
    std::optional<bool> clicks;
    SourcePos pos;
};

struct WaitUntil {
    std::string until;  // a template (or a literal) rendering to an ISO-8601 moment
    SourcePos until_pos;
    MomentOffset offset;
    std::string offset_text;  // as written, for timelines ("" when none)
    SourcePos offset_pos;
    // A moment already past when the step runs: `skip` (the default) skips the step right after
    // the wait (the reminder it times would come too late), `run_now` goes on with it at once.
    enum class Past { skip, run_now };
    Past past = Past::skip;
};

struct Step {
    std::string id;  // given, or derived ("sendgrid_send", "wait", "wait_2", ...)
    bool id_given = false;
    SourcePos id_pos;  // the `id:` value when given, else the step's position
    StepKind kind = StepKind::action;
    SourcePos pos;     // position of the step's mapping in the file
    std::string name;  // optional human label

    std::string when;  // Lua condition; empty means always
    SourcePos when_pos;
    RetryPolicy retry;
    OnError on_error;

    // action: `uses: plugin.action` + `with:` (values are templates, see expr/template.hpp)
    std::string plugin;
    std::string action;
    SourcePos uses_pos;
    JsonValue with = JsonValue::object();
    std::map<std::string, SourcePos> with_pos;      // JSON pointer ("/to/email") -> position
                                                    // of the value; "" -> the `with:` key
    std::map<std::string, SourcePos> with_key_pos;  // JSON pointer -> position of the key

    // set: name -> template value; results land in vars.<name>
    JsonValue set = JsonValue::object();
    std::map<std::string, SourcePos> set_pos;  // JSON pointer ("/greeting") -> position

    // if: Lua condition, then/else branches
    std::string condition;
    SourcePos condition_pos;
    std::vector<Step> then_steps;
    std::vector<Step> else_steps;

    // wait: a duration ("30m", "2h", "3d"), or business days ("3bd": counted in the contact's
    // time zone, skipping weekends, the schedule's holidays and blackout dates)
    std::chrono::milliseconds wait_for{0};
    int wait_business_days = 0;
    // wait: {until, offset, past}: waits until a moment taken from data (a webinar, a meeting, a
    // contest's end) instead of for a duration. Set only for that form.
    std::optional<WaitUntil> wait_until;

    // wait_for: contact events to wait for (any of them), up to `timeout`; `then` runs when one
    // arrives (steps.<id>.output is the event), `else` on timeout
    std::vector<std::string> wait_events;
    std::chrono::milliseconds timeout{0};

    // action: A/B/n variants. Each run gets one, by weight, recorded with the step; its `with`
    // is merged over the step's. sticky: reuse the variant name an earlier step gave this run.
    struct Variant {
        std::string name;
        double weight = 1;
        JsonValue with = JsonValue::object();
        std::map<std::string, SourcePos> with_pos;
        SourcePos pos;
    };
    std::vector<Variant> variants;
    bool sticky_variant = false;

    // action: false exempts it from the workflow's send window (`window: false`)
    bool in_window = true;

    // action: the sender accounts it sends from (pool names or sender ids of the config file),
    // overriding the workflow's `senders`; an empty list (`senders: none`) sends from none.
    std::optional<std::vector<std::string>> senders;
    SourcePos senders_pos;

    // lua: a sandboxed block whose returned table is the step output
    std::string lua;
    SourcePos lua_pos;

    // exit: ends the run with a reason
    std::string exit_reason;

    // action: tracking of its sends (over the workflow's `track`), and `transactional: true`,
    // which exempts an email from the unsubscribe link marketing sends carry (docs/tracking.md)
    TrackOptions track;
    bool transactional = false;
};

// When a workflow may act: `schedule:` in the file. Times are evaluated in the contact's time
// zone: the input named by timezone_input, else `timezone`, else the sender account's, else UTC.
struct Schedule {
    std::string timezone;               // IANA name, e.g. "Europe/Paris"
    std::string window;                 // send window, e.g. "mon-fri 09:00-12:00,14:00-17:30"
    std::vector<std::string> calendar;  // country codes whose public holidays are skipped
    std::vector<std::string> blackout;  // extra days off, "YYYY-MM-DD"
    std::string timezone_input = "timezone";
    // The input naming the contact's country (ISO code or name): its public holidays are
    // skipped too, when relance ships its calendar. "" turns it off.
    std::string country_input = "country";
    SourcePos pos;
    bool empty() const { return window.empty() && calendar.empty() && blackout.empty(); }
};

// Who may be enrolled: `enrollment:` in the file. Checked when runs start, per contact.
struct Enrollment {
    // Skip a contact who has an unfinished run: in this workflow (the default), in any
    // workflow, or never.
    enum class Skip { active_here, active_anywhere, never };
    Skip skip_if = Skip::active_here;
    // Skip a contact enrolled in any workflow within this long (0: no cooldown).
    std::chrono::milliseconds cooldown{0};
};

struct Workflow {
    Enrollment enrollment;
    Schedule schedule;
    // Contact events that end the contact's runs of this workflow, checked when the event
    // arrives and again right before every action call. `stop_on: []` turns it off.
    std::vector<std::string> stop_on = {"replied", "bounced", "unsubscribed"};
    // Event types of the workspace's own (`custom_events:`) that stop_on and wait_for may name
    // besides engine_event_types().
    std::vector<std::string> custom_events;
    // Sender accounts (pool names or sender ids of the config file) that the workflow's channel
    // steps send from: their limits pace the sends, a lead keeps the one that first wrote to it.
    std::vector<std::string> senders;
    SourcePos senders_pos;
    std::string name;
    std::string version;  // as written ("1", "2024-05-01", ...)
    std::string description;
    std::vector<InputField> inputs;
    std::vector<Step> steps;
    Triggers triggers;   // what starts runs besides `relance run` (relance/model/triggers.hpp)
    TrackOptions track;  // the default of its steps' `track` (docs/tracking.md)
    std::string file;    // where it was loaded from
    std::string source;  // the exact text it was loaded from (runs are pinned to it)
};

// The executable form: every step (nested ones included) becomes a node with explicit
// successors. Node 0 is the entry. A successor of -1 means "the run is complete".
struct Node {
    const Step* step = nullptr;
    int next = -1;        // after this step (for if: after the whole if)
    int then_first = -1;  // if: first node of the then branch (-1: go to next)
    int else_first = -1;  // if: first node of the else branch (-1: go to next)
    int on_error = -1;    // on_error go_to target
};

struct Program {
    std::vector<Node> nodes;
    std::map<std::string, int> index_of;   // step id -> node index
    std::vector<std::string> unreachable;  // step ids that no path reaches
};

// Loads a YAML v1 workflow. Throws LoadError (with file:line:col) on malformed files.
Workflow load_workflow_file(const std::string& path);
Workflow load_workflow_text(const std::string& text, const std::string& file_name);

// Builds the program. Requires step ids to be unique (the loader guarantees it).
Program compile(const Workflow& wf);

// The contact event types the engine knows: delivered, opened, clicked, replied, bounced,
// unsubscribed, complained. A workflow names others only by declaring them (custom_events).
const std::vector<std::string>& engine_event_types();
// The engine type a misspelt or provider-spelt one most likely means ("Replied" -> "replied",
// "open" -> "opened", "repiled" -> "replied"); "" when none is close.
std::string suggest_event_type(const std::string& type);

// Parses "90s", "30m", "2h", "3d", "1w"; std::nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace relance::model
