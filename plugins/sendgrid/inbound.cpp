// SendGrid's callbacks, both posted to POST /v1/inbound/sendgrid/{account} and told apart by
// their Content-Type: the Event Webhook (application/json, ECDSA-signed) and Inbound Parse
// (multipart/form-data, unsigned: HTTP Basic credentials in the URL SendGrid posts to).
// Nothing of a request is read before it is known to be genuine.
#include "event_webhook.hpp"
#include "inbound_parse.hpp"
#include "sendgrid.hpp"
#include "webhook_crypto.hpp"

namespace relance::plugins::sendgrid {

namespace {

constexpr const char* kKeyCacheEntry = "event_webhook_public_key";
// SendGrid's key changes only when an operator rotates it in the UI.
constexpr std::chrono::milliseconds kKeyCacheTtl{10 * 60 * 1000};

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string media_type(const std::string& content_type) {
    std::string media = lower(content_type.substr(0, content_type.find(';')));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.erase(0, 1);
    return media;
}

}  // namespace

sdk::InboundAnswer SendGrid::receive(const sdk::InboundRequest& request) {
    auto types = request.header_values("content-type");
    if (types.size() != 1)
        throw sdk::malformed("headers.content-type",
                             types.empty() ? "a SendGrid callback has a Content-Type"
                                           : "the request has several Content-Type headers");
    const std::string media = media_type(types.front());
    if (media == "application/json") {
        std::string why;
        auto key = VerificationKey::parse(event_webhook_key(), &why);
        // A key that does not parse is the operator's to fix, not the request's fault: answer
        // so that SendGrid keeps the batch and sends it again.
        if (!key)
            throw sdk::retryable("sendgrid: the Event Webhook verification key is unusable: " +
                                 why);
        verify_event_webhook(request, *key, host().now_ms(), tolerance_s_);
        return read_event_batch(request.body);
    }
    if (media == "multipart/form-data") {
        check_parse_credentials(request);
        return read_inbound_parse(types.front(), request.body);
    }
    throw sdk::malformed("headers.content-type",
                         "SendGrid posts its Event Webhook as application/json and Inbound Parse "
                         "as multipart/form-data, not " +
                             (media.empty() ? std::string("nothing") : media));
}

std::string SendGrid::event_webhook_key() const {
    // Live, the operator's copy of the key wins. In sandbox mode the fake secret is no key: the
    // emulator's own key pair signs, and its API tells the public half like SendGrid's does.
    if (!sandbox_mode())
        if (auto key = host().secret("webhook_public_key"); key && !key->empty()) return *key;
    if (auto cached = host().cache_get(kKeyCacheEntry)) return *cached;
    sdk::HttpRequest req;
    req.method = "GET";
    req.url = base_url_ + "/v3/user/webhooks/event/settings/signed";
    req.headers = {{"Authorization", "Bearer " + api_key()}};
    req.timeout = std::chrono::milliseconds{5000};
    sdk::HttpResponse resp = host().http(req);
    const std::string what = "sendgrid: cannot get the Event Webhook verification key";
    if (!resp.ok()) throw sdk::retryable(what + " (" + resp.transport_error + " error)");
    if (resp.status != 200)
        throw sdk::retryable(what + ": GET /v3/user/webhooks/event/settings/signed answered " +
                             std::to_string(resp.status));
    json j = json::parse(resp.body, nullptr, false);
    std::string key = j.is_object() ? j.value("public_key", std::string{}) : std::string{};
    if (key.empty()) throw sdk::retryable(what + ": the Signed Event Webhook is not enabled");
    host().cache_set(kKeyCacheEntry, key, kKeyCacheTtl);
    return key;
}

void SendGrid::check_parse_credentials(const sdk::InboundRequest& request) const {
    auto password = host().secret("parse_password");
    if (!password || password->empty())
        throw sdk::unauthorized(
            "Inbound Parse posts are refused: SendGrid does not sign them, so they need the "
            "secret parse_password, given as HTTP Basic credentials in the Parse URL");
    auto values = request.header_values("authorization");
    if (values.size() != 1)
        throw sdk::unauthorized(values.empty()
                                    ? "the Inbound Parse post has no Authorization header"
                                    : "the Inbound Parse post has several Authorization headers");
    const std::string& auth = values.front();
    if (lower(auth.substr(0, 6)) != "basic ")
        throw sdk::unauthorized("the Inbound Parse post does not use HTTP Basic credentials");
    auto decoded = sdk::base64_decode(auth.substr(6));
    if (!decoded) throw sdk::unauthorized("the Inbound Parse credentials are not base64");
    // Any user name: the password is the secret.
    auto colon = decoded->find(':');
    std::string given = colon == std::string::npos ? std::string{} : decoded->substr(colon + 1);
    if (!same_secret(given, *password))
        throw sdk::unauthorized("the Inbound Parse credentials are wrong");
}

}  // namespace relance::plugins::sendgrid
