// Secret redaction shared by every host service: logs, HTTP error messages and plugin error
// texts pass through one Redactor that knows every secret value the host has handed out.
#pragma once

#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

namespace relance::host::detail {

class Redactor {
  public:
    Redactor() = default;
    // A copy knows the same secrets (for a plugin left running after its host went away).
    Redactor(const Redactor& other) {
        std::shared_lock lock(other.mutex_);
        secrets_ = other.secrets_;
    }
    Redactor& operator=(const Redactor&) = delete;

    void add(const std::string& secret) {
        if (secret.empty()) return;
        std::unique_lock lock(mutex_);
        secrets_.insert(secret);
    }

    // Replaces every occurrence of a known secret by "[redacted]". Longer secrets go first so a
    // secret that contains another is not left half visible.
    std::string apply(std::string text) const {
        std::shared_lock lock(mutex_);
        for (auto it = secrets_.rbegin(); it != secrets_.rend(); ++it) {
            const std::string& s = *it;
            for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos)) {
                text.replace(pos, s.size(), kMask);
                pos += sizeof(kMask) - 1;
            }
        }
        return text;
    }

  private:
    static constexpr char kMask[] = "[redacted]";
    // Ordered by length, then text, so apply() can go longest first.
    struct LongerFirst {
        bool operator()(const std::string& a, const std::string& b) const {
            return a.size() != b.size() ? a.size() < b.size() : a < b;
        }
    };
    mutable std::shared_mutex mutex_;
    std::set<std::string, LongerFirst> secrets_;
};

}  // namespace relance::host::detail
