// aio::condition (asyncio.Condition).
#pragma once

#include <aio/core/task.hpp>
#include <aio/sync/detail/wait_list.hpp>
#include <aio/sync/lock.hpp>

#include <cstddef>
#include <limits>

namespace aio {

/// A condition variable for tasks, bound to an aio::lock (its own by default).
/// wait() must be called with the lock held: it releases the lock, waits for notify(),
/// and re-acquires the lock before returning — also when cancelled (the lock is
/// re-acquired, then aio::cancelled_error is thrown), as asyncio does.
///
///     co_await cond.acquire();
///     co_await cond.wait_for([&] { return !items.empty(); });
///     cond.release();
class condition {
  public:
    condition() : m_lock(&m_own) {}
    /// Uses an external lock, which must outlive the condition.
    explicit condition(lock& l) : m_lock(&l) {}
    condition(const condition&) = delete;
    condition& operator=(const condition&) = delete;

    [[nodiscard]] lock::awaiter
    acquire(aio::source_location where = aio::source_location::current()) noexcept {
        return m_lock->acquire(where);
    }
    [[nodiscard]] lock::scoped_awaiter
    scoped(aio::source_location where = aio::source_location::current()) noexcept {
        return m_lock->scoped(where);
    }
    void release() { m_lock->release(); }
    bool locked() const noexcept { return m_lock->locked(); }

    /// Releases the lock, waits for a notification, re-acquires the lock. Throws
    /// aio::runtime_error if the lock is not held.
    task<void> wait();
    /// Waits until `pred()` is true (checked with the lock held); returns its last value.
    template <class Pred> task<bool> wait_for(Pred pred) {
        while (!pred())
            co_await wait();
        co_return true;
    }
    /// Wakes up to `n` waiters (FIFO). Throws aio::runtime_error if the lock is not held.
    void notify(std::size_t n = 1);
    void notify_all() { notify(std::numeric_limits<std::size_t>::max()); }

  private:
    lock m_own;
    lock* m_lock;
    detail::wait_list m_waiters;
};

} // namespace aio
