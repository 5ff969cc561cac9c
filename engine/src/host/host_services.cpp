// The services table plugins call back into: HTTP, logging, secrets, clock, cache and sandbox
// records. Every entry point is noexcept in spirit: an exception must never unwind into plugin
// code built by another compiler, so each one catches everything.
#include "host_services.hpp"

#include <spdlog/spdlog.h>

#include <climits>
#include <exception>
#include <relance/base/json_text.hpp>
#include <string>

namespace relance::host::detail {
namespace {

// Bounds the cache of one plugin; a plugin caching without bound should not eat the engine.
constexpr size_t kMaxCacheEntries = 10000;

void put(rl_buffer* b, const std::string& s) {
    if (b && b->set) b->set(b, s.data(), s.size());
}

int64_t now_ms(const rl_host_ctx* ctx) {
    return to_unix_ms(ctx->svc().clock->now());
}

rl_status http_request(rl_host_ctx* ctx, const char* request_json, rl_buffer* response_json) {
    try {
        auto req = nlohmann::json::parse(request_json ? request_json : "", nullptr, false);
        if (req.is_discarded() || !req.is_object()) {
            put(response_json, nlohmann::json{{"error",
                                               {{"kind", "other"},
                                                {"sent", false},
                                                {"message", "request is not a JSON object"}}}}
                                   .dump());
            return RL_PERMANENT;
        }
        nlohmann::json resp = ctx->svc().http->perform(req);
        put(response_json, json_text(resp));
        if (!resp.contains("error")) return RL_OK;
        return resp["error"].value("sent", true) ? RL_IN_DOUBT : RL_RETRYABLE;
    } catch (const std::exception& e) {
        put(response_json, json_text({{"error",
                                       {{"kind", "other"},
                                        {"sent", true},
                                        {"message", ctx->svc().redactor->apply(e.what())}}}}));
        return RL_IN_DOUBT;
    } catch (...) {
        put(response_json, R"({"error":{"kind":"other","sent":true,"message":"unknown error"}})");
        return RL_IN_DOUBT;
    }
}

void log(rl_host_ctx* ctx, rl_log_level level, const char* message) {
    try {
        std::string text = ctx->svc().redactor->apply(message ? message : "");
        switch (level) {
            case RL_LOG_DEBUG:
                spdlog::debug("[plugin {}] {}", ctx->plugin, text);
                break;
            case RL_LOG_INFO:
                spdlog::info("[plugin {}] {}", ctx->plugin, text);
                break;
            case RL_LOG_WARN:
                spdlog::warn("[plugin {}] {}", ctx->plugin, text);
                break;
            default:
                spdlog::error("[plugin {}] {}", ctx->plugin, text);
                break;
        }
    } catch (...) {
        // Logging must never take a plugin call down.
    }
}

int secret_get(rl_host_ctx* ctx, const char* name, rl_buffer* value) {
    try {
        if (!name) return 0;
        std::string secret_name = name;
        // Only declared secrets are lent: the manifest is the list an operator reviews.
        if (!ctx->declared_secrets.count(secret_name)) {
            spdlog::warn("[plugin {}] asked for undeclared secret '{}'", ctx->plugin, secret_name);
            return 0;
        }
        std::optional<std::string> v;
        const HostConfig& config = *ctx->svc().config;
        if (config.mode == Mode::sandbox) {
            v = sandbox_secret(ctx->plugin, secret_name);
        } else if (config.secrets) {
            v = config.secrets(ctx->plugin, secret_name);
        }
        if (!v) return 0;
        ctx->svc().redactor->add(*v);
        put(value, *v);
        return 1;
    } catch (...) {
        return 0;
    }
}

int64_t clock_now_ms(rl_host_ctx* ctx) {
    return now_ms(ctx);
}

int cache_get(rl_host_ctx* ctx, const char* key, rl_buffer* value) {
    try {
        if (!key) return 0;
        int64_t now = now_ms(ctx);
        std::lock_guard lock(ctx->cache_mutex);
        auto it = ctx->cache.find(key);
        if (it == ctx->cache.end()) return 0;
        if (it->second.expires_ms <= now) {
            ctx->cache.erase(it);
            return 0;
        }
        put(value, it->second.value);
        return 1;
    } catch (...) {
        return 0;
    }
}

void cache_set(rl_host_ctx* ctx, const char* key, const char* value, size_t size, int64_t ttl_ms) {
    try {
        if (!key) return;
        int64_t now = now_ms(ctx);
        // ttl_ms <= 0 keeps the entry until the host stops.
        int64_t expires = ttl_ms > 0 && now <= INT64_MAX - ttl_ms ? now + ttl_ms : INT64_MAX;
        std::lock_guard lock(ctx->cache_mutex);
        if (ctx->cache.size() >= kMaxCacheEntries && !ctx->cache.count(key)) {
            std::erase_if(ctx->cache, [&](const auto& kv) { return kv.second.expires_ms <= now; });
            if (ctx->cache.size() >= kMaxCacheEntries) {
                auto oldest = ctx->cache.begin();
                for (auto it = ctx->cache.begin(); it != ctx->cache.end(); ++it)
                    if (it->second.expires_ms < oldest->second.expires_ms) oldest = it;
                ctx->cache.erase(oldest);
            }
        }
        ctx->cache[key] = {std::string(value ? value : "", value ? size : 0), expires};
    } catch (...) {
    }
}

void sandbox_record(rl_host_ctx* ctx, const char* box, const char* entry_json) {
    try {
        auto entry = nlohmann::json::parse(entry_json ? entry_json : "", nullptr, false);
        if (entry.is_discarded()) {
            spdlog::warn("[plugin {}] sandbox_record: entry is not JSON", ctx->plugin);
            return;
        }
        if (!entry.is_object()) entry = nlohmann::json{{"value", std::move(entry)}};
        entry["plugin"] = ctx->plugin;
        entry["recorded_at_ms"] = now_ms(ctx);
        const HostConfig& config = *ctx->svc().config;
        if (config.sandbox_recorder) config.sandbox_recorder(ctx->plugin, box ? box : "", entry);
    } catch (const std::exception& e) {
        spdlog::error("[plugin {}] sandbox_record failed: {}", ctx->plugin, e.what());
    } catch (...) {
    }
}

}  // namespace

void learn_secrets(const PluginManifest& manifest, const HostConfig& config, Redactor& redactor) {
    for (const auto& s : *manifest.secrets) {
        std::string name = s.value("name", "");
        if (config.mode == Mode::sandbox)
            redactor.add(sandbox_secret(manifest.name, name));
        else if (config.secrets)
            if (auto v = config.secrets(manifest.name, name)) redactor.add(*v);
    }
}

std::string sandbox_secret(const std::string& plugin, const std::string& secret) {
    return "sandbox-" + plugin + "-" + secret;
}

const rl_host_api* host_api() {
    static const rl_host_api api = [] {
        rl_host_api a{};
        a.abi_version = RELANCE_ABI_VERSION;
        a.struct_size = sizeof(rl_host_api);
        a.http_request = &http_request;
        a.log = &log;
        a.secret_get = &secret_get;
        a.clock_now_ms = &clock_now_ms;
        a.cache_get = &cache_get;
        a.cache_set = &cache_set;
        a.sandbox_record = &sandbox_record;
        return a;
    }();
    return &api;
}

}  // namespace relance::host::detail

void rl_host_ctx::orphan() {
    using namespace relance::host;
    const detail::Services& old = svc();
    // Leaked on purpose: the stuck thread may return at any time until the process exits.
    static const relance::SystemClock real_clock;
    auto* config = new HostConfig();
    config->mode = old.config->mode;
    auto* redactor = new detail::Redactor(*old.redactor);
    auto* services = new detail::Services();
    services->config = config;
    services->clock = &real_clock;
    services->redactor = redactor;
    services->http = new detail::HttpClient(*redactor);
    this->services.store(services);
}
