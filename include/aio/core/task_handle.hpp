// aio::create_task and aio::task_handle<T>: a task running concurrently on the loop.
#pragma once

#include <aio/core/source_location.hpp>
#include <aio/core/task.hpp>

#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio {

/// An untyped, copyable reference to a running (or finished) root task.
/// Holding one keeps the task's frame, and so its result, alive; dropping every reference
/// does not cancel the task (asyncio semantics). Loop thread only.
class task_ref {
  public:
    task_ref() noexcept = default;
    explicit task_ref(detail::promise_base* p) noexcept : m_p(p) {
        if (m_p)
            m_p->add_ref();
    }
    task_ref(const task_ref& o) noexcept : task_ref(o.m_p) {}
    task_ref(task_ref&& o) noexcept : m_p(std::exchange(o.m_p, nullptr)) {}
    task_ref& operator=(task_ref o) noexcept {
        std::swap(m_p, o.m_p);
        return *this;
    }
    ~task_ref() {
        if (m_p)
            m_p->release();
    }

    /// Requests cancellation: the task's current (and every later) suspension point throws
    /// aio::cancelled_error. Returns false if the task had already finished.
    bool cancel() noexcept {
        if (!m_p || m_p->done())
            return false;
        m_p->cancel();
        return true;
    }
    /// Like cancel(), with a message that the task's aio::cancelled_error carries (its
    /// what()), as asyncio's `task.cancel(msg)`. The first message given wins.
    bool cancel(std::string_view message);
    /// True once the task has finished (value, exception or cancellation).
    bool done() const noexcept { return m_p && m_p->done(); }
    /// True if the task was cancelled (cancel requested and it ended by cancellation or is
    /// still unwinding from it).
    bool cancelled() const noexcept;
    /// The name given to create_task, or "Task-<n>".
    std::string name() const { return m_p ? m_p->name() : std::string(); }
    /// Renames the task (asyncio's `set_name`): diagnostics, traces and dump reports use it.
    void set_name(std::string_view name);
    /// The task's exception once it is done: null if it returned a value. Throws
    /// aio::invalid_state_error while it runs and aio::cancelled_error if it was cancelled
    /// (asyncio's `Task.exception()`). Marks the exception retrieved.
    std::exception_ptr exception() const;
    /// Calls `fn(task)` at the loop turn after the task finishes (at once scheduled, if it
    /// already has), as asyncio's `add_done_callback`; callbacks run in the order added.
    /// An exception thrown by `fn` goes to the loop's exception handler.
    void add_done_callback(std::function<void(task_ref)> fn) const;
    explicit operator bool() const noexcept { return m_p != nullptr; }
    bool operator==(const task_ref& o) const noexcept { return m_p == o.m_p; }

    detail::promise_base* get() const noexcept { return m_p; }

  protected:
    detail::promise_base* m_p = nullptr;
};

namespace detail {
[[noreturn]] void throw_result_not_ready(const char* what);

/// Awaiter of a task_ref: parks until the task finishes. If the awaiting task is
/// cancelled, the awaited task is cancelled too (asyncio), and we still wait for it.
struct handle_awaiter : parking, completion_waiter {
    promise_base* m_target;
    explicit handle_awaiter(promise_base* t) noexcept : m_target(t) {}
    bool await_ready() const noexcept { return m_target->done(); }
    bool await_suspend(std::coroutine_handle<> h);
};
} // namespace detail

/// A copyable handle to a task started with aio::create_task. Awaitable any number of
/// times: each await returns the result (copied when T is copyable, otherwise moved out by
/// the first await) or rethrows the task's exception (aio::cancelled_error if it was
/// cancelled).
template <class T> class task_handle : public task_ref {
  public:
    task_handle() noexcept = default;
    explicit task_handle(detail::promise<T>* p) noexcept : task_ref(p) {}

    struct awaiter : detail::handle_awaiter {
        using handle_awaiter::handle_awaiter;
        decltype(auto) await_resume() {
            throw_if_cancelled();
            return static_cast<detail::promise<T>*>(m_target)->get();
        }
    };
    awaiter operator co_await() const noexcept { return awaiter{m_p}; }

    /// The task's result once it is done, without awaiting (asyncio's `Task.result()`):
    /// the value (copied when T is copyable, else moved out), or its exception rethrown
    /// (aio::cancelled_error if cancelled). Throws aio::invalid_state_error while it runs.
    decltype(auto) result() const {
        if (!done())
            detail::throw_result_not_ready("result");
        return static_cast<detail::promise<T>*>(m_p)->get();
    }
};

/// Schedules `t` to start at the next loop turn and returns a handle to it (asyncio
/// create_task). Must be called on a thread running a loop. The name shows in diagnostics
/// and traces; `where` records the creation site for debug-mode reports.
///
///     auto h = aio::create_task(background(), "bg");
///     co_await aio::sleep(1s);
///     h.cancel();
template <class T>
task_handle<T> create_task(task<T> t,
                           std::string_view name = {},
                           aio::source_location where = aio::source_location::current()) {
    detail::running_loop_core(); // throws before the task is taken when no loop runs
    auto h = t.release();
    auto& p = h.promise();
    task_handle<T> handle(&p);
    p.start_root(name, where);
    return handle;
}

/// create_task with an eager start (asyncio's `create_task(coro, eager_start=True)` and
/// `eager_task_factory`): the task runs right now, inside this call, until its first
/// suspension, and the caller continues after that. A task that finishes without
/// suspending is done when the handle is returned (no loop turn, no scheduling); one that
/// throws before suspending has stored its exception in the handle. Its later steps are
/// scheduled as any task's. Called from a callback or a task; the calling task is current
/// again when it returns.
///
///     auto h = aio::create_eager_task(cached_lookup(key), "lookup");
///     if (h.done()) use(h.result());   // answered from the cache: no loop turn
template <class T>
task_handle<T> create_eager_task(task<T> t,
                                 std::string_view name = {},
                                 aio::source_location where = aio::source_location::current()) {
    detail::running_loop_core();
    auto h = t.release();
    auto& p = h.promise();
    task_handle<T> handle(&p);
    p.start_eager(name, where);
    return handle;
}

/// Any other awaitable (e.g. stream::read_into(buf)) runs inside a task made for it.
template <detail::non_task_awaitable A>
requires(!std::is_lvalue_reference_v<A>) auto create_task(
    A&& a,
    std::string_view name = {},
    aio::source_location where = aio::source_location::current()) {
    return create_task(detail::await_as_task(std::forward<A>(a)), name, where);
}

/// Like create_task, without a handle: the task runs detached; its exception, if any,
/// is reported when it finishes ("task exception was never retrieved").
template <class T>
void spawn(task<T> t,
           std::string_view name = {},
           aio::source_location where = aio::source_location::current()) {
    detail::running_loop_core();
    t.release().promise().start_root(name, where);
}

template <detail::non_task_awaitable A>
requires(!std::is_lvalue_reference_v<A>) void spawn(
    A&& a,
    std::string_view name = {},
    aio::source_location where = aio::source_location::current()) {
    spawn(detail::await_as_task(std::forward<A>(a)), name, where);
}

/// The task this code runs in (asyncio.current_task()). Throws aio::runtime_error outside a
/// task.
task_ref current_task();

/// Every root task of the running loop that has not finished (asyncio.all_tasks()), the
/// main task included, in no particular order. Throws aio::runtime_error without a loop.
std::vector<task_ref> all_tasks();

} // namespace aio
