// The work budget of one sandbox evaluation (internal to relance_expr): instructions, work done
// inside C functions, and time limits (CPU time, and a wall-clock cap).
//
// Why one budget for everything: the count hook only sees Lua instructions. A C function runs in
// a single instruction however long it loops (string.rep("", 2^62), table.move over 2^62
// slots), so every library function reachable from the sandbox either costs O(1), or charges its
// work here in "instruction units" (see lua_library.cpp), and bytes allocated are charged too
// (kAllocationBytesPerUnit). Running out of units is the deterministic limit: the same script
// on the same data fails the same way on any machine. Time is the backstop for what cannot be
// charged exactly (the VM comparing two multi-megabyte strings in one instruction): it is checked
// at every hook call (see kHookPeriod) and inside every charge that accumulated
// kUnitsPerClockCheck units, so it holds inside looping C functions too.
//
// Two time limits: the CPU time the evaluation's thread spends (the watchdog proper: a busy
// machine that deschedules the worker must not fail a script that did little work), and a hard
// wall-clock cap (a script must end however slow the machine is). The thread's CPU clock costs a
// system call, so it is read only when the cheap wall clock shows that enough time has passed
// for the CPU limit to have been reached (CPU time never runs ahead of wall time).
//
// Once a limit is hit, the hook fires on every instruction and every charge raises again, so a
// script's own pcall cannot swallow the error and keep going.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

struct lua_State;
struct lua_Debug;

namespace relance::expr::detail {

// Instructions between two hook calls. The hook call costs about as much as ten instructions,
// so the period is long while instructions are cheap; but one instruction can scan a whole
// string (comparing two long strings, converting one to a number), so the period shrinks as the
// evaluation's heap grows: the time between two clock checks stays around 20 ms even when
// every instruction scans the largest string the heap can hold (about 0.3 ns per byte). A large
// allocation (kLargeAllocation) makes the hook fire on the next instruction to resize the period
// at once.
inline constexpr int kHookPeriod = 1024;      // heap grown by less than 64 KiB
inline constexpr int kHookPeriodSmall = 128;  // less than 512 KiB
inline constexpr int kHookPeriodMedium = 16;  // less than 4 MiB
inline constexpr int kHookPeriodLarge = 4;    // less than 16 MiB
// (1 beyond: every instruction.)
inline constexpr std::size_t kLargeAllocation = 32u << 10;
// Bytes a C function may scan (or a byte loop visit) per instruction unit.
inline constexpr std::size_t kScanBytesPerUnit = 16;
// Bytes allocated per instruction unit (allocation is mostly memcpy and malloc: cheap per byte).
inline constexpr std::size_t kAllocationBytesPerUnit = 64;
// Units charged between two reads of the clock inside C functions.
inline constexpr std::size_t kUnitsPerClockCheck = 1024;

class WorkBudget {
  public:
    enum class Limit { none, instructions, cpu_time, wall_time };

    // Starts an evaluation: `max_units` instruction units, `max_cpu` of the thread's CPU time,
    // `max_wall` of wall-clock time (each 0: no limit). Arms (or disarms) the count hook on L.
    // `heap_used` is the allocator's count of bytes in use (read by the hook to size its period).
    void start(lua_State* L, std::size_t max_units, std::chrono::milliseconds max_cpu,
               std::chrono::milliseconds max_wall, const std::size_t* heap_used);

    // Charges work done by the running evaluation; raises a Lua error when a limit is hit
    // (never returns then). Also charges the bytes allocated since the last charge.
    void charge(lua_State* L, std::size_t units) {
        used_ += units;
        since_clock_ += units;
        if (used_ > max_ || since_clock_ >= kUnitsPerClockCheck || allocated_ >= kAllocationCheck ||
            exceeded_ != Limit::none) [[unlikely]] {
            settle(L, nullptr);
        }
    }

    // Called by the allocator for every growth (cannot raise: charged at the next charge).
    void allocated(lua_State* L, std::size_t bytes) {
        allocated_ += bytes;
        if (bytes >= kLargeAllocation && active_) [[unlikely]]
            large_allocation(L);
    }

    // The evaluation is over: allocations no longer touch the hook.
    void finish() { active_ = false; }

    Limit exceeded() const { return exceeded_; }
    int line() const { return line_; }  // where the limit was hit, 0 if unknown
    std::size_t used() const { return used_; }

    // The count hook (its budget is found through the state's extra space).
    static void hook(lua_State* L, lua_Debug* ar);

  private:
    // Pending allocation bytes after which a charge settles them even below the clock period.
    static constexpr std::size_t kAllocationCheck = kAllocationBytesPerUnit * kUnitsPerClockCheck;

    // Folds allocations into the count, checks the caps and the clocks; raises when over.
    void settle(lua_State* L, lua_Debug* ar);
    void check_time(lua_State* L, lua_Debug* ar);
    void large_allocation(lua_State* L);
    // Instructions until the next hook call: by heap growth, and never past the cap.
    int next_period() const;
    [[noreturn]] void exceed(lua_State* L, Limit limit, lua_Debug* ar);

    std::size_t max_ = SIZE_MAX;
    std::size_t used_ = 0;
    std::size_t since_clock_ = 0;
    std::size_t allocated_ = 0;          // bytes not yet charged
    bool active_ = false;                // an evaluation is running with the hook armed
    bool clocks_started_ = false;        // the clocks count from the first check
    std::int64_t max_wall_ns_ = 0;       // 0: none
    std::int64_t max_cpu_ns_ = 0;        // 0: none
    std::int64_t cpu_check_at_ns_ = 0;   // wall time before which the CPU limit cannot be hit
    std::int64_t cpu_start_ns_ = -1;     // thread CPU time at the first check (-1: not read)
    std::int64_t wall_deadline_ns_ = 0;  // 0: none
    const std::size_t* heap_used_ = nullptr;
    std::size_t heap_base_ = 0;  // bytes in use when the evaluation started
    int period_ = kHookPeriod;
    Limit exceeded_ = Limit::none;
    int line_ = 0;
};

// Monotonic wall time in nanoseconds, read cheaply (a few ns, resolution of a few ms).
std::int64_t watchdog_now_ns();
// CPU time of the calling thread in nanoseconds (a system call).
std::int64_t thread_cpu_ns();

}  // namespace relance::expr::detail
