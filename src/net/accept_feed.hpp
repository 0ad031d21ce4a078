// A listening socket's multishot accept (io_uring), for the server's accept task.
#pragma once

#include "io/backend.hpp"

#include <aio/core/detail/loop_core.hpp>

#include <coroutine>
#include <deque>
#include <utility>

namespace aio::net::detail {

/// One accept operation armed for every connection (backend::multishot_accept()): it
/// completes with each accepted fd until an error, a cancel or the kernel ends it, and the
/// accept task takes the fds one by one. It lives in the accept task's frame, so neither
/// awaiter returns while the operation is in flight, not even on cancellation: a
/// cancelled next() cancels the operation, waits for its last completion, closes the fds
/// not taken, then throws cancelled_error.
class accept_feed : aio::detail::io_op {
  public:
    explicit accept_feed(int listen_fd) noexcept;
    ~accept_feed(); // closes the fds not taken; the operation is never in flight here
    accept_feed(const accept_feed&) = delete;
    accept_feed& operator=(const accept_feed&) = delete;

    /// An accepted fd (the caller owns it), or -1 if none is queued.
    int take() noexcept;
    /// The error that ended the operation (-errno), once; 0 if none.
    int take_error() noexcept { return std::exchange(m_error, 0); }
    bool armed() const noexcept { return m_armed; }

    class awaiter : aio::detail::parking {
      public:
        awaiter(accept_feed* f, bool drain) noexcept : m_feed(f), m_drain(drain) {}
        bool await_ready() const noexcept;
        bool await_suspend(std::coroutine_handle<> h);
        void await_resume();

      private:
        friend class accept_feed;
        accept_feed* m_feed;
        bool m_drain;
    };
    /// Waits until an fd is queued or the operation ended with an error (arming it first
    /// if it is not armed). Throws cancelled_error when the task is cancelled.
    awaiter next() noexcept { return awaiter(this, false); }
    /// Cancels the operation if it is armed and waits for its end, even in a cancelled
    /// task; closes the fds not taken. Never throws.
    awaiter drain() noexcept { return awaiter(this, true); }

  private:
    static void on_complete(io_op* op) noexcept;
    static void on_cancel(aio::detail::parking* p) noexcept;
    void arm() noexcept;
    void stop() noexcept;
    void close_ready() noexcept;

    std::deque<int> m_ready;
    int m_error = 0;
    bool m_armed = false;
    bool m_stopping = false;
    awaiter* m_waiter = nullptr;
    aio::detail::backend* m_backend = nullptr;
};

} // namespace aio::net::detail
