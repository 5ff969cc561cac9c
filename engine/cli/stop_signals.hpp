// The signals that stop a worker or a server.
#pragma once

#include <csignal>

namespace relance::cli {

// SIGINT and SIGTERM. Blocked (`block` true) before any thread starts, they are inherited
// blocked by every thread, so that only the main thread's sigwait on this set sees them.
sigset_t stop_signals(bool block);

}  // namespace relance::cli
