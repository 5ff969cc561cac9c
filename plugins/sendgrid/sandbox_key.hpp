// The emulator's Event Webhook signing key: a P-256 key pair made for the sandbox and published
// here, like the fake sandbox secrets (sandbox-sendgrid-api_key). Every emulator signs with it
// unless its config names another ("webhook_private_key"), so an emulator in the worker and
// one in the server agree, and tests and demos can sign callbacks of their own. It verifies
// nothing anywhere else: live mode takes the operator's key.
#pragma once

namespace relance::plugins::sendgrid {

inline constexpr const char* kSandboxWebhookPrivateKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1Kq7BwbX1/p/7QZF\n"
    "+4RZTIpI1hqHfZe743O5x2GFp0ahRANCAAQnQth689/51dwlR3dowCT6B3tIXgB+\n"
    "JEKCpy8ZH4hVcS9aKlRosLWAggUh2TD/fjrzJSwYOqBRuG1tqgw6+L0z\n"
    "-----END PRIVATE KEY-----\n";

// Its public half, base64 DER SubjectPublicKeyInfo, as GET
// /v3/user/webhooks/event/settings/signed shows it.
inline constexpr const char* kSandboxWebhookPublicKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJ0LYevPf+dXcJUd3aMAk+gd7SF4AfiRCgqcvGR+IVXEvWipUaLC1gIIF"
    "Idkw/3468yUsGDqgUbhtbaoMOvi9Mw==";

}  // namespace relance::plugins::sendgrid
