#include "stop_signals.hpp"

#include <pthread.h>

namespace relance::cli {

sigset_t stop_signals(bool block) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (block) pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

}  // namespace relance::cli
