// Waiting for a libpq socket on the loop's backend: readable, writable, or either.
//
// libpq owns the socket and does its own reads and writes; the driver only waits for
// readiness, with the backend's poll operations (io_uring POLL_ADD, or the epoll backend's
// readiness FIFOs), one per direction because the epoll backend queues a POLLIN poll
// behind the fd's readers and a POLLOUT one behind its writers. The awaiter is the pair
// of operations (no allocation); it resumes the task once every submitted operation has
// completed, so none outlives the frame (docs/design/core.md, "Parking and cancellation").
#pragma once

#include "io/backend.hpp"

#include <aio/core/detail/promise_base.hpp>

#include <coroutine>

namespace aio::pg::detail {

class socket_wait : public aio::detail::parking {
  public:
    socket_wait(int fd, bool read, bool write) noexcept;
    socket_wait(const socket_wait&) = delete;

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    /// Throws aio::cancelled_error if the task was cancelled meanwhile.
    void await_resume() const { throw_if_cancelled(); }

    /// Ends the wait early (no exception): another task has work for the waiter.
    void interrupt() noexcept;
    bool readable() const noexcept { return m_revents[0] != 0; }
    bool writable() const noexcept { return m_revents[1] != 0; }
    /// A poll failed (e.g. EBADF: libpq closed the socket).
    int error() const noexcept { return m_error; }

  private:
    struct item : aio::detail::io_op {
        socket_wait* m_owner = nullptr;
        int m_slot = 0;
    };
    static void on_complete(aio::detail::io_op* op) noexcept;
    static void on_cancel(aio::detail::parking* p) noexcept;
    void trigger() noexcept;
    void maybe_wake() noexcept;

    item m_items[2];
    bool m_want[2];
    int m_revents[2] = {0, 0};
    int m_error = 0;
    int m_outstanding = 0;
    bool m_triggered = false;
    bool m_woken = false;
    aio::detail::backend* m_backend = nullptr;
};

/// Forgets the backend's state for `fd` (before libpq closes it, or after it did), so a
/// later descriptor with the same number starts clean. Safe without a running loop.
void forget_fd(int fd) noexcept;

} // namespace aio::pg::detail
