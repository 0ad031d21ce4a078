// Debug-mode bookkeeping of where coroutine frames were created and where tasks wait.
//
// Only a loop in debug mode (AIO_DEBUG=1, run_options::debug) sets t_debug_sites while it
// runs; otherwise every hook below is one thread-local pointer test. The loop keeps, per
// live aio::task frame, the coroutine's site (function, file:line, taken by the promise's
// operator new through a defaulted std::source_location argument), and, per task, the
// call site of the awaitable it last parked in (sleep, lock::acquire, event::wait...).
// dump_tasks, the slow-step and the never-awaited reports read them
// (docs/design/diagnostics.md).
#pragma once

#include <aio/core/source_location.hpp>

namespace aio::detail {

class promise_base;
struct parking;
struct debug_sites;

/// Gives a frame's promise from its address (one instantiation per promise type).
using promise_of_fn = promise_base* (*)(void* frame) noexcept;

/// The running debug loop's records on this thread, or null (debug mode off).
inline thread_local debug_sites* t_debug_sites = nullptr;

void note_frame(void* frame, const aio::source_location& where, promise_of_fn) noexcept;
void forget_frame(void* frame) noexcept;
void note_await_slow(const parking* p, aio::source_location where) noexcept;

/// Called by an awaiter's constructor with its call site: in debug mode the task records
/// it, and dump_tasks shows it while the task is parked in that awaiter.
inline void note_await(const parking* p, aio::source_location where) noexcept {
    if (t_debug_sites) [[unlikely]]
        note_await_slow(p, where);
}

} // namespace aio::detail
