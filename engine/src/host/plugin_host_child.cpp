// `relance plugin-host --fd N`: the child side of out-of-process isolation. It loads the one
// plugin the worker names, with the same code and checks as in process (InProcessPlugin), runs
// its emulator and instance, and serves the worker's calls, many at once, each on a thread of
// its own pool. What the plugin needs from the engine (the engine clock, secrets, sandbox
// records and history) it asks the worker over the same socket. When the worker goes away the
// socket closes and the child exits at once, whatever the plugin is doing.
#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <relance/base/json_text.hpp>

#include "in_process_plugin.hpp"
#include "wire.hpp"

namespace relance::host {

namespace {

using detail::CallData;
using detail::CallKind;
using detail::Message;
using detail::MsgType;

// Asking the worker for the clock or a secret is quick; a worker that does not answer is gone.
constexpr std::chrono::seconds kAskTimeout{30};

class Server;

// The engine clock, read from the worker (virtual in tests and `simulate`).
class WorkerClock final : public Clock {
  public:
    explicit WorkerClock(Server& server) : server_(server) {}
    TimePoint now() const override;
    void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                    TimePoint deadline) const override {
        auto left = deadline - now();
        if (left > Millis{0}) wake.wait_for(lock, left);
    }

  private:
    Server& server_;
};

class Server {
  public:
    explicit Server(int fd) : fd_(fd), writer_(fd), clock_(*this) {
        services_.config = &config_;
        services_.clock = &clock_;
        services_.redactor = &redactor_;
        http_ = std::make_unique<detail::HttpClient>(redactor_);
        services_.http = http_.get();
    }

    int run() {
        detail::FrameReader reader(fd_);
        try {
            while (auto m = reader.next()) {
                if (m->type == MsgType::service_reply) {
                    complete(std::move(*m));
                    continue;
                }
                // Everything else may take long or ask the worker something, whose answer this
                // thread must be free to read: it runs on the pool.
                auto message = std::make_shared<Message>(std::move(*m));
                pool_.post([this, message] { handle(*message); });
            }
        } catch (const std::exception& e) {
            spdlog::error("plugin-host: {}", e.what());
        }
        // The worker is gone (or broke the protocol). Leave at once: a call stuck in the plugin
        // must not keep this process alive, and nothing here needs an orderly end.
        ::_exit(0);
    }

    // A service request to the worker; its reply's fields, or nullopt when it did not answer.
    std::optional<std::vector<std::string>> ask(std::vector<std::string> fields) {
        auto slot = std::make_shared<Slot>();
        std::uint64_t id;
        {
            std::lock_guard lock(mutex_);
            id = next_id_++;
            pending_[id] = slot;
        }
        auto deadline = std::chrono::steady_clock::now() + kAskTimeout;
        bool sent = writer_.send(Message{MsgType::service, id, std::move(fields)}, deadline);
        std::unique_lock lock(slot->mutex);
        bool answered = sent && slot->cv.wait_until(lock, deadline, [&] { return slot->done; });
        {
            std::lock_guard g(mutex_);
            pending_.erase(id);
        }
        if (!answered) return std::nullopt;
        return std::move(slot->reply.fields);
    }

  private:
    struct Slot {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        Message reply;
    };

    void complete(Message m) {
        std::shared_ptr<Slot> slot;
        {
            std::lock_guard lock(mutex_);
            auto it = pending_.find(m.id);
            if (it == pending_.end()) return;
            slot = it->second;
        }
        {
            std::lock_guard lock(slot->mutex);
            slot->reply = std::move(m);
            slot->done = true;
        }
        slot->cv.notify_all();
    }

    void reply(MsgType type, std::uint64_t id, std::vector<std::string> fields) {
        writer_.send(Message{type, id, std::move(fields)},
                     std::chrono::steady_clock::now() + kAskTimeout);
    }

    void handle(const Message& m) {
        switch (m.type) {
            case MsgType::init:
                return load(m);
            case MsgType::activate:
                return activate(m);
            case MsgType::invoke:
            case MsgType::reconcile:
            case MsgType::inbound:
                return call(m);
            default:
                spdlog::warn("plugin-host: unexpected {} message", detail::to_string(m.type));
        }
    }

