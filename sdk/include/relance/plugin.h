/*
 * relance/plugin.h — the whole plugin ABI of relance.
 *
 * A plugin is a shared library exporting one C function, relance_plugin_entry(), that returns a
 * pointer to a static rl_plugin table. Everything else crosses the boundary as plain C: integers,
 * NUL-terminated JSON text, function pointers and opaque handles. Memory never changes owner:
 * whoever wants data back passes an rl_buffer it made, and the other side copies into it with
 * buffer->set(); inputs are pointers valid for the duration of the call.
 *
 * Versioning: RELANCE_ABI_VERSION changes only when a layout below changes incompatibly. The host
 * reads abi_version and struct_size before anything else and refuses a plugin built against
 * another ABI version. New optional members are only ever appended; struct_size tells the host
 * which ones a plugin knows. New rl_status values are only ever appended too: a host reads a
 * value it does not know as RL_IN_DOUBT (assume the worst), so a newer plugin stays safe on an
 * older host of the same ABI version.
 *
 * A plugin must be thread-safe: the host may call invoke() on one instance from several threads.
 */
#ifndef RELANCE_PLUGIN_H
#define RELANCE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define RELANCE_ABI_VERSION 1u
#define RELANCE_ENTRY_SYMBOL "relance_plugin_entry"

#if defined(_WIN32)
#define RELANCE_EXPORT __declspec(dllexport)
#else
#define RELANCE_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome of a call. Every failure is classified so the engine knows what it may do next. */
typedef enum rl_status {
    RL_OK = 0,
    RL_RETRYABLE = 1,    /* temporary failure, the effect did not happen: try again later */
    RL_RATE_LIMITED = 2, /* the provider asked to slow down: retry after retry_after_ms */
    RL_PERMANENT = 3,    /* will fail the same way again for this input (bad address, too large) */
    RL_IN_DOUBT = 4,     /* the effect may or may not have happened (e.g. timeout after sending) */
    /* The provider refused the account, not this call: a revoked or wrong key, a sender identity
     * it has not verified, a suspended account. Nothing was sent. The engine pauses the sends of
     * that account with the provider's own message (put it in rl_result.error, word for word)
     * and resumes them once the account is fixed; the leads are not failed. Appended in ABI 1:
     * a host that predates it reads it as RL_IN_DOUBT. */
    RL_ACCOUNT = 5
} rl_status;

typedef enum rl_log_level {
    RL_LOG_DEBUG = 0,
    RL_LOG_INFO = 1,
    RL_LOG_WARN = 2,
    RL_LOG_ERROR = 3
} rl_log_level;

/* An output buffer. Its maker owns it and supplies set(); the other side calls
 * buffer->set(buffer, data, size) to copy data into it (replacing any earlier content). */
typedef struct rl_buffer {
    void (*set)(struct rl_buffer* self, const char* data, size_t size);
    void* opaque; /* the maker's own data */
} rl_buffer;

typedef struct rl_host_ctx rl_host_ctx; /* opaque: the host's context for one plugin instance */

/* Services the host lends to the plugin. Plugins do not open sockets or read the wall clock. */
typedef struct rl_host_api {
    uint32_t abi_version;
    uint32_t struct_size;

    /* An HTTP request through the engine's client (timeouts, TLS, secret redaction, recording).
     * request_json:  {"method":"POST","url":"http://...","headers":{"K":"V"},"body":"...",
     *                 "timeout_ms":10000}
     * response_json: {"status":202,"headers":{"k":"V"},"body":"..."}             on RL_OK, or
     *                {"error":{"kind":"connect|timeout|read|write|other","sent":false,
     *                          "message":"..."}}                                on failure.
     * "sent" says whether the request may have reached the server: if it did, the effect is in
     * doubt. Any HTTP status, 4xx and 5xx included, is RL_OK here: the plugin classifies it.
     * Header names in the response are lower-case. */
    rl_status (*http_request)(rl_host_ctx* ctx, const char* request_json, rl_buffer* response_json);

    /* Log through the engine's logger. Secrets known to the host are redacted. */
    void (*log)(rl_host_ctx* ctx, rl_log_level level, const char* message);

    /* A secret declared in the manifest. Returns 1 and fills value if set, 0 otherwise. */
    int (*secret_get)(rl_host_ctx* ctx, const char* name, rl_buffer* value);

    /* The engine clock, in milliseconds since the Unix epoch (virtual in tests and simulate). */
    int64_t (*clock_now_ms)(rl_host_ctx* ctx);

    /* A cache shared by the instances of this plugin, entries expire after ttl_ms on the engine
     * clock. cache_get returns 1 and fills value on a hit, 0 on a miss. */
    int (*cache_get)(rl_host_ctx* ctx, const char* key, rl_buffer* value);
    void (*cache_set)(rl_host_ctx* ctx, const char* key, const char* value, size_t size,
                      int64_t ttl_ms);

    /* Sandbox emulators only: durably record what the emulated provider accepted, in a named
     * mailbox (for example "outbox"); `relance sandbox outbox` lists it. entry_json is an object;
     * the host adds the plugin name and the time. */
    void (*sandbox_record)(rl_host_ctx* ctx, const char* box, const char* entry_json);
} rl_host_api;

