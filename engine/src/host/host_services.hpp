// The rl_host_api table the host lends to plugins, and the per-plugin context behind its
// opaque rl_host_ctx handle.
#pragma once

#include <relance/plugin.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <relance/host/plugin_host.hpp>
#include <set>
#include <string>

#include "http_client.hpp"
#include "redactor.hpp"

namespace relance::host::detail {

// What every plugin context shares: owned by PluginHost::Impl, outlives every context.
struct Services {
    const HostConfig* config = nullptr;
    const Clock* clock = nullptr;
    Redactor* redactor = nullptr;
    HttpClient* http = nullptr;
};

// The sandbox stand-in for a secret: deterministic, so the emulator (configured with the same
// value) accepts it, and obviously fake.
std::string sandbox_secret(const std::string& plugin, const std::string& secret);

// The host-wide services table (one static instance).
const rl_host_api* host_api();

// Makes known to the redactor every secret value the host may lend this plugin, before the
// plugin runs, so none ever shows in a log line, an error or an output.
void learn_secrets(const PluginManifest& manifest, const HostConfig& config, Redactor& redactor);

}  // namespace relance::host::detail

// One per loaded plugin; shared by its instance and its sandbox emulator.
struct rl_host_ctx {
    std::string plugin;
    // Atomic: a plugin thread abandoned at its deadline may still call a service when the host
    // goes away, and the host then points it at services of its own (orphan()).
    std::atomic<relance::host::detail::Services*> services{nullptr};
    std::set<std::string> declared_secrets;

    relance::host::detail::Services& svc() const { return *services.load(); }
    // The host is going away while a call is still inside this plugin: from now on its services
    // are a copy that lives as long as the process (real clock, the same redaction, no secrets,
    // no records), so the stuck thread never touches freed memory when it returns.
    void orphan();

    struct CacheEntry {
        std::string value;
        int64_t expires_ms;  // INT64_MAX: never
    };
    std::mutex cache_mutex;
    std::map<std::string, CacheEntry> cache;
};
