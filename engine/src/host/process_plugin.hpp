// A plugin served by a `relance plugin-host` child: the worker never loads its library. The
// child reports the manifest, runs the emulator and the instance; the worker forwards calls
// (many in flight at once) and answers what the child asks of the engine (clock, secrets,
// sandbox records and history).
//
// When the child dies, the calls in flight end as crashed (in doubt, or retryable for an action
// safe to repeat), the crash counts as a fault, and the next call after the restart backoff
// starts a new child. A child with too many calls stuck past their deadline is killed and
// restarted the same way. Faults that come too often quarantine the plugin (FaultLedger).
#pragma once

#include <memory>
#include <mutex>

#include "child_process.hpp"
#include "plugin_base.hpp"

namespace relance::host::detail {

class ProcessPlugin final : public PluginBase {
  public:
    // Starts a child for `file` and waits for it to load the library. Throws Refused with the
    // child's reason (the same refusals as in process) or how it died.
    static std::unique_ptr<ProcessPlugin> start(const std::filesystem::path& file,
                                                const HostConfig& config, Services& services);
    ~ProcessPlugin() override;

    Isolation isolation() const override { return Isolation::process; }
    bool has_sandbox() const override { return has_sandbox_; }
    std::string sandbox_url() const override;

    void activate() override;
    void shut_down() override;

    pid_t child_pid() const;  // -1 when no child runs (tests kill it to simulate a crash)

    // Whom a child's hooks reach (internal to the implementation).
    struct Owner;
    std::vector<std::string> serve(const Message& request);
    void on_death(const std::string& how, const std::vector<MsgType>& in_flight);

  protected:
    CallEnd call(CallKind kind, const CallData& data, Millis timeout) override;
    Availability transport_availability(TimePoint now) const override;
    bool supports_reconcile() const override { return has_reconcile_; }
    bool supports_inbound() const override { return has_inbound_; }

  private:
    ProcessPlugin(std::filesystem::path file, CompiledManifest manifest, const HostConfig& config,
                  Services& services);
    // A new child with the library loaded and the instance started. Throws Refused.
    std::shared_ptr<ChildProcess> spawn();
    void start_instance(ChildProcess& child);
    // The running child, restarted first if it died and its backoff has passed; nullptr (and
    // why) when there is none to call.
    std::shared_ptr<ChildProcess> running_child(std::string* why);

    bool has_sandbox_ = false;
    bool has_reconcile_ = false;
    bool has_inbound_ = false;
    std::string manifest_text_;  // as the first child reported it
    std::shared_ptr<Owner> owner_;

    mutable std::mutex mutex_;  // guards the fields below
    std::shared_ptr<ChildProcess> child_;
    std::string sandbox_url_;
    bool active_ = false;  // activate() succeeded: restarts activate too
    bool stopping_ = false;
    std::mutex restart_mutex_;  // one restart at a time
};

}  // namespace relance::host::detail
