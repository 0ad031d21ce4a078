// aio::task_group: structured concurrency (asyncio.TaskGroup, trio nursery).
#pragma once

#include <aio/core/detail/cancel_scope.hpp>
#include <aio/core/source_location.hpp>
#include <aio/core/task.hpp>
#include <aio/core/task_handle.hpp>

#include <cstddef>
#include <exception>
#include <string_view>
#include <vector>

namespace aio {

/// A scope that owns the tasks spawned in it. join() returns only when every child has
/// finished. The first child to fail cancels its siblings; join() then throws
/// aio::task_group_error holding every child error (cancellations are not errors). If
/// the task in join() is cancelled, all children are cancelled and awaited, then
/// aio::cancelled_error is thrown (task_group_error instead if a child had failed).
/// Destroying a group with running children cancels them (they finish on their own; their
/// errors are reported, not lost).
/// Also an async context manager, as asyncio.TaskGroup: in
/// `co_await aio::with(group, [&](aio::task_group& g) ...)` the body is a cancel scope of
/// its own: the first child to fail cancels the body too (its next suspension throws
/// cancelled_error, which the group absorbs). On exit the group joins its children; the
/// join stays cancellable although with() shields exit (a cancel of the task cancels the
/// children, waits for them and throws cancelled_error). An exception leaving the body
/// cancels the children first; if children failed as well, task_group_error holds their
/// errors followed by the body's; if none did, the body's exception propagates as is.
///
///     aio::task_group g;
///     for (auto& url : urls) g.spawn(fetch(url));
///     co_await g.join();
class task_group {
  public:
    task_group() = default;
    ~task_group();
    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;

    /// Starts `t` as a child of the group (asyncio TaskGroup.create_task).
    template <class T>
    task_handle<T> spawn(task<T> t,
                         std::string_view name = {},
                         aio::source_location where = aio::source_location::current()) {
        check_open();
        auto h = create_task(std::move(t), name, where);
        adopt(*h.get());
        return h;
    }

    /// Waits for every child; throws as described above.
    task<void> join();
    /// Cancels every running child.
    void cancel() noexcept;
    /// Number of children still running.
    std::size_t running() const noexcept { return m_running; }

    // Context-manager protocol (used by aio::with).
    task<task_group&> enter();
    task<void> exit(std::exception_ptr e);

    struct child; // bookkeeping node, defined in the .cpp

  private:
    void check_open() const;
    void adopt(detail::promise_base& t);
    void on_child_done(child& c) noexcept;
    task<void> wait_children();

    struct join_awaiter;
    detail::cancel_scope m_body; // the body under aio::with (from enter() to exit())
    child* m_children = nullptr;
    std::size_t m_running = 0;
    std::vector<std::exception_ptr> m_errors;
    detail::parking* m_joiner = nullptr;
    bool m_closed = false;
    friend struct child_access;
};

} // namespace aio
