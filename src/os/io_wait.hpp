// Private awaiters of the os layer: one backend operation, or one blocking file operation
// run on the thread pool (epoll backend: regular files are always "ready" for epoll, so a
// pread on the loop thread would stall every other task).
//
// Both follow docs/design/core.md: the awaiter *is* the io_op (no allocation), the task
// parks with a cancel hook that only *requests* cancellation, and the task is woken by the
// real completion, so the buffer and the fd stay valid until the kernel or the worker is
// done with them (on the pool the wait is shielded: a blocking call cannot be interrupted,
// and resuming early would free the buffer under it or let the fd be closed and reused).
// The result is the raw one (>= 0 or -errno); the caller keeps whatever data was
// transferred and then checks m_cancelled.
#pragma once

#include "io/backend.hpp"

#include <aio/core/detail/promise_base.hpp>
#include <aio/core/error.hpp>
#include <aio/core/task.hpp>

#include <coroutine>
#include <string>
#include <system_error>

namespace aio::detail {

struct file_op_awaiter : parking, io_op {
    /// Run on the thread pool instead of the backend (see perform()).
    bool m_offload = false;
    bool m_submitted = false;

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    /// The result (>= 0, or -errno). Throws cancelled_error only if the operation never
    /// started because the task was already cancelled.
    int await_resume() const {
        if (!m_submitted)
            throw cancelled_error();
        return m_result;
    }
};

/// True when file operations on this loop go to the thread pool (the epoll backend).
bool files_offloaded();

/// Runs `a` (prepared by prepare_file_op) to completion: through the backend, or on the
/// thread pool. Returns the result; a->m_cancelled tells whether the task was cancelled
/// meanwhile. Throws cancelled_error only if the operation never started. `a` must live
/// until the returned task completes (it is a local of the awaiting frame).
task<int> perform(file_op_awaiter* a);

/// Prepares a file operation awaiter (ring on io_uring, workers on epoll).
inline file_op_awaiter& prepare_file_op(file_op_awaiter& a, op_kind kind, int fd) {
    a.m_kind = kind;
    a.m_fd = fd;
    a.m_offload = files_offloaded();
    return a;
}

/// Throws aio::io_error for a negative result: "<what> '<path>': <strerror>".
[[noreturn]] void throw_os_error(int neg_errno, const std::string& what, const std::string& path);

} // namespace aio::detail
