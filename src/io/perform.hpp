// One io_op performed as one system call through sys.hpp (so fault plans apply): the
// syscall selection shared by the epoll backend's non-blocking attempts and the os layer's
// blocking file operations on the thread pool. Whether the call waits depends only on the
// fd (O_NONBLOCK or not); readiness and retrying are the caller's business.
#pragma once

#include "io/backend.hpp"
#include "io/sys.hpp"

#include <cerrno>

#include <sys/socket.h>
#include <sys/types.h>

namespace aio::detail {

/// Performs `op` once; returns the result (>= 0) or -errno. A failed call leaves errno set.
/// op_kind::poll is not a plain call (it needs a timeout and reports readiness): -EINVAL.
/// op_kind::connect only starts the connection (a non-blocking socket gives -EINPROGRESS).
inline int perform_call(io_op& op) noexcept {
    long r = -1;
    switch (op.m_kind) {
    case op_kind::read:
        r = sys::read(op.m_fd, op.m_buf, op.m_len);
        break;
    case op_kind::write:
        r = sys::write(op.m_fd, op.m_buf, op.m_len);
        break;
    case op_kind::recv:
        r = sys::recv(op.m_fd, op.m_buf, op.m_len, 0);
        break;
    case op_kind::send:
        r = sys::send(op.m_fd, op.m_buf, op.m_len, MSG_NOSIGNAL);
        break;
    case op_kind::recvmsg:
        r = sys::recvmsg(op.m_fd, static_cast<msghdr*>(op.m_buf), 0);
        break;
    case op_kind::sendmsg:
        r = sys::sendmsg(op.m_fd, static_cast<msghdr*>(op.m_buf), MSG_NOSIGNAL);
        break;
    case op_kind::read_at:
        r = sys::pread(op.m_fd, op.m_buf, op.m_len, static_cast<off_t>(op.m_offset));
        break;
    case op_kind::write_at:
        r = sys::pwrite(op.m_fd, op.m_buf, op.m_len, static_cast<off_t>(op.m_offset));
        break;
    case op_kind::fsync:
        r = sys::fsync(op.m_fd);
        break;
    case op_kind::openat:
        r = sys::openat(op.m_fd, static_cast<const char*>(op.m_buf), static_cast<int>(op.m_len),
                        static_cast<mode_t>(op.m_offset));
        break;
    case op_kind::accept:
    case op_kind::accept_multi:
        r = sys::accept4(op.m_fd, op.m_addr, op.m_addr ? &op.m_addrlen : nullptr,
                         SOCK_CLOEXEC | SOCK_NONBLOCK);
        break;
    case op_kind::connect:
        r = sys::connect(op.m_fd, op.m_addr, op.m_addrlen);
        break;
    case op_kind::poll:
        errno = EINVAL;
        break;
    }
    return r < 0 ? -errno : static_cast<int>(r);
}

} // namespace aio::detail