    // init: [file, mode, plugin config, sandbox config, log level]
    void load(const Message& m) {
        spdlog::set_level(
            static_cast<spdlog::level::level_enum>(detail::field_number<int>(m.field(4), 3)));
        config_.mode = m.field(1) == "live" ? Mode::live : Mode::sandbox;
        config_.clock = &clock_;
        config_.secrets = [this](const std::string&,
                                 const std::string& name) -> std::optional<std::string> {
            auto r = ask({"secret", name});
            if (!r || r->empty() || (*r)[0] != "1" || r->size() < 2) return std::nullopt;
            return (*r)[1];
        };
        config_.sandbox_recorder = [this](const std::string&, const std::string& box,
                                          const json& entry) {
            ask({"record", box, json_text(entry)});
        };
        config_.sandbox_history = [this](const std::string&) {
            auto r = ask({"history"});
            json h = r && !r->empty() ? json::parse((*r)[0], nullptr, false) : json::object();
            return h.is_discarded() ? json::object() : h;
        };
        std::unique_ptr<detail::Library> library;
        try {
            library = detail::open_library(m.field(0));
        } catch (const std::exception& e) {
            return reply(MsgType::loaded, m.id, {"0", e.what()});
        }
        std::string manifest_text = library->table.manifest_json;
        bool sandbox = library->has_sandbox(), reconcile = library->has_reconcile(),
             inbound = library->has_inbound();
        std::string name = library->manifest.manifest.name;
        // The worker sent this plugin's configs; they are keyed by its name here as there.
        json plugin_config = json::parse(m.field(2), nullptr, false);
        json sandbox_config = json::parse(m.field(3), nullptr, false);
        if (plugin_config.is_object()) config_.plugin_config[name] = plugin_config;
        if (sandbox_config.is_object()) config_.sandbox_config[name] = sandbox_config;
        plugin_ = std::make_unique<detail::InProcessPlugin>(std::move(library), config_, services_);
        spdlog::info("plugin-host {}: plugin {} loaded from {}", ::getpid(), name, m.field(0));
        reply(
            MsgType::loaded, m.id,
            {"1", manifest_text, sandbox ? "1" : "0", reconcile ? "1" : "0", inbound ? "1" : "0"});
    }

    void activate(const Message& m) {
        if (!plugin_) return reply(MsgType::activated, m.id, {"0", "no plugin loaded"});
        try {
            plugin_->activate();
        } catch (const std::exception& e) {
            return reply(MsgType::activated, m.id, {"0", e.what()});
        }
        reply(MsgType::activated, m.id, {"1", plugin_->sandbox_url()});
    }

    // invoke / reconcile: [action, input, message id, run id, attempt, started_at_ms];
    // inbound: [request JSON]
    void call(const Message& m) {
        detail::RawAnswer answer;
        if (!plugin_) {
            answer.status = RL_RETRYABLE;
            answer.error = "no plugin loaded";
        } else if (m.type == MsgType::inbound) {
            CallData data;
            data.input_json = m.field(0);
            answer = plugin_->call_direct(CallKind::inbound, data);
        } else {
            CallData data;
            data.action = m.field(0);
            data.input_json = m.field(1);
            data.message_id = m.field(2);
            data.run_id = m.field(3);
            data.attempt = detail::field_number<std::uint32_t>(m.field(4), 1);
            data.started_at_ms = detail::field_number<std::int64_t>(m.field(5), 0);
            answer = plugin_->call_direct(
                m.type == MsgType::invoke ? CallKind::invoke : CallKind::reconcile, data);
        }
        reply(MsgType::answer, m.id,
              {std::to_string(answer.status), std::move(answer.output), std::move(answer.error),
               std::to_string(answer.retry_after_ms)});
    }

    int fd_;
    detail::FrameWriter writer_;
    std::mutex mutex_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, std::shared_ptr<Slot>> pending_;

    HostConfig config_;
    WorkerClock clock_;
    detail::Redactor redactor_;
    std::unique_ptr<detail::HttpClient> http_;
    detail::Services services_;
    std::unique_ptr<detail::InProcessPlugin> plugin_;
    detail::CallRunner pool_;
};

TimePoint WorkerClock::now() const {
    if (auto r = server_.ask({"clock"}); r && !r->empty())
        return from_unix_ms(detail::field_number<std::int64_t>((*r)[0], 0));
    // The worker did not answer: it is going away, and so is this process.
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

}  // namespace

int serve_plugin_host(int fd) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
        std::fprintf(stderr,
                     "relance plugin-host: --fd %d is not an open socket (this command is "
                     "started by the worker for plugins configured with isolation: "
                     "process)\n",
                     fd);
        return 64;
    }
    // Logs go to stderr (the worker's), never stdout.
    auto logger = std::make_shared<spdlog::logger>(
        "plugin-host", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    // Leaked on purpose: the process ends with _exit, never by unwinding.
    auto* server = new Server(fd);
    return server->run();
}

}  // namespace relance::host
