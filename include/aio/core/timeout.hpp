// aio::timeout and aio::wait_for: bound the time of a piece of work.
#pragma once

#include <aio/core/detail/as_task.hpp>
#include <aio/core/detail/cancel_scope.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <chrono>
#include <concepts>
#include <optional>
#include <type_traits>

namespace aio {

namespace detail {

/// The deadline of aio::timeout: a cancel scope in the caller's own task, fired by a timer.
/// The body runs inline; when the timer fires, every suspension point inside the scope
/// throws aio::cancelled_error (level-triggered) until the body has unwound, and the scope
/// turns that into aio::timeout_error. A cancel of the task itself, or of an enclosing
/// scope, stays a cancelled_error.
class timeout_scope : public timer_node {
  public:
    /// Opens the scope in the current task; a deadline already passed fires it at once, so
    /// the body runs up to its first suspension point.
    explicit timeout_scope(clock::time_point deadline);
    /// The deadline `d` from now.
    explicit timeout_scope(clock::duration d) : timeout_scope(t_loop->refresh_now() + d) {}
    ~timeout_scope();
    timeout_scope(const timeout_scope&) = delete;
    timeout_scope& operator=(const timeout_scope&) = delete;

    /// Called in the handler of a cancelled_error that left the body: closes the scope and
    /// throws aio::timeout_error if this scope's deadline is why, else rethrows.
    [[noreturn]] void rethrow_cancelled();
    [[noreturn]] static void throw_timeout(clock::duration d);
    /// The deadline passed (the timer's callback).
    void fire() noexcept { m_scope.fire(); }
    /// See aio::timeout_handle.
    std::optional<clock::time_point> when() const noexcept { return m_when; }
    void reschedule(std::optional<clock::time_point> when);
    bool expired() const noexcept { return m_scope.fired(); }

  private:
    void arm(clock::time_point when);

    cancel_scope m_scope;
    clock::duration m_delay;
    std::optional<clock::time_point> m_when;
};

/// `when` is a clock::duration (counted from the body's start: tasks are lazy) or a
/// clock::time_point.
template <class T, class When> task<T> run_with_timeout(When when, task<T> body) {
    check_cancelled(); // a cancelled task starts no new work
    timeout_scope scope(when);
    try {
        co_return co_await std::move(body);
    } catch (const cancelled_error&) {
        scope.rethrow_cancelled();
    }
}

/// wait_for with a deadline already passed: like asyncio, the work is never started.
template <class T> task<T> expired_before_start(clock::duration d, task<T> body) {
    check_cancelled();
    body.release().destroy(); // never started: not a forgotten co_await
    timeout_scope::throw_timeout(d);
    co_return co_await std::move(body); // unreachable; makes this a coroutine of task<T>
}

template <class F> auto call_as_task(F f) -> decltype(f()) {
    co_return co_await f(); // f lives in this frame while its coroutine runs
}

} // namespace detail

/// The deadline of a running aio::timeout / aio::timeout_at scope, handed to a body that
/// takes one (asyncio.Timeout): read it, move it, or remove it. Valid inside the body only.
///
///     co_await aio::timeout(1s, [&](aio::timeout_handle t) -> aio::task<> {
///         co_await handshake();
///         t.reschedule(std::chrono::steady_clock::now() + 30s);   // the transfer gets longer
///         co_await transfer();
///     });
class timeout_handle {
  public:
    explicit timeout_handle(detail::timeout_scope* s) noexcept : m_s(s) {}
    /// The deadline, or nullopt when there is none (rescheduled to nullopt).
    std::optional<std::chrono::steady_clock::time_point> when() const noexcept {
        return m_s->when();
    }
    /// Moves the deadline (one already passed fires the scope at once); nullopt removes it.
    /// Throws aio::invalid_state_error once the scope has expired (asyncio's RuntimeError).
    void reschedule(std::optional<std::chrono::steady_clock::time_point> when) {
        m_s->reschedule(when);
    }
    /// True once the deadline has passed and the body is being cancelled.
    bool expired() const noexcept { return m_s->expired(); }

