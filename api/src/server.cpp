// The server: httplib for the HTTP framing, relance's connection loop (http_server.cpp), and one
// dispatcher that every request goes through: request id, route, key, body, handler, problem.
// httplib's own router (std::regex over the path) is never used: the pre-routing handler
// answers every request.
#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <relance/api/metrics.hpp>
#include <relance/api/server.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <stdexcept>
#include <thread>

#include "access_log.hpp"
#include "auth.hpp"
#include "body.hpp"
#include "connection.hpp"
#include "exchange.hpp"
#include "http_server.hpp"
#include "problem.hpp"
#include "request_id.hpp"
#include "routes.hpp"

namespace relance::api {

using namespace detail;

namespace {

// Debian's compiled cpp-httplib listens with a backlog of 5; a burst of connections would be
// reset. listen() again on the bound socket only widens it.
constexpr int kListenBacklog = 1024;

void check_query(const Route& route, const httplib::Request& req) {
    if (route.any_query) return;
    for (const auto& [name, value] : req.params) {
        bool known = false;
        for (const auto& q : route.query) known |= q == name;
        if (!known) {
            std::string takes;
            for (const auto& q : route.query) takes += (takes.empty() ? "" : ", ") + q;
            throw app::Error(app::ErrorKind::invalid,
                             "unknown query parameter '" + name + "'" +
                                 (takes.empty() ? std::string(": this route takes none")
                                                : " (this route takes " + takes + ")"),
                             name);
        }
        if (req.get_param_value_count(name) > 1)
            throw app::Error(app::ErrorKind::invalid,
                             "the query parameter '" + name + "' is given more than once", name);
    }
}

}  // namespace

struct Server::Impl {
    Impl(app::Workspace& w, ServerOptions o, ServerHooks h)
        : workspace(w),
          options(std::move(o)),
          hooks(std::move(h)),
          log(options.log_format, options.log),
          metrics(options.metrics ? options.metrics : std::make_shared<Metrics>()) {}

    app::Workspace& workspace;
    ServerOptions options;
    ServerHooks hooks;
    AccessLog log;
    std::shared_ptr<Metrics> metrics;
    Router router;
    std::unique_ptr<HttpServer> http;
    std::thread thread;
    std::mutex done_m;
    std::condition_variable done_cv;
    bool done = false;
    int port = 0;
    int listening = -1;

    static Exchange& exchange() {
        // Every request runs inside the connection loop, which sets it; the fallback only keeps a
        // misuse from crashing.
        thread_local Exchange fallback;
        Exchange* e = current_exchange();
        return e ? *e : fallback;
    }

    void name_request(const httplib::Request& req, Exchange& ex) {
        if (ex.request_id.empty())
            ex.request_id = request_id_for(req.get_header_value("X-Request-Id"));
    }

    void answer_error(httplib::Response& res, const app::Error& e, Exchange& ex) {
        Problem p = problem_for(e);
        if (p.status >= 500 && e.kind() == app::ErrorKind::failure) {
            std::string message = e.what();
            for (const auto& line : e.details()) message += "; " + line;
            log.error(ex.request_id, message);
        }
        write_problem(res, p, ex.request_id);
    }

