// The work budget of one sandbox evaluation (internal to relance_expr): instructions, work done
// inside C functions, and a wall-clock deadline.
//
// Why one budget for everything: the count hook only sees Lua instructions. A C function runs in
// a single instruction however long it loops (string.rep("", 2^62), table.move over 2^62
// slots), so every library function reachable from the sandbox either costs O(1), or charges its
// work here in "instruction units" (see lua_library.cpp), and bytes allocated are charged too
// (kAllocationBytesPerUnit). Running out of units is the deterministic limit: the same script
// on the same data fails the same way on any machine. The deadline is the backstop for what
// cannot be charged exactly (the VM comparing two multi-megabyte strings in one instruction):
// it is checked at every hook call (see kHookPeriod) and inside every charge
// that accumulated kUnitsPerClockCheck units, so it holds inside looping C functions too.
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
// evaluation's heap grows: the time between two deadline checks stays around 20 ms even when
// every instruction scans the largest string the heap can hold (about 0.3 ns per byte).
inline constexpr int kHookPeriod = 128;  // heap grown by less than 512 KiB
inline constexpr int kHookPeriodMedium = 16;  // less than 4 MiB
inline constexpr int kHookPeriodLarge = 4;    // less than 16 MiB
// (1 beyond: every instruction.)
// Bytes a C function may scan (or a byte loop visit) per instruction unit.
inline constexpr std::size_t kScanBytesPerUnit = 16;
// Bytes allocated per instruction unit (allocation is mostly memcpy and malloc: cheap per byte).
inline constexpr std::size_t kAllocationBytesPerUnit = 64;
// Units charged between two reads of the clock inside C functions.
inline constexpr std::size_t kUnitsPerClockCheck = 1024;

class WorkBudget {
public:
    enum class Limit { none, instructions, time };

    // Starts an evaluation: `max_units` instruction units (0: no cap), `max_time` (0: none).
    // Arms (or disarms) the count hook on L. `heap_used` is the allocator's count of bytes in
    // use (read by the hook to size its period).
    void start(lua_State* L, std::size_t max_units, std::chrono::milliseconds max_time,
               const std::size_t* heap_used);

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
    void allocated(std::size_t bytes) { allocated_ += bytes; }

    Limit exceeded() const { return exceeded_; }
    int line() const { return line_; }  // where the limit was hit, 0 if unknown
    std::size_t used() const { return used_; }

    // The count hook (its budget is found through the state's extra space).
    static void hook(lua_State* L, lua_Debug* ar);

private:
    // Pending allocation bytes after which a charge settles them even below the clock period.
    static constexpr std::size_t kAllocationCheck = kAllocationBytesPerUnit * kUnitsPerClockCheck;

    // Folds allocations into the count, checks the caps and the clock; raises when over.
    void settle(lua_State* L, lua_Debug* ar);
    // Instructions until the next hook call: by heap growth, and never past the cap.
    int next_period() const;
    [[noreturn]] void exceed(lua_State* L, Limit limit, lua_Debug* ar);

    std::size_t max_ = SIZE_MAX;
    std::size_t used_ = 0;
    std::size_t since_clock_ = 0;
    std::size_t allocated_ = 0;  // bytes not yet charged
    std::int64_t deadline_ns_ = 0;  // 0: none
    const std::size_t* heap_used_ = nullptr;
    std::size_t heap_base_ = 0;  // bytes in use when the evaluation started
    int period_ = kHookPeriod;
    Limit exceeded_ = Limit::none;
    int line_ = 0;
};

// Monotonic time in nanoseconds, read cheaply (a few ns, resolution of a few ms).
std::int64_t watchdog_now_ns();

}  // namespace relance::expr::detail
