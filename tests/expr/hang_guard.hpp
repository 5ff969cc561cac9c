// Runs a piece of code that must end (a hostile script, a hostile template) in a child process,
// so that a hang or a crash is reported as a test failure naming the input instead of stalling
// or killing the whole suite. The guard's time limit is far above what the code should take:
// it catches "never ends", it does not measure speed.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <string>

namespace relance::test {

struct Outcome {
    bool ended = false;   // the code returned (normally or by an exception it turned into text)
    std::string output;   // what it returned
    std::string problem;  // "hung", "crashed with signal N", ...
};

#if defined(__SANITIZE_ADDRESS__)
#define RELANCE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RELANCE_TEST_ASAN 1
#endif
#endif

// `fn` runs in a forked child; its return value comes back through a pipe. The child's address
// space is capped (except under AddressSanitizer, which reserves terabytes of shadow memory), so
// that code which would exhaust memory fails in the child rather than on the machine.
inline Outcome run_guarded(const std::function<std::string()>& fn, int seconds = 60,
                           std::size_t max_address_space = std::size_t{4} << 30) {
    int fds[2];
    if (pipe(fds) != 0) return {false, {}, "pipe failed"};
    const pid_t pid = fork();
    if (pid < 0) return {false, {}, "fork failed"};
    if (pid == 0) {
        close(fds[0]);
#ifndef RELANCE_TEST_ASAN
        const rlimit cap{max_address_space, max_address_space};
        setrlimit(RLIMIT_AS, &cap);
#else
        (void)max_address_space;
#endif
        std::string out;
        try {
            out = fn();
        } catch (const std::exception& e) {
            out = std::string("uncaught exception: ") + e.what();
        }
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = write(fds[1], out.data() + done, out.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    Outcome outcome;
    bool timed_out = false;
    char buf[4096];
    for (;;) {
        pollfd p{fds[0], POLLIN, 0};
        const int ready = poll(&p, 1, seconds * 1000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        outcome.output.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (timed_out) {
        outcome.problem = "hung (killed after " + std::to_string(seconds) + " s)";
    } else if (WIFSIGNALED(status)) {
        outcome.problem = "crashed with signal " + std::to_string(WTERMSIG(status));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        outcome.problem = "exited with status " + std::to_string(WEXITSTATUS(status));
    } else {
        outcome.ended = true;
    }
    return outcome;
}

}  // namespace relance::test
