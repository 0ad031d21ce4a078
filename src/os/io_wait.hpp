// Private awaiters of the os layer: one backend operation, or one blocking file operation
// run on the loop's worker threads (epoll backend: regular files are always "ready" for
// epoll, so a pread on the loop thread would stall every other task).
//
// Both follow docs/design/core.md: the awaiter *is* the io_op (no allocation), the task
// parks with a cancel hook that only *requests* cancellation, and the task is woken by the
// real completion, so the buffer and the fd stay valid until the kernel or the worker is
// done with them. await_resume returns the raw result (>= 0 or -errno); the caller keeps
// whatever data was transferred and then calls throw_if_cancelled().
#pragma once

#include "io/backend.hpp"

#include <aio/core/detail/promise_base.hpp>
#include <aio/core/error.hpp>

#include <coroutine>
#include <string>
#include <system_error>

namespace aio::detail {

struct op_awaiter : parking, io_op {
    /// Offload to the worker threads instead of the backend.
    bool m_offload = false;
    bool m_submitted = false;

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    /// The result (>= 0, or -errno). Throws cancelled_error only if the operation never
    /// started because the task was already cancelled.
    int await_resume() const {
        if (!m_submitted) throw cancelled_error();
        return m_result;
    }
};

/// True when file operations on this loop go to worker threads (the epoll backend).
bool files_offloaded();

/// Prepares a file operation awaiter (ring on io_uring, workers on epoll).
inline op_awaiter& prepare_file_op(op_awaiter& a, op_kind kind, int fd) {
    a.m_kind = kind;
    a.m_fd = fd;
    a.m_offload = files_offloaded();
    return a;
}

/// Throws aio::io_error for a negative result: "<what> '<path>': <strerror>".
[[noreturn]] void throw_os_error(int neg_errno, const std::string& what, const std::string& path);

} // namespace aio::detail