    httplib::Server::HandlerResponse dispatch(const httplib::Request& req, httplib::Response& res) {
        Exchange& ex = exchange();
        name_request(req, ex);
        ex.body_expected = announces_body(req);
        try {
            Match m = router.match(req.method, req.target);
            ex.log_path = m.log_path;
            if (m.route) ex.route = m.route->pattern;
            if (!m.route) {
                Problem p =
                    m.status == 405
                        ? http_problem(405, "this path takes " + m.allow + ", not " + req.method)
                        : http_problem(404, "no route for " + std::string(target_path(req.target)));
                p.allow = m.allow;
                throw ProblemError(std::move(p));
            }
            const Route& route = *m.route;
            // The key first: a client without one learns nothing else about the route.
            app::ApiKey key;
            if (!route.scope.empty()) key = authenticate(workspace, req, route.scope);
            check_query(route, req);
            Call call{workspace,
                      hooks,
                      req,
                      std::move(m.params),
                      nlohmann::json::object(),
                      std::move(key),
                      http->draining(),
                      [&](const std::string& message) { log.error(ex.request_id, message); },
                      std::string(),
                      metrics.get()};
            if (route.body == BodyKind::raw) {
                if (ex.body_expected) {
                    if (auto refusal = refuse_raw_body(req, options.max_body))
                        throw ProblemError(
                            http_problem(refusal->status, refusal->detail, refusal->field));
                    call.raw_body = read_body(req, ex, options.max_body);
                }
            } else if (route.body != BodyKind::none) {
                if (ex.body_expected) {
                    if (auto refusal = refuse_json_body(req, options.max_body))
                        throw ProblemError(
                            http_problem(refusal->status, refusal->detail, refusal->field));
                    std::string text = read_body(req, ex, options.max_body);
                    if (!text.empty()) call.body = parse_json_object(text, options.max_body);
                }
                if (route.body == BodyKind::required && !ex.body_read)
                    throw app::Error(app::ErrorKind::invalid,
                                     "this route needs a JSON object as its body", "body");
            }
            Reply reply = route.handler(call);
            res.status = reply.status;
            for (const auto& [name, value] : reply.headers) res.set_header(name, value);
            if (!reply.content_type.empty())
                res.set_content(reply.text, reply.content_type);
            else if (reply.status != 204)
                res.set_content(
                    reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
        } catch (const ProblemError& e) {
            write_problem(res, e.problem(), ex.request_id);
        } catch (const app::Error& e) {
            answer_error(res, e, ex);
        } catch (const std::exception& e) {
            answer_error(res, app::Error(app::ErrorKind::failure, e.what()), ex);
        }
        return httplib::Server::HandlerResponse::Handled;
    }

    // Expect: 100-continue: refuse before the client sends a body that would be refused anyway
    // (no route, wrong media type, too large). Keys are checked once, with the body.
    int expect_continue(const httplib::Request& req, httplib::Response& res) {
        Exchange& ex = exchange();
        name_request(req, ex);
        ex.body_expected = true;
        try {
            Match m = router.match(req.method, req.target);
            ex.log_path = m.log_path;
            if (m.route) ex.route = m.route->pattern;
            std::optional<BodyRefusal> refusal;
            if (!m.route)
                refusal = BodyRefusal{
                    m.status,
                    m.status == 405 ? "this path takes " + m.allow : "no route for this path", ""};
            else if (m.route->body == BodyKind::raw)
                refusal = refuse_raw_body(req, options.max_body);
            else if (m.route->body != BodyKind::none)
                refusal = refuse_json_body(req, options.max_body);
            if (!refusal) return 100;
            Problem p = http_problem(refusal->status, refusal->detail, refusal->field);
            p.allow = m.allow;
            write_problem(res, p, ex.request_id);
        } catch (const ProblemError& e) {
            write_problem(res, e.problem(), ex.request_id);
        }
        ex.close_after = true;
        return res.status;
    }

    // Responses httplib makes itself, before the dispatcher (a request line or headers it cannot
    // read, a target over 8 KiB): the same problem shape, and the connection closes.
    httplib::Server::HandlerResponse on_error(const httplib::Request& req, httplib::Response& res) {
        // Ours (a problem the dispatcher or the 100-continue check wrote): Handled all the same,
        // which makes httplib set its Content-Length.
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Handled;
        Exchange& ex = exchange();
        name_request(req, ex);
        ex.close_after = true;
        std::string detail = "the request line or headers cannot be read";
        if (ex.stream && ex.stream->over_allowance()) {
            res.status = 431;
            detail = "the request line and headers are larger than " +
                     std::to_string(http->limits().max_head) + " bytes";
        } else if (ex.stream && ex.stream->timed_out()) {
            res.status = 408;
            detail = "the request did not arrive within the server's read timeout";
        } else if (res.status == 414) {
            detail = "the request target is longer than 8192 bytes";
        }
        write_problem(res, http_problem(res.status, detail), ex.request_id);
        return httplib::Server::HandlerResponse::Handled;
    }

    void after(const httplib::Request& req, httplib::Response& res) {
        Exchange& ex = exchange();
        name_request(req, ex);
        res.set_header("X-Request-Id", ex.request_id);
        res.set_header("Cache-Control", "no-store");
        // A body left unread would be taken for the next request: close instead.
        if (ex.body_expected && !ex.body_read) ex.close_after = true;
        if (http->draining()) ex.close_after = true;
        // httplib closes these after the answer: say so instead of offering keep-alive.
        if (req.get_header_value("Connection") == "close" ||
            (req.version == "HTTP/1.0" && req.get_header_value("Connection") != "Keep-Alive"))
            ex.close_after = true;
        if (ex.close_after) {
            res.headers.erase("Keep-Alive");
            res.headers.erase("Connection");
            res.set_header("Connection", "close");
        }
    }

    void access(const httplib::Request& req, const httplib::Response& res) {
        Exchange& ex = exchange();
        AccessRecord r;
        r.request_id = ex.request_id;
        r.remote = req.remote_addr.empty() ? std::string_view("-") : req.remote_addr;
        r.method = req.method.empty() ? std::string_view("-") : req.method;
        std::string path = ex.log_path.empty() ? std::string(target_path(req.target)) : ex.log_path;
        r.path = path.empty() ? std::string_view("-") : path;
        r.status = res.status;
        r.duration_ms =
            std::chrono::duration<double, std::milli>(SteadyClock::now() - ex.started).count();
        r.bytes = req.method == "HEAD" ? 0 : res.body.size();
        log.access(r);
        // By route pattern, never the path: one series per route, whatever the ids.
        metrics->request_served(r.method, ex.route, res.status);
    }
};

Server::Server(app::Workspace& workspace, ServerOptions options, ServerHooks hooks)
    : impl_(std::make_unique<Impl>(workspace, std::move(options), std::move(hooks))) {
    const ServerOptions& o = impl_->options;
    ConnectionLimits limits;
    limits.threads = static_cast<std::size_t>(std::max(1, o.threads));
    limits.read_timeout = o.read_timeout;
    limits.write_timeout = o.write_timeout;
    limits.idle_timeout = o.idle_timeout;
    impl_->http = std::make_unique<HttpServer>(limits);
    auto& http = *impl_->http;
    Impl* impl = impl_.get();
    http.set_payload_max_length(o.max_body);
    http.set_tcp_nodelay(true);
    http.set_pre_routing_handler([impl](const httplib::Request& req, httplib::Response& res) {
        return impl->dispatch(req, res);
    });
    http.set_expect_100_continue_handler(
        [impl](const httplib::Request& req, httplib::Response& res) {
            return impl->expect_continue(req, res);
        });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [impl](const httplib::Request& req, httplib::Response& res) {
            return impl->on_error(req, res);
        }));
    http.set_post_routing_handler(
        [impl](const httplib::Request& req, httplib::Response& res) { impl->after(req, res); });
    http.set_logger([impl](const httplib::Request& req, const httplib::Response& res) {
        impl->access(req, res);
    });

