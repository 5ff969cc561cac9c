// A loopback HTTP server in front of one sandbox emulator. Every method and path goes to the
// emulator as JSON; what it answers goes back as is.
#include "sandbox_server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>
#include <stdexcept>
#include <thread>

namespace relance::host::detail {
namespace {

using json = nlohmann::json;

// Larger than any emulator's own limit (SendGrid's is 30 MB) so emulators answer 413 themselves.
constexpr size_t kMaxPayload = 64u * 1024 * 1024;
// Each kept-alive connection holds a worker: enough for the worker's 32 calls in flight plus
// the client's idle pool.
constexpr size_t kWorkerThreads = 64;
constexpr int kListenBacklog = 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

json to_json(const httplib::Request& req) {
    json headers = json::object();
    for (const auto& [k, v] : req.headers) {
        std::string name = lower(k);
        // httplib adds these for its own bookkeeping; they are not part of the request.
        if (name == "remote_addr" || name == "remote_port" || name == "local_addr" ||
            name == "local_port")
            continue;
        if (headers.contains(name))
            headers[name] = headers[name].get<std::string>() + ", " + v;
        else
            headers[name] = v;
    }
    json query = json::object();
    for (const auto& [k, v] : req.params) query[k] = v;
    return json{{"method", req.method},
                {"path", req.path},
                {"query", std::move(query)},
                {"headers", std::move(headers)},
                {"body", req.body}};
}

void from_json_text(const std::string& text, httplib::Response& res) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        res.status = 500;
        res.set_content(R"({"errors":[{"message":"sandbox returned an unreadable response"}]})",
                        "application/json");
        return;
    }
    res.status = j.value("status", 200);
    std::string content_type;
    if (auto it = j.find("headers"); it != j.end() && it->is_object()) {
        for (auto& [k, v] : it->items()) {
            std::string name = lower(k);
            std::string value = v.is_string() ? v.get<std::string>() : v.dump();
            if (name == "content-type") {
                content_type = value;
            } else if (name != "content-length" && name != "transfer-encoding" &&
                       name != "connection") {
                res.set_header(k, value);
            }
        }
    }
    std::string body;
    if (auto it = j.find("body"); it != j.end())
        body = it->is_string() ? it->get<std::string>() : it->dump();
    if (!body.empty() || !content_type.empty())
        res.set_content(body, content_type.empty() ? "text/plain" : content_type);
}

}  // namespace

struct SandboxServer::Impl {
    Handler handler;
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> finished{false};
    int port = 0;
};

SandboxServer::SandboxServer(Handler handler) : impl_(std::make_unique<Impl>()) {
    impl_->handler = std::move(handler);
}

SandboxServer::~SandboxServer() {
    stop();
}

void SandboxServer::start() {
    auto& s = impl_->server;
    s.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    s.set_payload_max_length(kMaxPayload);
    s.set_tcp_nodelay(true);
    // Far longer than the client keeps a connection idle (500 ms): a server closing an idle
    // connection just as the client reuses it turns a send into an in-doubt one, and under CPU
    // load a 1 s timeout was seen to race. The host closes its clients before stopping servers,
    // so this does not delay stop() (toolchain pitfall 6).
    s.set_keep_alive_timeout(5);
    s.set_keep_alive_max_count(1000);
    s.set_read_timeout(10);
    s.set_write_timeout(10);
    auto route = [this](const httplib::Request& req, httplib::Response& res) {
        try {
            from_json_text(impl_->handler(json_text(to_json(req))), res);
        } catch (const std::exception& e) {
            res.status = 500;
            res.set_content(json{{"errors", {{{"message", e.what()}}}}}.dump(), "application/json");
        }
    };
    const std::string any = ".*";
    s.Get(any, route);
    s.Post(any, route);
    s.Put(any, route);
    s.Patch(any, route);
    s.Delete(any, route);
    s.Options(any, route);

    // Debian's compiled cpp-httplib listens with a backlog of 5: a burst of new connections
    // (a worker starting 32 sends at once) overflows it, and Linux then resets connections the
    // client already sent its request on, which makes the send in doubt. Remember the socket
    // and widen the backlog once bound (listen() again on a listening socket only resizes it).
    socket_t listening = INVALID_SOCKET;
    s.set_socket_options([&listening](socket_t sock) {
        httplib::default_socket_options(sock);
        listening = sock;
    });
    impl_->port = s.bind_to_any_port("127.0.0.1");
    if (impl_->port <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
    if (listening != INVALID_SOCKET) ::listen(listening, kListenBacklog);
    impl_->thread = std::thread([this] {
        impl_->server.listen_after_bind();
        impl_->finished = true;
    });
    // stop() is ignored until the server runs (pitfall 6), and callers expect a live port: wait
    // for the listener thread, which is a matter of microseconds.
    while (!s.is_running() && !impl_->finished)
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    if (!s.is_running()) {
        impl_->thread.join();
        throw std::runtime_error("sandbox server stopped right after starting");
    }
}

void SandboxServer::stop() {
    if (!impl_->thread.joinable()) return;
    impl_->server.stop();
    impl_->thread.join();
}

int SandboxServer::port() const {
    return impl_->port;
}

std::string SandboxServer::url() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port);
}

}  // namespace relance::host::detail
