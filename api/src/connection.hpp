// One client connection as the server reads and writes it: an httplib::Stream over the socket
// with the limits httplib 0.11 lacks. A request's head and body must arrive before one deadline
// (a client trickling a byte at a time cannot hold a thread longer than the read timeout),
// reads stop at an allowance of bytes (headers are not counted by httplib, a chunked body is
// not bounded by it), and each write waits at most the write timeout.
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <string>

namespace relance::api::detail {

using SteadyClock = std::chrono::steady_clock;

class ConnectionStream final : public httplib::Stream {
  public:
    ConnectionStream(int sock, std::chrono::milliseconds write_timeout);

    // httplib::Stream
    bool is_readable() const override;
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return sock_; }

    // A request starts: everything of it must be read before `deadline`, and at most
    // `allowance` bytes (its head) until allow() gives the body's.
    void begin_request(SteadyClock::time_point deadline, std::size_t allowance);
    void allow(std::size_t allowance);
    bool over_allowance() const { return over_allowance_; }
    bool timed_out() const { return timed_out_; }

    // Waits up to `timeout` for the first byte of a next request (already buffered counts);
    // false on timeout, end of stream or error.
    bool wait_for_request(std::chrono::milliseconds timeout) const;
    // The client closed the connection (or it failed): wait_for_request found it readable with
    // nothing to read. No request will come; waiting again would return at once.
    bool closed() const { return closed_; }

    // Closes gracefully after a response that left request bytes unread: sends FIN, then reads
    // and drops what the client still sends (until it closes, or `limit` passes), so that the
    // kernel does not answer its last writes with a reset that would destroy the response
    // before the client reads it.
    void linger(std::chrono::milliseconds limit);

  private:
    bool wait(short events, SteadyClock::time_point deadline) const;

    int sock_;
    std::chrono::milliseconds write_timeout_;
    SteadyClock::time_point deadline_;
    std::size_t allowance_ = 0;
    mutable bool timed_out_ = false;
    mutable bool closed_ = false;
    bool over_allowance_ = false;
    std::array<char, 16 * 1024> buffer_{};
    std::size_t buffer_begin_ = 0, buffer_end_ = 0;
};

}  // namespace relance::api::detail
