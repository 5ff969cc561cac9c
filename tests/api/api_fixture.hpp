// The fixture of the HTTP API tests: a temp directory with its own SQLite file, the real
// `relance` binary for setup (keys, runs), and a real `relance serve` child process listening on
// a free loopback port, read from its stderr.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/process.hpp"
#include "openapi_check.hpp"

namespace relance::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Every scope the v1 routes check.
inline const std::string kAllScopes =
    "runs:read,runs:write,contacts:write,suppression:read,suppression:write,stats:read,"
    "contacts:read,senders:read,webhooks:read,webhooks:write,events:read";

class Api : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // A raw socket written to after the server closed it must not kill the test binary.
        ::signal(SIGPIPE, SIG_IGN);
    }

    void TearDown() override {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            wait_process(pid_);
            pid_ = -1;
        }
    }

    std::vector<std::string> cmd(const std::vector<std::string>& rest) const {
        std::vector<std::string> args = {RELANCE_BIN, "--db", dir / "api.db", "--plugin-path",
                                         RELANCE_PLUGIN_DIR};
        args.insert(args.end(), rest.begin(), rest.end());
        return args;
    }
    ProcessResult relance(const std::vector<std::string>& rest) const {
        return run_process(cmd(rest));
    }

    // A new API key with these scopes (the lead's `relance keys create`): its token.
    std::string create_key(const std::string& scopes, const std::string& name = "t", int rate = 0) {
        std::vector<std::string> args = {"--json", "keys",     "create", "--name",
                                         name,     "--scopes", scopes};
        if (rate > 0) args.insert(args.end(), {"--rate", std::to_string(rate)});
        auto r = relance(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        json j = json::parse(r.out, nullptr, false);
        EXPECT_TRUE(j.is_object() && j.contains("token")) << r.out;
        return j.is_object() ? j.value("token", "") : "";
    }

    // Starts `relance serve --listen 127.0.0.1:0 <extra>` and waits until it says where it
    // listens. Fails the test when it exits first or says nothing within 30 s.
    void start_server(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> rest = {"serve", "--listen", "127.0.0.1:0"};
        rest.insert(rest.end(), extra.begin(), extra.end());
        log_ = dir.path() / ("serve-" + std::to_string(++servers_) + ".log");
        pid_ = spawn_background(cmd(rest), log_);
        const std::string marker = "listening on http://127.0.0.1:";
        auto until = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < until) {
            std::string text = server_log();
            if (auto at = text.find(marker); at != std::string::npos) {
                port_ = std::atoi(text.c_str() + at + marker.size());
                if (port_ > 0) return;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                FAIL() << "relance serve exited before listening:\n" << text;
            }
            std::this_thread::sleep_for(20ms);
        }
        FAIL() << "relance serve did not say where it listens:\n" << server_log();
    }

    // SIGTERM, then the exit code; `took` is how long it took to exit.
    int stop_server(std::chrono::milliseconds* took = nullptr) {
        auto start = std::chrono::steady_clock::now();
        ::kill(pid_, SIGTERM);
        int code = wait_process(pid_);
        if (took)
            *took = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start);
        pid_ = -1;
        return code;
    }

    std::string server_log() const {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Whether the server's log shows `text` within `wait`: the access line of a response is
    // written just after the response itself, so a client can read the response first.
    bool log_shows(const std::string& text, std::chrono::milliseconds wait = 3s) const {
        auto until = std::chrono::steady_clock::now() + wait;
        while (server_log().find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(10ms);
        }
        return true;
    }

    httplib::Client client(const std::string& token = {}) const {
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(5);
        c.set_read_timeout(15);
        c.set_write_timeout(15);
        if (!token.empty()) c.set_bearer_token_auth(token.c_str());
        // Every exchange is checked against docs/openapi.json (openapi_check.hpp).
        c.set_logger([](const httplib::Request& req, const httplib::Response& res) {
            for (const auto& problem : openapi_problems(req, res))
                ADD_FAILURE() << "OpenAPI: " << problem;
        });
        return c;
    }

    // Sends raw bytes on a new connection and reads the answer until the server closes it or
    // `wait` passes.
    std::string raw(const std::string& request, std::chrono::milliseconds wait = 5s) const {
        int fd = connect_raw();
        if (fd < 0) return "";
        send_all(fd, request);
        std::string answer = read_until_closed(fd, wait);
        ::close(fd);
        return answer;
    }

    int connect_raw() const {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port_));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    }
    static void send_all(int fd, const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }
    static std::string read_until_closed(int fd, std::chrono::milliseconds wait) {
        std::string out;
        auto until = std::chrono::steady_clock::now() + wait;
        char buf[8192];
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

    // Every error answer is a problem: its status, its media type, the RFC 9457 members, and
    // the request id of the X-Request-Id header. Returns the parsed body.
    static json expect_problem(const httplib::Result& r, int status) {
        EXPECT_TRUE(r) << "no response: " << httplib::to_string(r.error());
        if (!r) return json();
        EXPECT_EQ(r->status, status) << r->body;
        EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json") << r->body;
        json j = json::parse(r->body, nullptr, false);
        EXPECT_TRUE(j.is_object()) << r->body;
        if (!j.is_object()) return json();
        EXPECT_EQ(j.value("status", 0), status) << r->body;
        EXPECT_EQ(j.value("type", "").rfind("urn:relance:problem:", 0), 0u) << r->body;
        EXPECT_FALSE(j.value("title", "").empty()) << r->body;
        EXPECT_FALSE(j.value("detail", "").empty()) << r->body;
        EXPECT_FALSE(r->get_header_value("X-Request-Id").empty());
        EXPECT_EQ(j.value("request_id", ""), r->get_header_value("X-Request-Id")) << r->body;
        return j;
    }

    static json body_of(const httplib::Result& r, int status) {
        EXPECT_TRUE(r) << "no response: " << httplib::to_string(r.error());
        if (!r) return json();
        EXPECT_EQ(r->status, status) << r->body;
        if (status == 204) return json();
        EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << r->body;
        json j = json::parse(r->body, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << r->body;
        return j;
    }

    const std::string src = RELANCE_SOURCE_DIR;
    const std::string prospecting = src + "/workflows/prospecting.yaml";
    const std::string leads = src + "/workflows/data/leads.csv";
    TempDir dir;
    pid_t pid_ = -1;
    int port_ = 0;
    int servers_ = 0;
    std::filesystem::path log_;
};

}  // namespace relance::test
