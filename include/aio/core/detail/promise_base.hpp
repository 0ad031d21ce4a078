// The control block shared by every coroutine frame of aio::task.
//
// Design (see docs/design/core.md):
// * A coroutine frame is either awaited inline by another coroutine (it then runs inside the
//   awaiting "runtime task" and resumes its parent by symmetric transfer when done), or it
//   is a *root*: started by create_task/run/gather and scheduled by the loop. The root's
//   control fields live in the same frame, so spawning a task is exactly one allocation.
// * A root is kept alive by a reference count: one reference while it runs, one per
//   task_handle. The frame (and so the result) is destroyed when the count reaches zero.
// * A running task is "parked" at most at one place at a time (a timer, a wait list, an
//   I/O operation, child tasks). The parking registers a cancel hook; cancel() invokes it,
//   which removes the task from that place and schedules it (or starts an asynchronous
//   cancel whose completion schedules it). So no completion ever resumes a destroyed frame.
// * Cancellation is level-triggered: once the cancel flag is set, every later parking
//   point of that task throws aio::cancelled_error, unless the task is inside aio::shield.
//   A cancel scope (cancel_scope.hpp: timeouts, a task_group's body) cancels only the code
//   inside it, the same way.
// Only the loop's thread touches any of this; no atomics are needed.
#pragma once

#include <aio/core/detail/debug_sites.hpp>
#include <aio/core/detail/frame_allocator.hpp>
#include <aio/core/source_location.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <string>

namespace aio::detail {

/// A unit of work in the loop's intrusive ready queue.
struct work_item {
    work_item* m_next = nullptr;
    void (*m_run)(work_item*) noexcept = nullptr;
};

class promise_base;
class loop_core;

/// Per-thread state of the running loop: the loop and the task being resumed.
inline thread_local loop_core* t_loop = nullptr;
inline thread_local promise_base* t_current = nullptr;

/// A parking place of a task; m_cancel removes the task from there on cancellation.
struct parking {
    promise_base* m_task = nullptr;
    void (*m_cancel)(parking*) noexcept = nullptr;
    bool m_cancelled = false;

    /// Parks the current task at this place. Returns false (do not suspend) when the task
    /// is already cancelled; await_resume then throws via throw_if_cancelled().
    bool begin_park(std::coroutine_handle<> h, void (*cancel)(parking*) noexcept);
    /// Parks even if the task is already cancelled (for waits that must see children end;
    /// the hook still runs on a later cancel).
    void force_park(std::coroutine_handle<> h, void (*cancel)(parking*) noexcept);
    /// Resumes the parked task at the next loop turn.
    void wake() noexcept;
    /// Used by cancel hooks that wake synchronously: marks cancelled and wakes.
    void wake_cancelled() noexcept {
        m_cancelled = true;
        wake();
    }
    void throw_if_cancelled() const;
};

/// A node in a root task's list of completion observers (task_handle awaiters, gather...).
struct completion_waiter {
    completion_waiter* m_next = nullptr;
    void (*m_notify)(completion_waiter*) noexcept = nullptr;
};

/// Optional per-task debug data (name, creation site), allocated only when used.
struct task_debug {
    std::string name;
    aio::source_location where;
    std::int64_t created_ns = 0;
    std::string cancel_message; // task_ref::cancel(message)
    // Debug mode: the awaitable the task last noted (note_await) and its call site; shown
    // while the task is still parked in it.
    const parking* await_parking = nullptr;
    const void* frame = nullptr; // the root's own coroutine frame (its site in debug mode)
    aio::source_location await_site;
};

class promise_base : public work_item {
  public:
    enum flag : std::uint16_t {
        f_root = 1,
        f_started = 2,
        f_done = 4,
        f_cancel = 8,
        f_retrieved = 16,
        f_ran = 32,
        f_was_cancelled = 64,
        f_has_value = 128,    // promise<T>: the value was constructed
        f_has_debug = 256,    // the loop holds a task_debug entry for this task
        f_scope_cancel = 512, // a cancel scope of this task has fired (cancel_scope.hpp)
        f_cancel_msg = 1024,  // cancel(message): the message is in the task's task_debug
        f_has_context = 2048, // the loop holds context variables for it (context_var.hpp)
    };

