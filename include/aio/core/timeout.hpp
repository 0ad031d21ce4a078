// aio::timeout and aio::wait_for: bound the time of a piece of work.
#pragma once

#include <aio/core/detail/as_task.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <chrono>
#include <concepts>
#include <type_traits>

namespace aio {

namespace detail {

/// Runs a body as a child task with a deadline. When the timer fires the child is
/// cancelled (level-triggered: every suspension inside it throws until it ends) and, once
/// it has ended, the caller gets aio::timeout_error. If the caller is cancelled, the child
/// is cancelled and awaited, then aio::cancelled_error is thrown.
class timeout_core : public parking, public timer_node, public completion_waiter {
  public:
    explicit timeout_core(clock::duration d) noexcept : m_delay(d) {}
    ~timeout_core();
    timeout_core(const timeout_core&) = delete;
    timeout_core& operator=(const timeout_core&) = delete;

    void start(promise_base& child);
    bool await_ready() const noexcept { return m_child->done(); }
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume();

    clock::duration m_delay;
    promise_base* m_child = nullptr;
    bool m_timed_out = false;
    bool m_parked = false;
};

template <class T> task<T> run_with_timeout(clock::duration d, task<T> body) {
    check_cancelled();
    auto h = body.release();
    timeout_core core(d);
    core.start(h.promise());
    co_await core;
    co_return h.promise().take();
}

template <class F> auto call_as_task(F f) -> decltype(f()) {
    co_return co_await f(); // f lives in this frame while its coroutine runs
}

} // namespace detail

/// asyncio.timeout as a scope: runs `body` (a task<T>, or a callable returning one) and
/// returns its result; throws aio::timeout_error if it does not finish within `d` (the body
/// is cancelled and awaited first). The body runs as a child task of the caller.
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

/// Bounds any other awaitable (sleep(), event.wait(), stream::read_into(buf), ...).
template <class Rep, class Period, class A>
requires detail::non_task_awaitable<A> &&
    (!std::invocable<A&>)auto timeout(std::chrono::duration<Rep, Period> d, A body) {
    return timeout(d, detail::await_as_task(std::move(body)));
}

/// asyncio.wait_for: awaits `a` (a task, a task_handle, or any awaitable such as
/// event.wait() or sleep()) for at most `d`; on expiry the work is cancelled and
/// aio::timeout_error is thrown. A task_handle's task is cancelled on timeout (asyncio).
template <class A, class Rep, class Period>
auto wait_for(A a, std::chrono::duration<Rep, Period> d) {
    return timeout(d, detail::as_task(std::move(a)));
}

} // namespace aio
