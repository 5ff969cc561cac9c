// The protocol between the worker and a `relance plugin-host` child, over a Unix socketpair.
// Each message is one frame:
//
//   u32 length of the rest | u8 type | u64 id | u32 field count | (u32 length | bytes) per field
//
// (integers little-endian). Fields are text or bytes, carried exactly: a plugin's output reaches
// the worker byte for byte, so the worker checks it the same way in both isolation modes. Many
// requests are in flight at once in both directions; a reply carries its request's id.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace relance::host::detail {

enum class MsgType : std::uint8_t {
    // worker -> child
    init = 1,           // [file, mode, plugin config JSON, sandbox config JSON, log level]
    activate = 2,       // []
    invoke = 3,         // [action, input JSON, message id, run id, attempt, started_at_ms]
    reconcile = 4,      // same fields
    service_reply = 5,  // answer to a child's `service` request
    inbound = 6,        // [request JSON] (parse_webhook); answered like invoke
    // child -> worker
    loaded = 10,     // ["1", manifest JSON, has_sandbox, has_reconcile, has_inbound] or
                     // ["0", reason]
    activated = 11,  // ["1", sandbox url] or ["0", reason]
    answer = 12,     // [status, output, error, retry_after_ms]
    service = 13,    // what the plugin needs from the engine: ["clock"], ["secret", name],
                     // ["record", box, entry JSON], ["history"]
};
const char* to_string(MsgType type);

struct Message {
    MsgType type = MsgType::init;
    std::uint64_t id = 0;
    std::vector<std::string> fields;

    const std::string& field(std::size_t i) const;  // "" past the end
};

// A number carried as a text field; `fallback` when the field is not exactly one.
template <class T>
T field_number(const std::string& text, T fallback) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() ? value : fallback;
}

struct WireError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The largest frame either side accepts: above any plugin output the worker keeps (its own
// limit is lower), so a frame this large means a broken peer.
constexpr std::size_t kMaxFrameBytes = 64u << 20;

std::string encode(const Message& message);

// Reads frames from a blocking socket. One reader per socket.
class FrameReader {
  public:
    explicit FrameReader(int fd) : fd_(fd) {}
    // The next message; std::nullopt when the peer closed the socket. Throws WireError on a
    // malformed or oversized frame or a read error.
    std::optional<Message> next();

  private:
    bool fill(std::size_t need);  // false on EOF before `need` bytes
    int fd_;
    std::string buffer_;
    std::size_t start_ = 0;
};

// Writes whole frames to a socket from any thread, one at a time. Never raises SIGPIPE, and
// never blocks past a deadline: a peer that stopped reading cannot hold the writer.
class FrameWriter {
  public:
    using Deadline = std::chrono::steady_clock::time_point;
    explicit FrameWriter(int fd) : fd_(fd) {}
    // False when the peer is gone or the deadline passed with the frame partly written (the
    // socket is then unusable: the caller treats the peer as dead).
    bool send(const Message& message, Deadline deadline);

  private:
    int fd_;
    std::mutex mutex_;
};

}  // namespace relance::host::detail