  private:
    detail::timeout_scope* m_s;
};

namespace detail {
template <class When, class F>
auto run_with_timeout_handle(When when, F f) -> decltype(f(std::declval<timeout_handle>())) {
    check_cancelled();
    timeout_scope scope(when);
    try {
        co_return co_await f(timeout_handle(&scope));
    } catch (const cancelled_error&) {
        scope.rethrow_cancelled();
    }
}

template <class F>
concept timeout_body_with_handle =
    std::invocable<F&, timeout_handle> && is_task<std::invoke_result_t<F&, timeout_handle>>::value;
} // namespace detail

/// asyncio.timeout as a scope: runs `body` (a task<T>, or a callable returning one) and
/// returns its result; throws aio::timeout_error if it does not finish within `d` (the body
/// is cancelled and has unwound first). The body runs inline in the calling task, as in
/// asyncio 3.11+: current_task() inside it is the caller. A body that finishes normally
/// although the deadline passed (it did not suspend again) returns its result. A zero or
/// negative `d` cancels the body at its first suspension point.
///
///     std::string page = co_await aio::timeout(5s, fetch(url));
///     co_await aio::timeout(1s, [&]() -> aio::task<> { co_await step1(); co_await step2(); });
template <class Rep, class Period, class T>
task<T> timeout(std::chrono::duration<Rep, Period> d, task<T> body) {
    return detail::run_with_timeout(std::chrono::duration_cast<detail::clock::duration>(d),
                                    std::move(body));
}

template <class Rep, class Period, class F>
requires std::invocable<F&> && detail::is_task<std::invoke_result_t<F&>>::value auto
timeout(std::chrono::duration<Rep, Period> d, F body) {
    return detail::run_with_timeout(std::chrono::duration_cast<detail::clock::duration>(d),
                                    detail::call_as_task(std::move(body)));
}

/// A body taking an aio::timeout_handle can read and move its deadline (asyncio.Timeout).
template <class Rep, class Period, class F>
requires detail::timeout_body_with_handle<F>
auto timeout(std::chrono::duration<Rep, Period> d, F body) {
    return detail::run_with_timeout_handle(std::chrono::duration_cast<detail::clock::duration>(d),
                                           std::move(body));
}

/// asyncio.timeout_at: aio::timeout with an absolute deadline on std::chrono::steady_clock
/// (the loop's clock: event_loop::time()). The body: a task<T>, a callable returning one, a
/// callable taking an aio::timeout_handle, or an awaitable.
template <class T>
task<T> timeout_at(std::chrono::steady_clock::time_point deadline, task<T> body) {
    return detail::run_with_timeout(deadline, std::move(body));
}
template <class F>
requires std::invocable<F&> && detail::is_task<std::invoke_result_t<F&>>::value auto
timeout_at(std::chrono::steady_clock::time_point deadline, F body) {
    return detail::run_with_timeout(deadline, detail::call_as_task(std::move(body)));
}
template <class F>
requires detail::timeout_body_with_handle<F>
auto timeout_at(std::chrono::steady_clock::time_point deadline, F body) {
    return detail::run_with_timeout_handle(deadline, std::move(body));
}
template <class A>
requires detail::non_task_awaitable<A> &&
    (!std::invocable<A&>)auto timeout_at(std::chrono::steady_clock::time_point deadline, A body) {
    return timeout_at(deadline, detail::await_as_task(std::move(body)));
}

/// Bounds any other awaitable (sleep(), event.wait(), stream::read_into(buf), ...).
template <class Rep, class Period, class A>
requires detail::non_task_awaitable<A> &&
    (!std::invocable<A&>)auto timeout(std::chrono::duration<Rep, Period> d, A body) {
    return timeout(d, detail::await_as_task(std::move(body)));
}

/// asyncio.wait_for: awaits `a` (a task, a task_handle, or any awaitable such as
/// event.wait() or sleep()) for at most `d`; on expiry the work is cancelled and
/// aio::timeout_error is thrown. A task_handle's task is cancelled on timeout, and also
/// when the caller is cancelled (asyncio). With `d <= 0` a task or awaitable is never
/// started (timeout_error at once) and a handle's task is cancelled unless already done.
template <class A, class Rep, class Period>
auto wait_for(A a, std::chrono::duration<Rep, Period> d) {
    const auto dd = std::chrono::duration_cast<detail::clock::duration>(d);
    auto t = detail::as_task(std::move(a));
    if constexpr (!detail::is_task_handle<A>::value) {
        if (dd <= detail::clock::duration::zero())
            return detail::expired_before_start(dd, std::move(t));
    }
    return detail::run_with_timeout(dd, std::move(t));
}

} // namespace aio
