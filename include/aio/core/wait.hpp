// aio::wait (asyncio.wait) and aio::as_completed over task handles.
#pragma once

#include <aio/core/as_completed.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace aio {

/// When aio::wait returns (asyncio's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED).
enum class return_when {
    /// As soon as any task finishes (or is cancelled).
    first_completed,
    /// As soon as any task finishes by raising an exception (a cancellation is not one);
    /// if none does, when all have finished.
    first_exception,
    /// When every task has finished.
    all_completed,
};

/// What aio::wait returns: the handles that are done and those still pending, each in the
/// order they were given.
template <class H> struct wait_result {
    std::vector<H> done;
    std::vector<H> pending;
};

namespace detail {

/// True for aio::task_ref and every aio::task_handle<T>.
template <class H>
concept task_handle_like = std::derived_from<H, task_ref> && std::copy_constructible<H>;

/// Parks until `when` holds for `tasks` (non-empty), or `timeout` (if set) passes. Never
/// cancels the tasks; a cancel of the caller propagates as aio::cancelled_error.
task<void> wait_until(std::vector<promise_base*> tasks,
                      return_when when,
                      std::optional<clock::duration> timeout);
/// Parks until one of `tasks` not yet handed out finishes; returns its index, or npos when
/// all were handed out. Throws aio::timeout_error once `deadline` (if set) passes.
task<std::size_t> next_completed(completion_queue& q, std::optional<clock::time_point> deadline);
/// The tasks behind `n` handles; throws std::invalid_argument for none or an empty handle.
std::vector<promise_base*> promises_of(const task_ref* first, std::size_t n, const char* what);
/// The running loop's clock plus `d`.
clock::time_point deadline_after(clock::duration d);

template <class H>
task<wait_result<H>>
wait_handles(std::vector<H> handles, return_when when, std::optional<clock::duration> timeout) {
    co_await wait_until(promises_of(handles.data(), handles.size(), "wait"), when, timeout);
    wait_result<H> r;
    for (H& h : handles)
        (h.done() ? r.done : r.pending).push_back(std::move(h));
    co_return r;
}

} // namespace detail

/// asyncio.wait: waits until `when` holds for `handles` (task_handle<T> or task_ref, so
/// tasks of different result types can be mixed through task_ref) and returns them split
/// into done and pending. Pending tasks are not cancelled, and a task's exception is not
/// thrown here: await the done handles (or call result()/exception()) for results.
/// Throws std::invalid_argument for an empty list or an empty handle.
///
///     auto [done, pending] = co_await aio::wait(std::move(handles),
///     aio::return_when::first_completed);
template <detail::task_handle_like H>
task<wait_result<H>> wait(std::vector<H> handles, return_when when = return_when::all_completed) {
    return detail::wait_handles(std::move(handles), when, std::nullopt);
}

/// The same, returning after at most `timeout` with whatever is done by then (asyncio.wait's
/// timeout: no exception when it passes).
template <detail::task_handle_like H, class Rep, class Period>
task<wait_result<H>> wait(std::vector<H> handles,
                          std::chrono::duration<Rep, Period> timeout,
                          return_when when = return_when::all_completed) {
    return detail::wait_handles(std::move(handles), when,
                                std::chrono::duration_cast<detail::clock::duration>(timeout));
}

/// Async iterator of aio::as_completed over existing handles: next() yields each handle as
/// its task finishes, then std::nullopt. The tasks belong to the caller: destroying the
/// iterator cancels nothing. With a timeout, next() throws aio::timeout_error once it has
/// passed and tasks remain (asyncio).
template <class H> class handle_completion_iterator {
  public:
    handle_completion_iterator(std::vector<H> handles,
                               std::optional<detail::clock::time_point> deadline)
        : m_handles(std::move(handles)),
          m_queue(std::make_unique<detail::completion_queue>(m_handles.size())),
          m_deadline(deadline) {
        auto ps = detail::promises_of(m_handles.data(), m_handles.size(), "as_completed");
        for (std::size_t i = 0; i < ps.size(); ++i)
            m_queue->watch(i, *ps[i]);
    }

    /// The next finished task's handle, or std::nullopt when all were handed out.
    task<std::optional<H>> next() {
        const std::size_t i = co_await detail::next_completed(*m_queue, m_deadline);
        if (i == detail::completion_queue::npos)
            co_return std::nullopt;
        co_return m_handles[i];
    }

  private:
    std::vector<H> m_handles; // destroyed last: the queue looks at the tasks
    std::unique_ptr<detail::completion_queue> m_queue;
    std::optional<detail::clock::time_point> m_deadline;
};

/// asyncio.as_completed over tasks already running (handles of any result types, through
/// task_ref): yields them in the order they finish.
///
///     std::vector<aio::task_ref> all{users, orders};   // task_handle<User>, task_handle<Order>
///     auto it = aio::as_completed(all);
///     while (auto h = co_await it.next()) if (*h == users) show(users.result());
template <detail::task_handle_like H>
handle_completion_iterator<H> as_completed(std::vector<H> handles) {
    return handle_completion_iterator<H>(std::move(handles), std::nullopt);
}

/// The same, with a deadline `timeout` from now for the whole iteration.
template <detail::task_handle_like H, class Rep, class Period>
handle_completion_iterator<H> as_completed(std::vector<H> handles,
                                           std::chrono::duration<Rep, Period> timeout) {
    return handle_completion_iterator<H>(
        std::move(handles),
        detail::deadline_after(std::chrono::duration_cast<detail::clock::duration>(timeout)));
}

} // namespace aio
