// The workspace config file (`relance --config relance.yaml`): what is shared by every workflow
// of a workspace rather than written in each: sender accounts and their pools, how plugins run,
// and the dates closed to sends.
//
//   senders:
//     - id: alice@acme.test            # a mailbox, a phone number, a LinkedIn seat
//       channel: email                 # matches the `channel` of the actions it sends through
//       timezone: Europe/Paris         # last fallback for send windows
//       with: {from: alice@acme.test, from_name: Alice Martin}   # merged into each send
//       vars: {first_name: Alice}      # for templates: {{ sender.vars.first_name }}
//       limits: {daily_cap: 40, per_minute: 2, min_gap: 90s, gap_jitter: 60s,
//                per_domain_daily_cap: 5, ramp_up: {start: 10, step_per_day: 5, max: 40}}
//   pools:
//     sdr-team: [alice@acme.test, bob@acme.test]
//   plugins:
//     sendgrid: {isolation: process, timeout: 45s}   # how the worker runs a plugin
//   calendar:                                       # dates closed to every run of the workspace
//     blackout_dates: [2026-12-24, 2026-12-31]
//     holidays: [FR]
//
// docs/limits.md is the reference (docs/plugins.md for `plugins:`).
#pragma once

#include <optional>
#include <relance/model/workflow.hpp>
#include <relance/policy/sender_limits.hpp>
#include <string>
#include <vector>

namespace relance::model {

struct SenderAccount {
    std::string id;
    std::string channel;
    std::string timezone;  // IANA name; "" = none
    // merged over the `with:` of every step sent from this account
    JsonValue with = JsonValue::object();
    JsonValue vars = JsonValue::object();  // free values, visible to templates as sender.vars
    policy::SenderLimits limits;
    // ramp_up.since was written in the file; otherwise day 0 of the ramp is the account's first
    // use, recorded in the store.
    bool ramp_since_given = false;
    SourcePos pos;
};

struct SenderPool {
    std::string name;
    std::vector<std::string> members;  // sender ids, in the order written
    SourcePos pos;
};

// How the workspace runs one plugin.
enum class PluginIsolation {
    in_process,  // loaded into the worker: cheapest per call; a crash in it is the worker's crash
    process,     // served by a child `relance plugin-host`: a crash or hang costs only its calls
};

struct PluginSettings {
    std::string name;  // the plugin's name (its manifest's, which is also its file's: name.so)
    std::optional<PluginIsolation> isolation;
    std::optional<std::chrono::milliseconds> timeout;  // deadline of each call (real time)
    SourcePos pos;
};

// Dates on which no run of the workspace sends, whatever workflow version it is pinned to: the
// send gate defers every send on them, and business-day waits skip them (docs/limits.md).
struct WorkspaceCalendar {
    std::vector<std::string> blackout_dates;  // YYYY-MM-DD, checked, in the order written
    std::vector<std::string> holidays;        // normalized country codes (FR, GB...), each once
    SourcePos pos;

    bool empty() const { return blackout_dates.empty() && holidays.empty(); }
};

// Open and click tracking and one-click unsubscribe (docs/tracking.md):
//   tracking:
//     base_url: https://t.acme.test   # where `relance serve` answers /t/... publicly
//     scanner_window: 10s             # a click this soon after the send is a scanner's
//     trust_forwarded_for: false      # read the client address from X-Forwarded-For
struct TrackingSettings {
    std::string base_url;  // "" = no tracking and no unsubscribe links; never ends with '/'
    std::chrono::milliseconds scanner_window{10'000};
    bool trust_forwarded_for = false;
    SourcePos pos;
};

struct Config {
    std::string file;
    std::vector<SenderAccount> senders;
    std::vector<SenderPool> pools;
    std::vector<PluginSettings> plugins;
    WorkspaceCalendar calendar;
    TrackingSettings tracking;

    const SenderAccount* find_sender(const std::string& id) const;
    const SenderPool* find_pool(const std::string& name) const;
    const PluginSettings* find_plugin(const std::string& name) const;
    // Sender ids named by `names` (pool names or sender ids), in order, each once. Names that
    // are neither go to `unknown` when given.
    std::vector<std::string> expand(const std::vector<std::string>& names,
                                    std::vector<std::string>* unknown = nullptr) const;
    // Every pool name and sender id, for "did you mean" hints.
    std::vector<std::string> names() const;
};

// Loads a config file. Throws LoadError with every problem (file:line:col).
Config load_config_file(const std::string& path);
Config load_config_text(const std::string& text, const std::string& file_name);

}  // namespace relance::model
