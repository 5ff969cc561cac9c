// A plugin loaded into this process. Each call runs on a thread of the plugin's CallRunner so
// that its caller can stop waiting at the deadline; a call abandoned there keeps the library
// loaded and the instance alive for as long as it runs, even past the host's end.
//
// `relance plugin-host` uses the same class in the child process, calling call_direct() (the
// parent holds the deadlines there).
#pragma once

#include <memory>

#include "call_runner.hpp"
#include "library.hpp"
#include "plugin_base.hpp"
#include "sandbox_server.hpp"

namespace relance::host::detail {

class InProcessPlugin final : public PluginBase {
  public:
    InProcessPlugin(std::unique_ptr<Library> library, const HostConfig& config, Services& services);
    ~InProcessPlugin() override;

    Isolation isolation() const override { return Isolation::in_process; }
    bool has_sandbox() const override;
    bool has_reconcile() const;
    bool has_inbound_slot() const;
    std::string sandbox_url() const override;

    void activate() override;
    void shut_down() override;
    // Destroys the instance only (the emulator keeps serving until shut_down()): the host ends
    // every instance before it closes its HTTP connections and stops the emulators.
    void destroy_instance() override;

    // One call straight into the plugin, on this thread, without deadline.
    RawAnswer call_direct(CallKind kind, const CallData& data);

  protected:
    CallEnd call(CallKind kind, const CallData& data, Millis timeout) override;
    std::vector<CallEnd> call_each(CallKind kind, const std::vector<CallData>& data,
                                   const std::vector<Millis>& timeouts) override;
    Availability transport_availability(TimePoint now) const override;
    bool supports_reconcile() const override { return has_reconcile(); }
    bool supports_inbound() const override { return has_inbound_slot(); }

  private:
    // What a call inside the plugin may touch. Never freed while a call is inside (see
    // shut_down()).
    struct Core {
        std::unique_ptr<Library> library;  // first: unloaded last
        std::unique_ptr<rl_host_ctx> ctx = std::make_unique<rl_host_ctx>();
        void* sandbox = nullptr;
        std::unique_ptr<SandboxServer> server;
        void* instance = nullptr;
    };
    static RawAnswer call_core(Core& core, CallKind kind, const CallData& data);
    using Constructor = void* (*)(const rl_host_api*, rl_host_ctx*, const char*, rl_buffer*);
    // create() or sandbox_create(), within the host's start timeout; throws Refused.
    void* construct(Constructor fn, std::string config, const char* what, std::string* error);
    void stop_sandbox();

    std::unique_ptr<Core> core_;
    std::unique_ptr<CallRunner> runner_ = std::make_unique<CallRunner>();
    bool orphaned_ = false;
};

// An rl_buffer writing into a std::string.
struct Buffer : rl_buffer {
    std::string text;
    Buffer() : rl_buffer{&Buffer::assign, nullptr} { opaque = this; }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    static void assign(rl_buffer* self, const char* data, size_t size) {
        static_cast<Buffer*>(self->opaque)->text.assign(data ? data : "", data ? size : 0);
    }
};

}  // namespace relance::host::detail
