// aio::shield: protect a piece of work from an outer cancellation.
#pragma once

#include <aio/core/task.hpp>

namespace aio {

namespace detail {
/// Masks cancellation of the current task for its lifetime (trio's shielded scope).
class shield_scope {
  public:
    shield_scope() : m_task(&current()) { ++m_task->m_shield; }
    ~shield_scope() { --m_task->m_shield; }
    shield_scope(const shield_scope&) = delete;
    shield_scope& operator=(const shield_scope&) = delete;

  private:
    promise_base* m_task;
};
} // namespace detail

/// Runs `t` inline with the caller's cancellation masked: a cancel() that arrives while it
/// runs does not interrupt it; it is delivered (level-triggered) at the caller's first
/// suspension point after the shield. Use it for cleanup that must await, such as
/// closing a connection in a catch block. (Unlike asyncio.shield the caller waits for `t`;
/// to let work outlive a cancelled caller, create_task it and drop the handle.)
/// Timeouts inside the shield still apply.
///
///     catch (const aio::cancelled_error&) { co_await aio::shield(conn.close()); throw; }
template <class T> task<T> shield(task<T> t) {
    detail::shield_scope scope;
    co_return co_await std::move(t);
}
/// Shields any other awaitable (sleep(), event.wait(), stream::read_into(buf), ...).
template <detail::non_task_awaitable A> auto shield(A a) {
    return shield(detail::await_as_task(std::move(a)));
}

} // namespace aio
