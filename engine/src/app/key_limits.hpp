// Per-key request counters of a workspace: a fixed one-minute window per key, in this process's
// memory. One server process owns its counts; several servers on one database (the PostgreSQL
// work) will need the ledger in the store instead.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <relance/app/workspace.hpp>
#include <string>

namespace relance::app {

struct Workspace::KeyLimits {
    struct Window {
        std::int64_t minute = -1;  // unix minute the count is for
        int count = 0;
    };
    std::mutex m;
    std::map<std::string, Window> by_key;  // key id -> its current window

    // Counts one request at `now_ms`; the seconds to wait when it is over `per_minute`, else 0.
    int take(const std::string& key_id, int per_minute, std::int64_t now_ms) {
        std::lock_guard g(m);
        Window& w = by_key[key_id];
        std::int64_t minute = now_ms / 60'000;
        if (w.minute != minute) w = Window{minute, 0};
        if (w.count >= per_minute)
            return static_cast<int>(((minute + 1) * 60'000 - now_ms + 999) / 1000);
        ++w.count;
        return 0;
    }
};

}  // namespace relance::app
