// Failure injection shared by the sandbox emulators of the in-tree plugins. Configured from the
// emulator's config and at run time through POST /__sandbox/fail, with the same JSON:
//
//   {"fail_next": [{"status": 429, "retry_after": "2"}, {"status": 503},
//                  {"status": 504, "after_accept": true}],
//    "fail_every": 5,      // every 5th request answers 500
//    "latency_ms": 200}    // delay before answering an accepted request
//
// "after_accept": the emulator does the work first (accepts and records the message), then
// answers the failure: a gateway timing out in front of a provider that did its job, which is
// what makes a call in doubt. Emulators that have nothing to accept answer it at once.
//
// Thread-safe: emulators are called from several server threads at once.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <relance/plugin.hpp>

namespace relance::plugins {

struct InjectedFailure {
    int status = 500;
    std::string retry_after;  // Retry-After header value, if any
    std::string body;         // response body; a provider-shaped default if empty
    bool after_accept = false;  // answered after the request took effect, not instead of it
};

class SandboxFaults {
  public:
    // Reads fail_next / fail_every / latency_ms from a config object; later calls append to
    // fail_next and replace the other two when present.
    void configure(const sdk::json& config) {
        if (!config.is_object()) return;
        std::lock_guard lock(mutex_);
        if (auto it = config.find("fail_next"); it != config.end() && it->is_array()) {
            for (const auto& f : *it) {
                InjectedFailure failure;
                failure.status = f.value("status", 500);
                if (auto ra = f.find("retry_after"); ra != f.end())
                    failure.retry_after = ra->is_string() ? ra->get<std::string>() : ra->dump();
                failure.body = f.value("body", "");
                failure.after_accept = f.value("after_accept", false);
                next_.push_back(std::move(failure));
            }
        }
        if (auto it = config.find("fail_every"); it != config.end() && it->is_number_integer())
            fail_every_ = it->get<std::int64_t>();
        if (auto it = config.find("latency_ms"); it != config.end() && it->is_number())
            latency_ms_ = it->get<std::int64_t>();
    }

    // Called once per counted request: the failure to answer with, if any.
    std::optional<InjectedFailure> next() {
        std::lock_guard lock(mutex_);
        ++count_;
        if (!next_.empty()) {
            InjectedFailure f = std::move(next_.front());
            next_.pop_front();
            return f;
        }
        if (fail_every_ > 0 && count_ % fail_every_ == 0) return InjectedFailure{};
        return std::nullopt;
    }

    std::int64_t latency_ms() const {
        std::lock_guard lock(mutex_);
        return latency_ms_;
    }

    // The response for an injected failure, with a SendGrid-style error body by default.
    static sdk::SandboxResponse response(const InjectedFailure& f) {
        sdk::SandboxResponse r;
        r.status = f.status;
        r.headers["Content-Type"] = "application/json";
        if (!f.retry_after.empty()) r.headers["Retry-After"] = f.retry_after;
        r.body = !f.body.empty()
                     ? f.body
                     : sdk::dump(sdk::json{
                           {"errors",
                            {{{"field", nullptr},
                              {"message",
                               f.status == 429 ? "too many requests" : "injected failure"}}}}});
        return r;
    }

  private:
    mutable std::mutex mutex_;
    std::deque<InjectedFailure> next_;
    std::int64_t fail_every_ = 0;
    std::int64_t latency_ms_ = 0;
    std::int64_t count_ = 0;
};

}  // namespace relance::plugins