    add_health_routes(impl_->router);
    add_run_routes(impl_->router);
    add_event_routes(impl_->router);
    add_suppression_routes(impl_->router);
    add_stats_routes(impl_->router);
    add_workflow_routes(impl_->router);
    add_hook_routes(impl_->router);
    add_inbound_routes(impl_->router);
    add_metrics_routes(impl_->router);
    add_subscription_routes(impl_->router);
    add_feed_routes(impl_->router);
    add_tracking_routes(impl_->router);
    add_contact_routes(impl_->router);
    add_sender_routes(impl_->router);
    add_openapi_routes(impl_->router);
}

Server::~Server() {
    if (!impl_->thread.joinable()) return;
    if (!stop(std::chrono::milliseconds{0})) {
        // Connections are still being served by threads that use the server: it cannot be
        // destroyed. The process is on its way out (relance serve exits without destructors).
        impl_->thread.detach();
        (void)impl_.release();
    }
}

int Server::bind() {
    Impl& impl = *impl_;
    // SO_REUSEADDR (a restart binds while old connections sit in TIME_WAIT), not httplib's
    // SO_REUSEPORT, with which a second server would silently share the port.
    impl.http->set_socket_options([&impl](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        impl.listening = sock;
    });
    const std::string& host = impl.options.host;
    errno = 0;
    int port = impl.options.port == 0
                   ? impl.http->bind_to_any_port(host)
                   : (impl.http->bind_to_port(host, impl.options.port) ? impl.options.port : -1);
    if (port <= 0) {
        int err = errno;
        throw std::runtime_error("cannot listen on " + host + ":" +
                                 std::to_string(impl.options.port) +
                                 (err ? std::string(": ") + std::strerror(err) : std::string()));
    }
    if (impl.listening >= 0) ::listen(impl.listening, kListenBacklog);
    impl.port = port;
    return port;
}

void Server::start() {
    Impl& impl = *impl_;
    impl.thread = std::thread([&impl] {
        impl.http->listen_after_bind();
        {
            std::lock_guard g(impl.done_m);
            impl.done = true;
        }
        impl.done_cv.notify_all();
    });
    // stop() is ignored until the server runs (httplib): wait for it, a matter of microseconds.
    for (;;) {
        if (impl.http->is_running()) return;
        {
            std::lock_guard g(impl.done_m);
            if (impl.done) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
    }
    impl.thread.join();
    throw std::runtime_error("the HTTP server stopped right after starting");
}

bool Server::stop(std::chrono::milliseconds drain) {
    Impl& impl = *impl_;
    if (!impl.thread.joinable()) return true;
    impl.http->begin_drain();
    impl.http->stop();
    std::unique_lock lock(impl.done_m);
    if (!impl.done_cv.wait_for(lock, drain, [&] { return impl.done; })) return false;
    lock.unlock();
    impl.thread.join();
    return true;
}

int Server::port() const {
    return impl_->port;
}

}  // namespace relance::api
