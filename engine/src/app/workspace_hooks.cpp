// Webhook triggers: verify the request with its hook's scheme, read its body, map it to the
// workflow's inputs, and start the run, committed before the caller answers.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/expr/template.hpp>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/http_headers.hpp>
#include <relance/signatures/random.hpp>
#include <relance/signatures/verify.hpp>

#include "deployed.hpp"
#include "hook_body.hpp"

namespace relance::app {

namespace {

// Webhook secrets live in the secret source under this plugin name: the environment variable
// RELANCE_SECRET_HOOK_<NAME>.
constexpr const char* kHookSecrets = "hook";

// The value of a header sent once ("" when absent or sent more than once: neither a media type
// nor an idempotency key can be told from two copies).
std::string header_value(const HookRequest& request, std::string_view name) {
    auto found = signatures::find_single_header(request.headers, name);
    return found.status == signatures::HeaderLookup::Status::found ? std::string(found.value)
                                                                   : std::string();
}

// Renders a template over the request's scope; nullopt when what it reads is not in the
// request (an optional field left out): the input is then absent, and the workflow's inputs say
// whether it may be.
std::optional<nlohmann::json> render(const std::string& text, const nlohmann::json& scope,
                                     const std::string& field) {
    try {
        return expr::render_string(text, scope);
    } catch (const expr::UnresolvedVariable&) {
        return std::nullopt;
    } catch (const expr::TemplateError& e) {
        throw Error(ErrorKind::invalid, std::string("cannot map the request: ") + e.what(), field);
    }
}

}  // namespace

StartedRun Workspace::receive_hook(const HookRequest& request) {
    auto snap = deployed().current();
    auto it = snap->hooks.find(request.name);
    if (it == snap->hooks.end()) {
        snap = deployed().current(true);  // deployed in the last second?
        it = snap->hooks.find(request.name);
    }
    if (it == snap->hooks.end())
        throw Error(ErrorKind::not_found,
                    "no deployed workflow has a hook named '" + request.name.substr(0, 64) + "'",
                    "name");
    const DeployedHook& hook = it->second;
    const model::WebhookTrigger& trigger = *hook.trigger;

    // The signature first, over the exact bytes: nothing of an unverified request is read.
    std::string secret;
    if (hook.scheme.kind != signatures::SchemeKind::none) {
        auto value = find_secret(kHookSecrets, trigger.secret);
        if (!value)
            throw Error(ErrorKind::failure,
                        "hook '" + trigger.name + "' needs the secret '" + trigger.secret +
                            "', which is not set (`relance secrets set hook " + trigger.secret +
                            "`, or RELANCE_SECRET_HOOK_" + trigger.secret + ")");
        secret = std::move(*value);
    }
    std::int64_t now_s = to_unix_ms(clock_.now()) / 1000;
    signatures::Verdict verdict =
        signatures::verify(hook.scheme, secret, request.headers, request.body, now_s);
    if (!verdict.ok()) {
        if (verdict.refusal == signatures::RefusalCode::misconfigured)
            throw Error(ErrorKind::failure, "hook '" + trigger.name + "': " + verdict.reason);
        throw Error(ErrorKind::unauthorized,
                    "the request's signature does not verify: " + verdict.reason, "signature");
    }

    nlohmann::json scope = detail::hook_scope(
        detail::parse_hook_body(header_value(request, "content-type"), request.body),
        request.headers, request.query);

    nlohmann::json record = nlohmann::json::object();
    if (trigger.input.empty()) {
        if (!scope["body"].is_object())
            throw Error(ErrorKind::invalid,
                        "the body must be a JSON object (or form fields): it is the run's input; "
                        "or map it with the hook's 'input:'",
                        "body");
        record = scope["body"];
    } else {
        for (const auto& [field, text] : trigger.input)
            if (auto value = render(text, scope, "input." + field))
                record[field] = std::move(*value);
    }

    // The run's idempotency key: the hook's template, else the client's Idempotency-Key, else
    // the delivery id the signature carries; without any, each request is a new run.
    std::string key;
    if (!trigger.idempotency_key.empty()) {
        auto value = render(trigger.idempotency_key, scope, "idempotency_key");
        if (!value || (value->is_string() && value->get<std::string>().empty()))
            throw Error(ErrorKind::invalid,
                        "the request has no value for the hook's idempotency key (" +
                            trigger.idempotency_key + ")",
                        "idempotency_key");
        key = value->is_string() ? value->get<std::string>() : value->dump();
    } else if (std::string header = header_value(request, "idempotency-key"); !header.empty()) {
        // The header a client names its own key with (the IETF draft, Stripe's API).
        key = header;
    } else if (!verdict.webhook_id.empty()) {
        key = verdict.webhook_id;
    } else {
        key = "once-" + signatures::hex_encode(signatures::random_bytes(16));
    }
    if (key.size() > 256)
        throw Error(ErrorKind::invalid, "the idempotency key is longer than 256 bytes",
                    "idempotency_key");
    return start_deployed(hook.workflow, hook.version_id, std::move(record),
                          "hook:" + trigger.name + ":" + key);
}

}  // namespace relance::app
