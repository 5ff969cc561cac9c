// Serves one plugin's sandbox emulator on 127.0.0.1 (ephemeral port) in a background thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace relance::host::detail {

class SandboxServer {
  public:
    // handler gets the request JSON text ({"method","path","query","headers","body"}) and
    // returns the response JSON text ({"status","headers","body"}).
    using Handler = std::function<std::string(const std::string&)>;

    explicit SandboxServer(Handler handler);
    ~SandboxServer();  // stops and joins
    SandboxServer(const SandboxServer&) = delete;
    SandboxServer& operator=(const SandboxServer&) = delete;

    // Binds and starts serving; returns once the server accepts connections. Throws
    // std::runtime_error if it cannot bind.
    void start();
    void stop();
    int port() const;
    std::string url() const;  // "http://127.0.0.1:PORT"

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace relance::host::detail
