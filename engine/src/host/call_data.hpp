// One call into a plugin as it crosses the boundary (in process, or to a child over the wire),
// and what comes back before the host reads it.
#pragma once

#include <relance/plugin.h>

#include <cstdint>
#include <string>

namespace relance::host::detail {

// inbound: a provider's callback for the plugin's inbound role (parse_webhook); its CallData
// holds the request JSON in input_json, nothing else.
enum class CallKind { invoke, reconcile, inbound };
const char* to_string(CallKind kind);

// The text of an rl_call, owned.
struct CallData {
    std::string action;
    std::string input_json;
    std::string message_id;
    std::string run_id;
    std::uint32_t attempt = 1;
    std::int64_t started_at_ms = 0;
};

// What the plugin answered, untouched: the host checks and classifies it (PluginBase).
struct RawAnswer {
    int status = RL_IN_DOUBT;
    std::string output;
    std::string error;
    std::int64_t retry_after_ms = 0;
};

// How a call ended, seen from the caller.
struct CallEnd {
    enum class Kind {
        answered,     // the plugin answered: `answer`
        deadline,     // it started and did not answer in time: it may still act
        not_started,  // it never reached the plugin (no free slot before the deadline)
        crashed,      // the process serving it died while it was in flight: `detail` says how
        unavailable,  // nothing was sent: the plugin is not running (`detail` says why)
    };
    Kind kind = Kind::answered;
    RawAnswer answer;
    std::string detail;
};

}  // namespace relance::host::detail
