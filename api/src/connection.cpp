#include "connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace relance::api::detail {

namespace {

int millis_until(SteadyClock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, 1 << 30));
}

void ip_and_port(const sockaddr_storage& addr, std::string& ip, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    }
    ip = text;
}

}  // namespace

ConnectionStream::ConnectionStream(int sock, std::chrono::milliseconds write_timeout)
    : sock_(sock), write_timeout_(write_timeout), deadline_(SteadyClock::now()) {}

bool ConnectionStream::wait(short events, SteadyClock::time_point deadline) const {
    for (;;) {
        pollfd p{sock_, events, 0};
        int n = ::poll(&p, 1, millis_until(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

bool ConnectionStream::is_readable() const {
    if (buffer_begin_ < buffer_end_) return true;
    if (wait(POLLIN, deadline_)) return true;
    timed_out_ = true;
    return false;
}

bool ConnectionStream::is_writable() const {
    return wait(POLLOUT, SteadyClock::now() + write_timeout_);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
    if (size == 0) return 0;
    if (allowance_ == 0) {
        over_allowance_ = true;
        return -1;
    }
    size = std::min(size, allowance_);
    if (buffer_begin_ == buffer_end_) {
        if (!is_readable()) return -1;
        ssize_t n;
        do {
            n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) return -1;
        buffer_begin_ = 0;
        buffer_end_ = static_cast<std::size_t>(n);
    }
    std::size_t n = std::min(size, buffer_end_ - buffer_begin_);
    std::copy_n(buffer_.data() + buffer_begin_, n, ptr);
    buffer_begin_ += n;
    allowance_ -= n;
    return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
        n = ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;  // poll again
    return n;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        ip_and_port(addr, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        ip_and_port(addr, ip, port);
}

void ConnectionStream::begin_request(SteadyClock::time_point deadline, std::size_t allowance) {
    deadline_ = deadline;
    allowance_ = allowance;
    timed_out_ = false;
    over_allowance_ = false;
}

void ConnectionStream::allow(std::size_t allowance) {
    allowance_ = allowance;
}

bool ConnectionStream::wait_for_request(std::chrono::milliseconds timeout) const {
    if (buffer_begin_ < buffer_end_) return true;
    if (!wait(POLLIN, SteadyClock::now() + timeout)) return false;
    // Readable may mean closed: peek, so that a client that went away is not a request.
    char c;
    ssize_t n;
    do {
        n = ::recv(sock_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) closed_ = true;
    return n > 0;
}

void ConnectionStream::linger(std::chrono::milliseconds limit) {
    ::shutdown(sock_, SHUT_WR);
    auto until = SteadyClock::now() + limit;
    char sink[16 * 1024];
    while (wait(POLLIN, until)) {
        ssize_t n = ::recv(sock_, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0) return;
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return;
    }
}

}  // namespace relance::api::detail
