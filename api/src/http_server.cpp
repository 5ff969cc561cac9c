#include "http_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connection.hpp"
#include "exchange.hpp"
#include "thread_pool.hpp"

namespace relance::api::detail {

namespace {
thread_local Exchange* t_exchange = nullptr;

// How often an idle connection looks whether the server drains or another connection waits.
constexpr std::chrono::milliseconds kIdleSlice{50};
// How long a connection closed with request bytes unread drains them at most.
constexpr std::chrono::milliseconds kLingerLimit{2'000};
}  // namespace

Exchange* current_exchange() {
    return t_exchange;
}
void set_current_exchange(Exchange* exchange) {
    t_exchange = exchange;
}

HttpServer::HttpServer(ConnectionLimits limits) : limits_(limits) {
    new_task_queue = [this]() -> httplib::TaskQueue* {
        auto* pool = new ThreadPool(limits_.threads);
        pool_ = pool;
        return pool;
    };
    // httplib answers these itself when its own checks fail (a request line over 8 KiB...);
    // the connection loop below passes the real limits through the stream.
    set_keep_alive_max_count(limits_.max_requests_per_connection);
    set_keep_alive_timeout(
        std::chrono::duration_cast<std::chrono::seconds>(limits_.idle_timeout).count());
    set_read_timeout(limits_.read_timeout);
    set_write_timeout(limits_.write_timeout);
}

bool HttpServer::process_and_close_socket(socket_t sock) {
    // httplib accepts without SOCK_CLOEXEC: a plugin host child started by the worker in this
    // process would keep the connection open.
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
    // A response goes out in two writes (head, body): without this, Nagle's algorithm and the
    // client's delayed ACK hold the second one back for 40 ms.
    int one = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ConnectionStream stream(sock, limits_.write_timeout);
    Exchange exchange;
    exchange.stream = &stream;
    set_current_exchange(&exchange);
    bool linger = false;
    for (std::size_t served = 0; served < limits_.max_requests_per_connection; ++served) {
        if (served == 0 || draining_) {
            // A new connection gets its first request within the read timeout; while draining,
            // only a request already sent is served.
            auto wait = draining_ ? std::chrono::milliseconds{0} : limits_.read_timeout;
            if (!stream.wait_for_request(wait)) break;
        } else {
            // Kept alive: wait in slices, and give the thread up when the client closes, the
            // server drains or another connection waits for one. (A closed connection is
            // readable at once: waiting on it again spun a core until the idle timeout.)
            auto idle_until = SteadyClock::now() + limits_.idle_timeout;
            bool next = false;
            while (!next && SteadyClock::now() < idle_until) {
                next = stream.wait_for_request(kIdleSlice);
                ThreadPool* pool = pool_;
                if (!next && (stream.closed() || draining_ || (pool && pool->waiting() > 0)))
                    break;
            }
            if (!next) break;
        }
        exchange.reset();
        stream.begin_request(exchange.started + limits_.read_timeout, limits_.max_head);
        bool last = draining_ || served + 1 == limits_.max_requests_per_connection;
        bool connection_closed = false;
        bool written = process_request(stream, last, connection_closed, nullptr);
        if (exchange.close_after || stream.over_allowance() || stream.timed_out()) {
            linger = written;
            break;
        }
        if (!written || connection_closed || last) break;
    }
    set_current_exchange(nullptr);
    if (linger) stream.linger(kLingerLimit);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
}

}  // namespace relance::api::detail
