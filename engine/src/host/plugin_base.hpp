// What every loaded plugin does the same way, in process or out of it: its manifest and
// compiled schemas, its deadlines, its availability, and reading what a call answered (status,
// output checks, redaction). How a call reaches the plugin is left to the two subclasses.
#pragma once

#include <relance/host/plugin_host.hpp>

#include "call_data.hpp"
#include "fault_ledger.hpp"
#include "host_services.hpp"
#include "manifest.hpp"

namespace relance::host::detail {

class PluginBase : public LoadedPlugin {
  public:
    PluginBase(std::filesystem::path file, CompiledManifest manifest, const HostConfig& config,
               Services& services);

    const PluginManifest& manifest() const override { return manifest_.manifest; }
    const std::filesystem::path& file() const override { return file_; }
    Availability availability(TimePoint now) const override;
    Millis timeout_for(const std::string& action) const override;
    std::vector<std::string> check_input(const std::string& action,
                                         const json& input) const override;
    ActionOutcome invoke(const ActionRequest& request) override;
    std::vector<ActionOutcome> invoke_each(const std::vector<ActionRequest>& requests) override;
    std::optional<ReconcileOutcome> reconcile(const ActionRequest& request) override;
    bool has_inbound() const override { return supports_inbound(); }
    // plugin_inbound.cpp
    InboundOutcome receive(const InboundCall& call) override;

    const model::ActionSpec* action(const std::string& name) const;

    // Phase 2: emulator and instance. Throws Refused.
    virtual void activate() = 0;
    // Ends the instance only, first of all at shutdown (see PluginHost::Impl::~Impl).
    virtual void destroy_instance() {}
    // Before the host goes: instance, emulator and child stopped, never waiting on a call stuck
    // in the plugin.
    virtual void shut_down() = 0;

  protected:
    // Takes one call to the plugin and back, within `timeout` (real time).
    virtual CallEnd call(CallKind kind, const CallData& data, Millis timeout) = 0;
    // Several calls in turn, each within its own timeout; by default one call() each.
    virtual std::vector<CallEnd> call_each(CallKind kind, const std::vector<CallData>& data,
                                           const std::vector<Millis>& timeouts);
    // What the way of calling adds to the faults' verdict (stuck calls, a child that is down).
    virtual Availability transport_availability(TimePoint now) const = 0;
    virtual bool supports_reconcile() const = 0;
    virtual bool supports_inbound() const = 0;

    TimePoint now() const { return services_.clock->now(); }
    std::string label(const std::string& action) const;  // "plugin sendgrid: send"

    const HostConfig& config_;
    Services& services_;
    FaultLedger faults_;

  private:
    // invoke() in two halves around the call: what must be known before it (an outcome
    // already when nothing may be called), and what its end means.
    struct Prepared {
        const model::ActionSpec* spec = nullptr;
        Millis timeout{0};
        std::optional<ActionOutcome> early;
    };
    Prepared prepare(const ActionRequest& request) const;
    ActionOutcome finish(const Prepared& p, const ActionRequest& request, CallEnd end);
    CallData call_data(const ActionRequest& request) const;
    ActionOutcome read_answer(const model::ActionSpec& spec, RawAnswer answer) const;
    ReconcileOutcome read_reconcile(const model::ActionSpec* spec, RawAnswer answer) const;
    InboundOutcome read_inbound(RawAnswer answer) const;  // plugin_inbound.cpp
    // The plugin's text, made safe to store: secrets redacted, bounded, valid UTF-8.
    std::string clean_text(const std::string& text) const;

    std::filesystem::path file_;
    CompiledManifest manifest_;
};

}  // namespace relance::host::detail
