// `relance serve` as a process: shutdown on SIGTERM (requests in progress finish, idle
// connections do not delay it, the exit code is 0), one worker per database, the listen
// address, and the limits that keep slow or idle clients from holding the request threads.
#include <atomic>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

using Clock = std::chrono::steady_clock;

class Serve : public Api {};

std::string event_request(const std::string& token, const std::string& body) {
    return "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n";
}

// SIGTERM: the listener closes at once, a request already in progress still gets its answer
// (with Connection: close), requests racing the signal get an answer or a refused connection,
// never a server error, and the process exits 0 well within the 10 s drain.
TEST_F(Serve, SigtermLetsRequestsInProgressFinishAndExitsZero) {
    ASSERT_EQ(relance({"run", prospecting, "--input", leads}).exit_code, 0);
    std::string token = create_key(kAllScopes);
    std::string burst = create_key("runs:read", "burst", 1'000'000);
    start_server();
    // The worker sends the 50 intros first: the reply below must find Alice's run waiting, not
    // held by the worker mid-call (a held run is stopped by its next dispatch, after the restart,
    // which is not what this test is about).
    auto until = Clock::now() + 30s;
    while (Clock::now() < until) {
        auto r = client(token).Get("/v1/runs?status=waiting&limit=1000");
        if (r && r->status == 200 && json::parse(r->body)["runs"].size() == 50) break;
        std::this_thread::sleep_for(50ms);
    }

    // A burst of clients, before and across the signal.
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, server_errors{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i)
        clients.emplace_back([&] {
            while (!stop) {
                auto r = client(burst).Get("/v1/runs?limit=5");
                if (r && r->status == 200) ++ok;
                if (r && r->status >= 500) ++server_errors;
            }
        });
    std::this_thread::sleep_for(300ms);

    // A request whose body is half sent when the signal comes.
    const std::string body = R"({"contact":"alice.martin@acme-logistics.test","type":"replied"})";
    int fd = connect_raw();
    ASSERT_GE(fd, 0);
    send_all(fd, event_request(token, body) + body.substr(0, 20));
    std::this_thread::sleep_for(200ms);

    auto signalled = Clock::now();
    ::kill(pid_, SIGTERM);
    // The listener closes: new connections are refused while the request is still in progress.
    bool refused = false;
    while (!refused && Clock::now() - signalled < 3s) {
        int probe = connect_raw();
        refused = probe < 0;
        if (probe >= 0) ::close(probe);
        if (!refused) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(refused) << "still accepting after SIGTERM";
    send_all(fd, body.substr(20));
    std::string answer = read_until_closed(fd, 5s);
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;

    int code = wait_process(pid_);
    auto took = Clock::now() - signalled;
    pid_ = -1;
    stop = true;
    for (auto& t : clients) t.join();
    EXPECT_EQ(code, 0) << server_log();
    EXPECT_LT(took, 10s);
    EXPECT_GT(ok.load(), 0);
    EXPECT_EQ(server_errors.load(), 0);
    std::string log = server_log();
    EXPECT_NE(log.find("serve: stopping"), std::string::npos) << log;
    EXPECT_NE(log.find("worker: "), std::string::npos) << log;  // the worker's summary
    EXPECT_NE(log.find("serve: stopped"), std::string::npos) << log;
    // The event answered 201 is in the store.
    auto runs = relance({"--json", "runs", "list", "--status", "exited"});
    EXPECT_EQ(json::parse(runs.out).size(), 1u) << runs.out;
}

// An idle kept-alive connection is closed by the drain, not waited for until its idle timeout.
TEST_F(Serve, IdleKeepAliveConnectionsDoNotDelayTheExit) {
    start_server({"--no-worker", "--idle-timeout", "60"});
    auto c = client();
    c.set_keep_alive(true);
    ASSERT_EQ(c.Get("/healthz")->status, 200);
    std::chrono::milliseconds took{};
    EXPECT_EQ(stop_server(&took), 0) << server_log();
    EXPECT_LT(took, 3s);
}

// A request that does not finish within the drain is left behind: the exit is still 0, on time.
TEST_F(Serve, TheDrainIsBounded) {
    std::string token = create_key(kAllScopes);
    start_server({"--no-worker", "--drain-timeout", "1", "--read-timeout", "60"});
    int fd = connect_raw();
    ASSERT_GE(fd, 0);
    send_all(fd, event_request(token, "{\"contact\":\"a@b.test\"}") + "{\"con");
    std::this_thread::sleep_for(200ms);
    std::chrono::milliseconds took{};
    EXPECT_EQ(stop_server(&took), 0) << server_log();
    ::close(fd);
    EXPECT_LT(took, 4s);
    EXPECT_GE(took, 900ms);
    EXPECT_NE(server_log().find("leaving without them"), std::string::npos) << server_log();
}

// One worker per database: a second server that would run one exits 4 (busy) before binding,
// like a second `relance worker`; a server without a worker may run beside it.
TEST_F(Serve, ASecondWorkerOnTheSameDatabaseIsBusy) {
    start_server();
    auto second = relance({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_EQ(second.exit_code, 4) << second.err;
    EXPECT_EQ(second.err.find("listening"), std::string::npos) << second.err;
    EXPECT_EQ(relance({"worker", "--until-idle"}).exit_code, 4);

    int first_port = port_;
    pid_t first = pid_;
    start_server({"--no-worker"});
    EXPECT_NE(port_, first_port);
    EXPECT_EQ(body_of(client().Get("/readyz"), 200)["worker"], "none");
    EXPECT_EQ(stop_server(), 0);
    pid_ = first;
    EXPECT_EQ(stop_server(), 0);
}

TEST_F(Serve, ListensOnLoopbackUnlessToldOtherwise) {
    auto remote = relance({"serve", "--listen", "0.0.0.0:0"});
    EXPECT_EQ(remote.exit_code, 64) << remote.err;
    EXPECT_NE(remote.err.find("--allow-remote"), std::string::npos) << remote.err;
    for (const char* bad : {"8080", "localhost", "example.com:80", "127.0.0.1:99999", "[::1"}) {
        auto r = relance({"serve", "--listen", bad});
        EXPECT_EQ(r.exit_code, 64) << bad << "\n" << r.err;
    }
    // A port already taken is a failure to start, named.
    start_server({"--no-worker"});
    auto taken =
        relance({"serve", "--no-worker", "--listen", "127.0.0.1:" + std::to_string(port_)});
    EXPECT_EQ(taken.exit_code, 1) << taken.err;
    EXPECT_NE(taken.err.find("cannot listen on 127.0.0.1:" + std::to_string(port_)),
              std::string::npos)
        << taken.err;
}

// A client sending its request a byte at a time is cut off at the read timeout (408), and the
// one request thread is free again.
TEST_F(Serve, ASlowClientIsCutOffAtTheReadTimeout) {
    start_server({"--no-worker", "--threads", "1", "--read-timeout", "1"});
    int fd = connect_raw();
    ASSERT_GE(fd, 0);
    auto start = Clock::now();
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    std::string answer;
    while (Clock::now() - start < 5s) {
        send_all(fd, "a");
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) > 0) {
            answer = read_until_closed(fd, 2s);
            break;
        }
    }
    auto took = Clock::now() - start;
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    EXPECT_NE(answer.find("urn:relance:problem:request_timeout"), std::string::npos) << answer;
    EXPECT_LT(took, 3s);
    EXPECT_EQ(client().Get("/healthz")->status, 200);

    // The same for a body that trickles.
    std::string token = create_key(kAllScopes);
    fd = connect_raw();
    ASSERT_GE(fd, 0);
    send_all(fd, event_request(token, std::string(100, ' ')));
    start = Clock::now();
    answer.clear();
    while (Clock::now() - start < 5s) {
        send_all(fd, " ");
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) > 0) {
            answer = read_until_closed(fd, 2s);
            break;
        }
    }
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
}

// Headers without end are refused at 64 KiB, not read into memory until the timeout.
TEST_F(Serve, EndlessHeadersAreRefused) {
    start_server({"--no-worker"});
    std::string headers = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i)
        headers += "X-Filler-" + std::to_string(i) + ": " + std::string(40, 'f') + "\r\n";
    std::string answer = raw(headers + "\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 300);
    EXPECT_NE(answer.find("urn:relance:problem:headers_too_large"), std::string::npos) << answer;
    EXPECT_EQ(client().Get("/healthz")->status, 200);
}

// With one request thread, a kept-alive idle connection gives the thread up as soon as another
// connection waits for it.
TEST_F(Serve, AnIdleConnectionGivesItsThreadUp) {
    start_server({"--no-worker", "--threads", "1", "--idle-timeout", "60"});
    auto a = client();
    a.set_keep_alive(true);
    ASSERT_EQ(a.Get("/healthz")->status, 200);
    auto start = Clock::now();
    auto b = client();
    auto r = b.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_EQ(a.Get("/healthz")->status, 200);  // the client reconnects
}

}  // namespace
}  // namespace relance::test
