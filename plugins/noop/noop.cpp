// noop: a plugin that does nothing, on purpose. `pass` echoes its input; `fail` fails with a
// chosen classification a chosen number of times. The runtime tests and benchmarks use it to
// drive retries, rate limits and in-doubt steps without any network.
#include <relance/plugin.hpp>

namespace {

using relance::sdk::json;
namespace sdk = relance::sdk;

const char* const kManifest = R"json({
  "name": "noop",
  "version": "1.0.0",
  "description": "Does nothing: echoes input, or fails on demand (for tests and benchmarks).",
  "actions": [
    {
      "name": "pass",
      "description": "Succeeds at once with {\"echo\": input}.",
      "safe_to_repeat": true,
      "input_schema": {"type": "object"},
      "output_schema": {"type": "object", "properties": {"echo": {"type": "object"}},
                        "required": ["echo"]}
    },
    {
      "name": "fail",
      "description": "Fails with `status` while attempt <= `times`, then succeeds.",
      "safe_to_repeat": false,
      "input_schema": {
        "type": "object",
        "properties": {
          "status": {"type": "string",
                     "enum": ["retryable", "rate_limited", "permanent", "in_doubt"]},
          "times": {"type": "integer", "minimum": 0},
          "retry_after_ms": {"type": "integer", "minimum": 0}
        },
        "additionalProperties": false
      },
      "output_schema": {"type": "object", "properties": {"attempts": {"type": "integer"}},
                        "required": ["attempts"]}
    }
  ]
})json";

class Noop final : public sdk::Plugin {
  public:
    using sdk::Plugin::Plugin;

    json invoke(const sdk::Call& call) override {
        if (call.action == "pass") return json{{"echo", call.input}};
        if (call.action == "fail") return fail(call);
        throw sdk::permanent("noop has no action '" + call.action + "'");
    }

  private:
    static json fail(const sdk::Call& call) {
        const json& in = call.input;
        std::string status = in.value("status", "retryable");
        std::int64_t times = in.value("times", std::int64_t{1});
        std::chrono::milliseconds after{in.value("retry_after_ms", std::int64_t{0})};
        if (static_cast<std::int64_t>(call.attempt) > times)
            return json{{"attempts", call.attempt}};
        std::string msg = "noop.fail: attempt " + std::to_string(call.attempt) + " of " +
                          std::to_string(times) + " fails as " + status;
        if (status == "retryable") throw sdk::retryable(msg, after);
        if (status == "rate_limited") throw sdk::rate_limited(msg, after);
        if (status == "permanent") throw sdk::permanent(msg);
        if (status == "in_doubt") throw sdk::in_doubt(msg);
        throw sdk::permanent("noop.fail: unknown status '" + status + "'");
    }
};

}  // namespace

RELANCE_PLUGIN(Noop, relance::sdk::NoSandbox, kManifest)
