// SendGrid's callbacks are read from strangers: the Inbound Parse post (multipart/form-data, a
// header block, message ids, addresses) before anything else checks it, and the Event Webhook
// signature before the body is believed. Whatever the bytes: no crash, no hang, no exception
// other than the sdk::Error that names the field, and no forgery accepted.
// Input: a Content-Type line, then '\n' and the body.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "event_webhook.hpp"
#include "inbound_parse.hpp"
#include "message_id.hpp"
#include "sandbox_key.hpp"

namespace {

using namespace relance;
using namespace relance::plugins::sendgrid;

void read_reply(std::string_view content_type, std::string_view body) {
    try {
        auto answer = read_inbound_parse(content_type, body);
        if (answer.events.size() != 1 || answer.events[0].type != "replied") std::abort();
        if (answer.events[0].contact.empty() && answer.events[0].message_id.empty()) std::abort();
        if (sdk::dump(answer.events[0].data).size() > 4096) std::abort();  // bounded
    } catch (const sdk::Error& e) {
        if (e.field().empty() || e.status() != sdk::Status::permanent) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t newline = input.find('\n');
    std::string_view content_type = input.substr(0, newline);
    std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);

    read_reply(content_type, body);
    // The same body under a fixed boundary, so that the fuzzer reaches the parts quickly.
    read_reply("multipart/form-data; boundary=xYzZY", body);
    for (const auto& [name, value] : parse_header_block(body)) {
        if (name.empty()) std::abort();
        for (const auto& id : message_ids(value)) engine_message_id_of(id);
    }
    address_of(body);

    // The Event Webhook: the body read as a batch must never throw anything but malformed...
    try {
        auto answer = read_event_batch(body);
        if (answer.events.size() > kMaxBatchEvents) std::abort();
    } catch (const sdk::Error& e) {
        if (e.field() != "body") std::abort();
    }
    // ...and no signature a fuzzer can make passes under the sandbox key.
    static const auto key = VerificationKey::parse(kSandboxWebhookPublicKey, nullptr);
    sdk::InboundRequest request;
    request.headers = {{std::string(kSignatureHeader), std::string(content_type)},
                       {std::string(kTimestampHeader), "1700000000"}};
    request.body = std::string(body);
    try {
        verify_event_webhook(request, *key, 1700000000000, 600);
        std::abort();
    } catch (const sdk::Error& e) {
        if (e.status() != sdk::Status::account) std::abort();
    }
    return 0;
}
