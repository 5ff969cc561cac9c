// One `relance plugin-host` child seen from the worker: the process, its socket, and the
// requests in flight on it. A reader thread takes every frame the child sends: replies wake
// their requests, service requests (clock, secrets, sandbox records) are answered by a hook.
// When the child dies (or is killed) the reader reaps it and ends every request in flight with
// how it died ("SIGSEGV"), so no caller ever waits on a dead child.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "wire.hpp"

namespace relance::host::detail {

class ChildProcess {
  public:
    using Deadline = std::chrono::steady_clock::time_point;

    struct Hooks {
        // Answers a `service` request of the child (its fields; returns the reply's fields).
        // Runs on the reader thread.
        std::function<std::vector<std::string>(const Message&)> serve;
        // The child is gone: how ("SIGSEGV", "exit code 3") and the requests that were in flight
        // (their types). Not called for a kill() the owner asked for. Runs on the reader thread.
        std::function<void(const std::string& how, const std::vector<MsgType>& in_flight)> died;
    };

    struct Reply {
        enum class Kind { ok, deadline, died } kind = Kind::died;
        Message message;  // with ok
        std::string how;  // with died
    };

    // Spawns `command` + ["--fd", "3"] with one end of a socketpair as fd 3, its stdout going
    // to our stderr (stdout is data), in a process group of its own (a terminal's Ctrl-C is for
    // the worker, which then closes the socket). Throws std::runtime_error when it cannot.
    ChildProcess(const std::vector<std::string>& command, Hooks hooks);
    // Kills the child if it still runs and joins the reader. Bounded: never waits on the plugin.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Sends a request and waits for its reply until `deadline`. On deadline the request stays
    // counted as stuck (stuck()) until the child answers it late or dies. `id` receives the
    // request's id.
    Reply request(MsgType type, std::vector<std::string> fields, Deadline deadline);

    // Kills the child now (SIGKILL); requests in flight end as died with `why`.
    void kill(const std::string& why);

    bool alive() const { return !dead_.load(); }
    pid_t pid() const { return pid_; }
    std::size_t stuck() const;      // requests past their deadline not yet answered
    std::size_t in_flight() const;  // requests waiting for an answer

  private:
    struct Slot;
    void read_loop();
    void bury(const std::string& how);  // reap, end every request

    Hooks hooks_;
    pid_t pid_ = -1;
    int fd_ = -1;
    std::unique_ptr<FrameWriter> writer_;
    std::thread reader_;
    std::atomic<bool> dead_{false};
    std::atomic<bool> killed_{false};  // kill() asked for it: not reported to hooks_.died
    std::string kill_reason_;

    mutable std::mutex mutex_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, std::shared_ptr<Slot>> pending_;
    std::set<std::uint64_t> stuck_;
};

// "SIGSEGV", "exit code 3": how a process ended, from its waitpid status.
std::string describe_exit(int status);

}  // namespace relance::host::detail
