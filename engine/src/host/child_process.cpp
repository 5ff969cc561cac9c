#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace relance::host::detail {

namespace {

// How long the worker waits to hand a service reply to a child that stopped reading.
constexpr std::chrono::seconds kServiceReplyTimeout{5};

}  // namespace

struct ChildProcess::Slot {
    MsgType type;
    std::mutex mutex;
    std::condition_variable cv;
    enum class State { waiting, answered, died } state = State::waiting;
    Message reply;
    std::string how;
};

std::string describe_exit(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
        return "signal " + std::to_string(sig);
    }
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    return "status " + std::to_string(status);
}

ChildProcess::ChildProcess(const std::vector<std::string>& command, Hooks hooks)
    : hooks_(std::move(hooks)) {
    if (command.empty()) throw std::runtime_error("no plugin-host command");
    int sv[2];
    // CLOEXEC on both ends: no other child the worker starts may inherit them (a stray copy of
    // our end would keep the socket open after the worker dies, and the child would never see
    // EOF). The child's end loses the flag when dup2'ed to fd 3.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    int child_end = sv[1];
    if (child_end == 3) {
        // dup2(3, 3) would keep CLOEXEC: move it first.
        child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
        ::close(sv[1]);
    }
    std::vector<std::string> args = command;
    args.push_back("--fd");
    args.push_back("3");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_end, 3);
    posix_spawn_file_actions_adddup2(&actions, 2, 1);  // stdout is the worker's data channel
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(child_end);
    if (rc != 0) {
        ::close(sv[0]);
        throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    }
    fd_ = sv[0];
    writer_ = std::make_unique<FrameWriter>(fd_);
    reader_ = std::thread([this] { read_loop(); });
}

ChildProcess::~ChildProcess() {
    if (!dead_) kill("stopped by the worker");
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
}

void ChildProcess::kill(const std::string& why) {
    {
        std::lock_guard lock(mutex_);
        if (killed_) return;
        killed_ = true;
        kill_reason_ = why;
    }
    ::kill(pid_, SIGKILL);
    // The reader sees EOF once the kernel has closed the child's end, and reaps it.
}

void ChildProcess::read_loop() {
    FrameReader reader(fd_);
    std::string how;
    try {
        while (auto m = reader.next()) {
            if (m->type == MsgType::service) {
                Message reply{MsgType::service_reply, m->id, {}};
                try {
                    if (hooks_.serve) reply.fields = hooks_.serve(*m);
                } catch (...) {
                    reply.fields.clear();
                }
                writer_->send(reply, std::chrono::steady_clock::now() + kServiceReplyTimeout);
                continue;
            }
            std::shared_ptr<Slot> slot;
            {
                std::lock_guard lock(mutex_);
                auto it = pending_.find(m->id);
                if (it == pending_.end()) continue;  // not ours (or a bug in the child): drop
                slot = std::move(it->second);
                pending_.erase(it);
                stuck_.erase(m->id);  // a late answer frees its slot
            }
            {
                std::lock_guard lock(slot->mutex);
                slot->reply = std::move(*m);
                slot->state = Slot::State::answered;
            }
            slot->cv.notify_all();
        }
    } catch (const std::exception& e) {
        // A broken stream: the child cannot be trusted to answer anything any more.
        how = std::string("protocol error: ") + e.what();
        ::kill(pid_, SIGKILL);
    }
    bury(how);
}

void ChildProcess::bury(const std::string& how) {
    // EOF: the child exited, or is exiting (the kernel closes its files before the exit status
    // is ready). Give it a moment, then make sure.
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 500 && r == 0; ++i) {
        r = ::waitpid(pid_, &status, WNOHANG);
        if (r == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (r == 0) {
        ::kill(pid_, SIGKILL);
        r = ::waitpid(pid_, &status, 0);
    }
    std::string described;
    std::map<std::uint64_t, std::shared_ptr<Slot>> ended;
    bool killed;
    {
        std::lock_guard lock(mutex_);
        killed = killed_;
        described = killed        ? kill_reason_
                    : how.empty() ? describe_exit(status)
                                  : how + " (" + describe_exit(status) + ")";
        dead_ = true;
        ended.swap(pending_);
        stuck_.clear();
    }
    std::vector<MsgType> in_flight;
    for (auto& [id, slot] : ended) in_flight.push_back(slot->type);
    // The owner records the fault before any caller hears of it, so a caller that sees its call
    // crash sees the plugin's state after the crash too.
    if (!killed && hooks_.died) hooks_.died(described, in_flight);
    for (auto& [id, slot] : ended) {
        {
            std::lock_guard lock(slot->mutex);
            slot->state = Slot::State::died;
            slot->how = described;
        }
        slot->cv.notify_all();
    }
}

ChildProcess::Reply ChildProcess::request(MsgType type, std::vector<std::string> fields,
                                          Deadline deadline) {
    auto slot = std::make_shared<Slot>();
    slot->type = type;
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        if (dead_) return Reply{Reply::Kind::died, {}, killed_ ? kill_reason_ : "not running"};
        id = next_id_++;
        pending_[id] = slot;
    }
    if (!writer_->send(Message{type, id, std::move(fields)}, deadline))
        // The child stopped reading (or died): a frame may be half written, so the socket is
        // lost either way. The reader ends this request when the child is gone.
        kill("stopped reading its socket");
    std::unique_lock slot_lock(slot->mutex);
    if (!slot->cv.wait_until(slot_lock, deadline,
                             [&] { return slot->state != Slot::State::waiting; })) {
        slot_lock.unlock();
        {
            std::lock_guard lock(mutex_);
            if (pending_.count(id)) {
                stuck_.insert(id);
                return Reply{Reply::Kind::deadline, {}, {}};
            }
        }
        slot_lock.lock();  // answered (or died) just after the deadline: take it
    }
    if (slot->state == Slot::State::answered)
        return Reply{Reply::Kind::ok, std::move(slot->reply), {}};
    return Reply{Reply::Kind::died, {}, slot->how};
}

std::size_t ChildProcess::stuck() const {
    std::lock_guard lock(mutex_);
    return stuck_.size();
}

std::size_t ChildProcess::in_flight() const {
    std::lock_guard lock(mutex_);
    return pending_.size() - stuck_.size();
}

}  // namespace relance::host::detail
