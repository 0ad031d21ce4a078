// aio::event (asyncio.Event).
#pragma once

#include <aio/sync/detail/wait_list.hpp>

namespace aio {

/// A flag tasks can wait for. set() wakes every waiter (in FIFO order); wait() returns at
/// once while the flag is set. Loop thread only.
///
///     aio::event ready;  /* task A */ co_await ready.wait();  /* task B */ ready.set();
class event {
  public:
    event() = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;

    struct awaiter : detail::waiter {
        event* m_event;
        awaiter(event* e, aio::source_location where) noexcept : m_event(e) {
            detail::note_await(this, where); // debug mode: dump_tasks shows this line
        }
        bool await_ready() const noexcept { return m_event->m_set; }
        bool await_suspend(std::coroutine_handle<> h) { return park_on(m_event->m_waiters, h); }
        void await_resume() const { throw_if_cancelled(); }
    };

    /// Waits until the flag is set. Throws aio::cancelled_error if cancelled while waiting.
    [[nodiscard]] awaiter
    wait(aio::source_location where = aio::source_location::current()) noexcept {
        return awaiter(this, where);
    }
    /// Sets the flag and wakes all waiters.
    void set() noexcept {
        m_set = true;
        m_waiters.wake_all();
    }
    /// Clears the flag; later wait() calls suspend.
    void clear() noexcept { m_set = false; }
    bool is_set() const noexcept { return m_set; }

  private:
    bool m_set = false;
    detail::wait_list m_waiters;
};

} // namespace aio