/* One call of an action. Pointers are valid for the duration of the call only. */
typedef struct rl_call {
    const char* action;     /* action name without the plugin prefix, e.g. "send" */
    const char* input_json; /* rendered input, already checked against the action's schema */
    const char* message_id; /* the engine's id for this step of this run: the same on every
                               attempt and after a crash; carry it to the provider (e.g. SendGrid
                               custom_args) so an in-doubt call can be reconciled */
    const char* run_id;
    uint32_t attempt;      /* 1 for the first attempt */
    int64_t started_at_ms; /* when the engine committed this attempt as started (engine clock,
                              unix ms): reconcile() uses it to tell "not sent" from "too recent
                              for the provider to show yet" */
} rl_call;

/* Where a call puts its results. */
typedef struct rl_result {
    rl_buffer* output;      /* JSON object, on RL_OK */
    rl_buffer* error;       /* human-readable message, on any failure; never include secrets */
    int64_t retry_after_ms; /* with RL_RATE_LIMITED (and optionally RL_RETRYABLE); 0 if unknown */
} rl_result;

typedef struct rl_plugin {
    uint32_t abi_version; /* RELANCE_ABI_VERSION the plugin was built against */
    uint32_t struct_size; /* sizeof(rl_plugin) the plugin was built with */

    /* JSON manifest: name, version, description, actions (name, description, safe_to_repeat,
     * input_schema, output_schema), secrets, limits, events, pollers. See docs/plugins.md. */
    const char* manifest_json;

    /* Create an instance. config_json: {"mode":"live"|"sandbox","base_url":"...",...}.
     * Returns NULL and fills error on failure: the host then refuses the plugin. */
    void* (*create)(const rl_host_api* host, rl_host_ctx* ctx, const char* config_json,
                    rl_buffer* error);
    void (*destroy)(void* instance);

    /* Run an action. The host gives it a deadline (the manifest's or the operator's timeout): a
     * call that has not returned by then is answered for the plugin (in doubt, or retryable for
     * an action declared safe_to_repeat) and the thread is abandoned, never killed; a plugin that
     * keeps hanging is quarantined. On RL_OK, output must be a JSON object (valid UTF-8) that
     * satisfies the action's output_schema: anything else is a failed call. */
    rl_status (*invoke)(void* instance, const rl_call* call, rl_result* result);

    /* Optional (may be NULL). After a crash or an in-doubt answer, say whether the call with
     * call->message_id took effect: output {"outcome":"done","output":{...}} |
     * {"outcome":"not_done"} | {"outcome":"pending","retry_after_ms":N} (cannot tell yet: the
     * provider may still be indexing it; the engine asks again later) | {"outcome":"unknown"}
     * (cannot tell: the run pauses for a human). Answer not_done only when certain. A status
     * other than RL_OK reads as: RL_RETRYABLE or RL_RATE_LIMITED, the lookup itself failed for
     * now, ask again after retry_after_ms (pending); anything else, unknown. */
    rl_status (*reconcile)(void* instance, const rl_call* call, rl_result* result);

    /* Optional (may be NULL): the inbound role. The server hands it a provider's callback
     * (POST /v1/inbound/{plugin}/{account}); the plugin checks that the request is genuine
     * (signature, credentials) and says what happened to whom. The manifest declares the role
     * ("inbound"). request_json:
     *   {"account":"default","method":"POST","path":"/v1/inbound/...",
     *    "headers":[["Content-Type","application/json"],...],  (as received, in order,
     *                                                           repeated ones included)
     *    "body_base64":"..."}                                    (the exact bytes received)
     * On RL_OK, output: {"events":[{"id","type","contact","message_id","at_ms","data"}],
     *                    "ignored":N,"notes":["..."]}
     * where id is the provider's event id (the engine records each once), type an event type
     * (delivered, opened, clicked, replied, bounced, unsubscribed, complained, or custom),
     * contact an email, phone or LinkedIn URL, message_id the engine message id it concerns
     * (optional), at_ms when it happened (optional, unix ms), data an object (optional);
     * "ignored" counts what the request held that is not a contact event. Otherwise:
     * RL_ACCOUNT the request is not genuine (bad or missing signature, stale timestamp, wrong
     * credentials): nothing is recorded; RL_PERMANENT it is malformed (output may be
     * {"field":"..."} naming the place); RL_RETRYABLE or RL_RATE_LIMITED it cannot be checked
     * now (the provider should send it again, after retry_after_ms); anything else is a
     * failure. The error text says why, without secrets. Called from several threads. */
    rl_status (*parse_webhook)(void* instance, const char* request_json, rl_result* result);

    /* Optional (may be NULL). The sandbox emulator of the provider's API, served by the host on
     * 127.0.0.1. sandbox_handle gets {"method","path","query":{},"headers":{},"body"} (header
     * names lower-case) and answers {"status":200,"headers":{},"body":"..."}. It is called from
     * several threads at once. */
    void* (*sandbox_create)(const rl_host_api* host, rl_host_ctx* ctx, const char* config_json,
                            rl_buffer* error);
    void (*sandbox_destroy)(void* sandbox);
    void (*sandbox_handle)(void* sandbox, const char* request_json, rl_buffer* response_json);
} rl_plugin;

/* The one symbol a plugin exports. */
typedef const rl_plugin* (*rl_plugin_entry_fn)(void);
RELANCE_EXPORT const rl_plugin* relance_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* RELANCE_PLUGIN_H */
