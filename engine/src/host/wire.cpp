#include "wire.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace relance::host::detail {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get(const char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
    return v;
}

int remaining_ms(FrameWriter::Deadline deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    return left.count() > 60'000 ? 60'000 : static_cast<int>(left.count());
}

}  // namespace

const char* to_string(MsgType type) {
    switch (type) {
        case MsgType::init:
            return "init";
        case MsgType::activate:
            return "activate";
        case MsgType::invoke:
            return "invoke";
        case MsgType::reconcile:
            return "reconcile";
        case MsgType::service_reply:
            return "service_reply";
        case MsgType::inbound:
            return "inbound";
        case MsgType::loaded:
            return "loaded";
        case MsgType::activated:
            return "activated";
        case MsgType::answer:
            return "answer";
        case MsgType::service:
            return "service";
    }
    return "unknown";
}

const std::string& Message::field(std::size_t i) const {
    static const std::string empty;
    return i < fields.size() ? fields[i] : empty;
}

std::string encode(const Message& m) {
    std::size_t size = 1 + 8 + 4;
    for (const auto& f : m.fields) size += 4 + f.size();
    if (size > kMaxFrameBytes)
        throw WireError("a " + std::string(to_string(m.type)) + " message of " +
                        std::to_string(size) + " bytes is over the frame limit");
    std::string out;
    out.reserve(4 + size);
    put_u32(out, static_cast<std::uint32_t>(size));
    out.push_back(static_cast<char>(m.type));
    put_u64(out, m.id);
    put_u32(out, static_cast<std::uint32_t>(m.fields.size()));
    for (const auto& f : m.fields) {
        put_u32(out, static_cast<std::uint32_t>(f.size()));
        out += f;
    }
    return out;
}

bool FrameReader::fill(std::size_t need) {
    while (buffer_.size() - start_ < need) {
        if (start_ > 0 && start_ == buffer_.size()) {
            buffer_.clear();
            start_ = 0;
        }
        char chunk[65536];
        ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n == 0) return false;
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ECONNRESET) return false;
            throw WireError(std::string("read: ") + std::strerror(errno));
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<Message> FrameReader::next() {
    if (!fill(4)) {
        if (buffer_.size() > start_) throw WireError("the peer closed the socket mid-frame");
        return std::nullopt;
    }
    std::size_t size = get(buffer_.data() + start_, 4);
    if (size < 13 || size > kMaxFrameBytes)
        throw WireError("frame of " + std::to_string(size) + " bytes");
    if (!fill(4 + size)) throw WireError("the peer closed the socket mid-frame");
    const char* p = buffer_.data() + start_ + 4;
    const char* end = p + size;
    Message m;
    m.type = static_cast<MsgType>(static_cast<unsigned char>(p[0]));
    m.id = get(p + 1, 8);
    std::size_t count = get(p + 9, 4);
    p += 13;
    for (std::size_t i = 0; i < count; ++i) {
        if (end - p < 4) throw WireError("truncated field length");
        std::size_t len = get(p, 4);
        p += 4;
        if (static_cast<std::size_t>(end - p) < len) throw WireError("truncated field");
        m.fields.emplace_back(p, len);
        p += len;
    }
    if (p != end) throw WireError("trailing bytes in a frame");
    start_ += 4 + size;
    // Keep the buffer from growing with a long stream of small frames.
    if (start_ > (1u << 20)) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    return m;
}

bool FrameWriter::send(const Message& message, Deadline deadline) {
    std::string frame;
    try {
        frame = encode(message);
    } catch (const WireError&) {
        return false;
    }
    std::lock_guard lock(mutex_);
    std::size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t n =
            ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int wait = remaining_ms(deadline);
            if (wait == 0) return false;
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, wait) < 0 && errno != EINTR) return false;
            continue;
        }
        return false;  // EPIPE, ECONNRESET...: the peer is gone
    }
    return true;
}

}  // namespace relance::host::detail
