// Private building blocks of the net layer: awaiting one backend operation, a wait list
// for tasks, fd ownership and errno -> exception mapping.
#pragma once

#include "io/backend.hpp"

#include <aio/core/detail/promise_base.hpp>
#include <aio/core/error.hpp>
#include <aio/detail/intrusive_list.hpp>
#include <aio/net/address.hpp>

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace aio::net::detail {

using aio::detail::io_op;
using aio::detail::op_kind;
using aio::detail::parking;

/// The running loop's backend; throws aio::runtime_error outside a loop.
aio::detail::backend& loop_backend();

/// Awaits one backend operation (see docs/design/core.md, "I/O operations").
///
/// The op lives in the awaiter, i.e. in the awaiting coroutine frame, so starting it
/// allocates nothing. `co_await a` yields the kernel result (>= 0, or -errno). If the task
/// is cancelled while the op is in flight, the cancel hook only *requests* early completion
/// (backend::cancel) and the task is resumed by the real completion: the frame therefore
/// outlives the op. The result may still be a success (bytes moved before the cancel won);
/// the caller keeps that data and lets the next suspension throw (cancellation is
/// level-triggered). cancel_requested() tells whether the task was cancelled.
class op_awaiter : public parking, public io_op {
  public:
    op_awaiter(op_kind kind, int fd, void* buf = nullptr, std::size_t len = 0) noexcept {
        m_kind = kind;
        m_fd = fd;
        m_buf = buf;
        m_len = len;
    }
    op_awaiter(const op_awaiter&) = delete;
    op_awaiter& operator=(const op_awaiter&) = delete;

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    /// The kernel result; -ECANCELED if the task was already cancelled (nothing submitted).
    int await_resume() const noexcept { return m_submitted ? m_result : -ECANCELED; }

    /// True when the awaiting task was cancelled (before or during the op).
    bool cancel_requested() const noexcept { return m_cancelled; }
    /// Asks for early completion without cancelling the task (used by close/abort): the
    /// op then completes with -ECANCELED (or its real result).
    void cancel_op() noexcept {
        if (m_submitted && !m_done)
            m_backend->cancel(*this);
    }
    bool in_flight() const noexcept { return m_submitted && !m_done; }

  private:
    static void on_complete(io_op* op) noexcept;
    static void on_cancel(parking* p) noexcept;
    aio::detail::backend* m_backend = nullptr;
    bool m_submitted = false;
    bool m_done = false;
};

/// A FIFO of parked tasks woken together (a condition without a lock). The waiter checks
/// its condition again after waking. Cancellation unlinks the waiter synchronously.
class broadcast_list {
  public:
    struct node : parking {
        node* m_next = nullptr;
        node* m_prev = nullptr;
        broadcast_list* m_list = nullptr;
    };
    struct awaiter : node {
        explicit awaiter(broadcast_list* l) noexcept { m_list = l; }
        bool await_ready() const noexcept { return false; }
        bool await_suspend(std::coroutine_handle<> h) {
            if (!begin_park(h, &on_cancel))
                return false;
            m_list->push(this);
            return true;
        }
        void await_resume() const { throw_if_cancelled(); }
    };

    broadcast_list() = default;
    broadcast_list(const broadcast_list&) = delete;
    broadcast_list& operator=(const broadcast_list&) = delete;

    /// Suspends the calling task until wake_all(); throws cancelled_error on cancel.
    [[nodiscard]] awaiter wait() noexcept { return awaiter(this); }
    /// Schedules every waiting task (they run at the next loop turn).
    void wake_all() noexcept {
        while (node* n = m_nodes.front()) {
            m_nodes.remove(n);
            n->wake();
        }
    }
    bool empty() const noexcept { return m_nodes.empty(); }

  private:
    void push(node* n) noexcept { m_nodes.push_back(n); }
    static void on_cancel(parking* p) noexcept {
        auto* n = static_cast<node*>(p);
        n->m_list->m_nodes.remove(n);
        n->wake_cancelled();
    }
    aio::detail::intrusive_list<node, &node::m_next, &node::m_prev> m_nodes;
};

/// A socket's own address (getsockname) or its peer's (getpeername); nullopt with errno
/// set when the call fails.
std::optional<address> socket_address(int fd, bool peer) noexcept;

/// Closes an fd owned by the net layer: the backend forgets it first (epoll registration),
/// so a later fd with the same number starts clean. Safe without a running loop.
void close_fd(int fd) noexcept;

/// Owns an fd; closes it with close_fd.
class unique_fd {
  public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : m_fd(fd) {}
    unique_fd(unique_fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset();
            m_fd = std::exchange(o.m_fd, -1);
        }
        return *this;
    }
    ~unique_fd() { reset(); }
    int get() const noexcept { return m_fd; }
    int release() noexcept { return std::exchange(m_fd, -1); }
    void reset() noexcept {
        if (m_fd >= 0)
            close_fd(std::exchange(m_fd, -1));
    }
    explicit operator bool() const noexcept { return m_fd >= 0; }

  private:
    int m_fd = -1;
};

/// The io_error subclass for `err` (ECONNRESET -> connection_reset_error, ...), with the
/// message "<what>: <strerror>".
std::exception_ptr make_io_error(int err, const std::string& what);
[[noreturn]] void throw_io_error(int err, const std::string& what);

/// Creates a non-blocking, close-on-exec socket; throws io_error (EMFILE, ...).
unique_fd open_socket(int family, int type, const char* who);

} // namespace aio::net::detail
