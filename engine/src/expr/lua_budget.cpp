// The work budget: see lua_budget.hpp.
#include "lua_budget.hpp"

#include <algorithm>
#include <climits>
#include <ctime>
#include <lua.hpp>

#include "lua_context.hpp"

namespace relance::expr::detail {

// DESIGN invariant 3 says time is injected (relance::Clock), and nothing else in the engine reads
// a real clock. This is the one exception, on purpose: the time limits are a CPU watchdog that
// stops a script burning the worker's thread, not engine time. They must follow real time even
// under a VirtualClock (a simulation must not hang on a script either), and they never decide
// what a run does, only that a runaway evaluation fails. CLOCK_MONOTONIC_COARSE costs a few
// nanoseconds (it reads the last tick, a few ms old), which keeps a check on every evaluation
// cheap.
std::int64_t watchdog_now_ns() {
    timespec ts{};
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {

constexpr std::int64_t to_ns(std::chrono::milliseconds ms) {
    return static_cast<std::int64_t>(ms.count()) * 1'000'000;
}

// The line of the innermost Lua function running (the hook's own frame when given), 0 if none.
int current_line(lua_State* L, lua_Debug* ar) {
    if (ar != nullptr && lua_getinfo(L, "l", ar) != 0 && ar->currentline > 0) {
        return ar->currentline;
    }
    lua_Debug frame;
    for (int level = 0; level < 8 && lua_getstack(L, level, &frame) != 0; ++level) {
        if (lua_getinfo(L, "l", &frame) != 0 && frame.currentline > 0) return frame.currentline;
    }
    return 0;
}

}  // namespace

void WorkBudget::start(lua_State* L, std::size_t max_units, std::chrono::milliseconds max_cpu,
                       std::chrono::milliseconds max_wall, const std::size_t* heap_used) {
    max_ = max_units == 0 ? SIZE_MAX : max_units;
    used_ = 0;
    since_clock_ = 0;
    allocated_ = 0;
    exceeded_ = Limit::none;
    line_ = 0;
    max_cpu_ns_ = max_cpu.count() > 0 ? to_ns(max_cpu) : 0;
    max_wall_ns_ = max_wall.count() > 0 ? to_ns(max_wall) : 0;
    // The clocks are first read at the first check (a hook call, or a charge of
    // kUnitsPerClockCheck units): most conditions end long before and never read them.
    clocks_started_ = false;
    cpu_start_ns_ = -1;
    wall_deadline_ns_ = 0;
    if (max_units == 0 && max_cpu_ns_ == 0 && max_wall_ns_ == 0) {
        active_ = false;
        lua_sethook(L, nullptr, 0, 0);
        return;
    }
    active_ = true;
    heap_used_ = heap_used;
    heap_base_ = *heap_used;
    // What next_period() gives before the heap has grown.
    period_ =
        max_ < static_cast<std::size_t>(kHookPeriod) ? static_cast<int>(max_) + 1 : kHookPeriod;
    lua_sethook(L, hook, LUA_MASKCOUNT, period_);  // also restarts the count
}

int WorkBudget::next_period() const {
    const std::size_t heap = *heap_used_;
    const std::size_t growth = heap > heap_base_ ? heap - heap_base_ : 0;
    std::size_t period = 1;
    if (growth < (std::size_t{64} << 10)) {
        period = kHookPeriod;
    } else if (growth < (std::size_t{512} << 10)) {
        period = kHookPeriodSmall;
    } else if (growth < (std::size_t{4} << 20)) {
        period = kHookPeriodMedium;
    } else if (growth < (std::size_t{16} << 20)) {
        period = kHookPeriodLarge;
    }
    // Near the cap, fire on the first instruction past it, so that the cap is exact.
    if (max_ != SIZE_MAX && max_ - used_ < period) period = max_ - used_ + 1;
    return static_cast<int>(period);
}

void WorkBudget::hook(lua_State* L, lua_Debug* ar) {
    WorkBudget& budget = context_of(L).budget;
    // The hook fires every `count` instructions; lua_gethookcount reads that period back.
    budget.used_ += static_cast<std::size_t>(lua_gethookcount(L));
    budget.settle(L, ar);  // raises when a limit is hit: below, used_ <= max_
    const int period = budget.next_period();
    if (period != budget.period_) {
        budget.period_ = period;
        lua_sethook(L, hook, LUA_MASKCOUNT, period);
    }
}

void WorkBudget::settle(lua_State* L, lua_Debug* ar) {
    if (exceeded_ != Limit::none) exceed(L, exceeded_, ar);
    used_ += allocated_ / kAllocationBytesPerUnit;
    allocated_ %= kAllocationBytesPerUnit;
    if (used_ > max_) exceed(L, Limit::instructions, ar);
    since_clock_ = 0;
    if (max_cpu_ns_ != 0 || max_wall_ns_ != 0) check_time(L, ar);
}

void WorkBudget::check_time(lua_State* L, lua_Debug* ar) {
    const std::int64_t now = watchdog_now_ns();
    if (!clocks_started_) {
        // The first check of this evaluation: the clocks count from here. What ran before it
        // (less than one hook period, or one charged call) is not counted.
        clocks_started_ = true;
        wall_deadline_ns_ = max_wall_ns_ != 0 ? now + max_wall_ns_ : 0;
        cpu_check_at_ns_ = now + max_cpu_ns_;
        if (max_cpu_ns_ != 0) cpu_start_ns_ = thread_cpu_ns();
        return;
    }
    if (wall_deadline_ns_ != 0 && now > wall_deadline_ns_) exceed(L, Limit::wall_time, ar);
    if (max_cpu_ns_ == 0) return;
    if (now <= cpu_check_at_ns_) return;  // not enough time has passed to have used the CPU limit
    const std::int64_t used = thread_cpu_ns() - cpu_start_ns_;
    if (used >= max_cpu_ns_) exceed(L, Limit::cpu_time, ar);
    cpu_check_at_ns_ = now + (max_cpu_ns_ - used);  // the thread was descheduled: check later
}

void WorkBudget::large_allocation(lua_State* L) {
    // Size the hook period for the new heap on the next instruction (lua_sethook may be called
    // at any point: Lua's own interpreter calls it from a signal handler).
    if (period_ > 1) {
        period_ = 1;
        lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    }
}

void WorkBudget::exceed(lua_State* L, Limit limit, lua_Debug* ar) {
    if (exceeded_ == Limit::none) {
        exceeded_ = limit;
        line_ = current_line(L, ar);
        // From now on every instruction raises, so pcall inside the script cannot absorb it
        // (the sandbox's pcall also re-raises: belt and braces).
        lua_sethook(L, hook, LUA_MASKCOUNT, 1);
    }
    if (limit == Limit::cpu_time || limit == Limit::wall_time) {
        lua_pushliteral(L, "lua: evaluation took too long");
    } else {
        lua_pushliteral(L, "lua: instruction limit exceeded");
    }
    lua_error(L);
    // lua_error does not return (liblua5.4-c++ throws); the attribute needs the compiler to know.
    __builtin_unreachable();
}

}  // namespace relance::expr::detail
