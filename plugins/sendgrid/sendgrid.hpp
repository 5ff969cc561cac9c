// SendGrid v3 plugin: the `send` action (POST /v3/mail/send), its callbacks (the Event Webhook
// and Inbound Parse, inbound.cpp) and its loopback emulator.
#pragma once

#include <memory>
#include <relance/plugin.hpp>

namespace relance::plugins::sendgrid {

using sdk::json;

class SendGrid final : public sdk::Plugin, public sdk::Inbound {
  public:
    SendGrid(sdk::Host host, json config);
    json invoke(const sdk::Call& call) override;
    sdk::Reconciled reconcile(const sdk::Call& call) override;
    // inbound.cpp: an Event Webhook batch (application/json, signed) or an Inbound Parse post
    // (multipart/form-data, HTTP Basic credentials).
    sdk::InboundAnswer receive(const sdk::InboundRequest& request) override;

    // The v3 mail/send body for one `send` input (public for the emulator's tests).
    static json build_body(const json& input, const std::string& message_id,
                           const std::string& run_id);

  private:
    std::string api_key() const;
    // The Event Webhook's verification key (base64 DER): the secret webhook_public_key in live
    // mode; otherwise (sandbox mode, or no secret) SendGrid's own answer to
    // GET /v3/user/webhooks/event/settings/signed, cached for a while.
    std::string event_webhook_key() const;
    void check_parse_credentials(const sdk::InboundRequest& request) const;
    std::int64_t tolerance_s_ = 600;
    std::string base_url_;
    std::chrono::milliseconds timeout_{30000};
    bool reconcile_enabled_ = true;
    // How long after a send the Email Activity API may still not show it. Before that, "no
    // trace" means "not yet", never "not sent".
    std::chrono::milliseconds settle_{0};
};

class Emulator final : public sdk::Sandbox {
  public:
    Emulator(sdk::Host host, json config);
    ~Emulator() override;
    sdk::SandboxResponse handle(const sdk::SandboxRequest& request) override;

  private:
    sdk::SandboxResponse deliver(const sdk::SandboxRequest& request);
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace relance::plugins::sendgrid