    static void* operator new(std::size_t n) { return allocate_frame(n); }
    static void operator delete(void* p, std::size_t n) noexcept { release_frame(p, n); }
    /// Allocates a frame of promise type P from the recycling allocator; in debug mode
    /// records its coroutine's site (`where`, evaluated inside the coroutine).
    template <class P>
    static void* allocate_with_site(std::size_t n, const aio::source_location& where) {
        void* f = allocate_frame(n);
        if (t_debug_sites) [[unlikely]]
            note_frame(f, where, [](void* frame) noexcept -> promise_base* {
                return &std::coroutine_handle<P>::from_address(frame).promise();
            });
        return f;
    }
    /// Frees a frame (its debug-mode site record first).
    static void release_frame(void* p, std::size_t n) noexcept {
        if (t_debug_sites) [[unlikely]]
            forget_frame(p);
        deallocate_frame(p, n);
    }

    promise_base() noexcept = default;
    promise_base(const promise_base&) = delete;
    promise_base& operator=(const promise_base&) = delete;

    bool has(flag f) const noexcept { return (m_flags & f) != 0; }
    bool done() const noexcept { return has(f_done); }
    /// True when a suspension point of the task would throw aio::cancelled_error now: the
    /// task is cancelled and not shielded, or a cancel scope it is in has fired.
    bool cancel_pending() const noexcept {
        if (!(m_flags & (f_cancel | f_scope_cancel))) [[likely]]
            return false;
        return (has(f_cancel) && m_shield == 0) || scope_cancel_pending();
    }

    /// Requests cancellation of this root task (see the design block above).
    void cancel() noexcept;
    /// If the task is parked and a cancel is pending, runs the parking's cancel hook.
    void interrupt() noexcept {
        if (m_parked && cancel_pending()) {
            parking* p = m_parked;
            m_parked = nullptr;
            p->m_cancel(p);
        }
    }
    void add_ref() noexcept { ++m_refs; }
    /// Drops a reference; destroys the frame at zero.
    void release() noexcept;
    /// The task's name: the one given to create_task, or "Task-<n>".
    std::string name() const;
    void add_waiter(completion_waiter* w) noexcept;
    void remove_waiter(completion_waiter* w) noexcept;
    /// Rethrows the task's exception, marking it retrieved.
    void rethrow_if_failed() {
        m_flags |= f_retrieved;
        if (m_exception)
            std::rethrow_exception(m_exception);
    }
    std::exception_ptr exception() const noexcept { return m_exception; }

    /// Turns this frame into a root task of the running loop and schedules it.
    void start_root(std::string_view name, const aio::source_location& where);
    /// start_root, then runs the task's first step right now, inside the caller, until
    /// its first suspension (asyncio's eager_start=True); the caller's task is current
    /// again afterwards.
    void start_eager(std::string_view name, const aio::source_location& where);
    /// Called from final_suspend of a root with its own handle; may destroy the frame.
    void finish_root(std::coroutine_handle<> self) noexcept;

    // One handle, four roles: the frame's own handle from creation until it is awaited or
    // started; while awaited inline, the awaiting parent (resumed at final suspend); in a
    // running root, the innermost suspended frame to resume; in a finished root, its own
    // handle again (for destruction).
    std::coroutine_handle<> m_link;
    std::exception_ptr m_exception;
    parking* m_parked = nullptr;
    completion_waiter* m_waiters = nullptr;
    std::uint32_t m_refs = 0;
    std::uint16_t m_flags = 0;
    std::uint16_t m_shield = 0;
    std::uint32_t m_id = 0;
    std::uint32_t m_index = 0; // position in the loop's table of live roots

  protected:
    ~promise_base() = default;

  private:
    bool scope_cancel_pending() const noexcept;
    /// start_root without the scheduling: ids, debug entry, context, live-task table.
    void register_root(std::string_view name, const aio::source_location& where);
};

/// Reported (in debug mode) when a task is destroyed without having been started; `frame`
/// names the coroutine (its function and file:line, recorded in debug mode).
void on_never_awaited(void* frame) noexcept;
[[noreturn]] void throw_no_running_task();
/// Throws aio::cancelled_error if the calling task is cancelled (and not shielded).
void check_cancelled();

/// The task currently being run by this thread's loop; throws outside of a task.
inline promise_base& current() {
    if (!t_current)
        throw_no_running_task();
    return *t_current;
}

} // namespace aio::detail
