#include "net/primitives.hpp"

#include <aio/core/event_loop.hpp>
#include <aio/net/errors.hpp>

#include <system_error>

#include <sys/socket.h>
#include <unistd.h>

namespace aio::net::detail {

aio::detail::backend& loop_backend() {
    if (aio::detail::t_loop) [[likely]]
        return aio::detail::t_loop->io_backend();
    return get_running_loop().io(); // throws: no running loop
}

bool op_awaiter::await_suspend(std::coroutine_handle<> h) {
    if (!begin_park(h, &on_cancel))
        return false;
    m_backend = &aio::detail::t_loop->io_backend(); // a task is running: so is its loop
    m_complete = &on_complete;
    m_submitted = true;
    m_backend->submit(*this);
    return true;
}

void op_awaiter::on_complete(io_op* op) noexcept {
    auto* a = static_cast<op_awaiter*>(op);
    a->m_done = true;
    a->wake();
}

void op_awaiter::on_cancel(parking* p) noexcept {
    // Only a request: the task is woken by the op's own completion, so the kernel never
    // writes into a frame that is gone.
    auto* a = static_cast<op_awaiter*>(p);
    a->m_cancelled = true;
    if (!a->m_done)
        a->m_backend->cancel(*a);
}

std::optional<address> socket_address(int fd, bool peer) noexcept {
    address a;
    socklen_t len = address::capacity;
    auto* sa = static_cast<sockaddr*>(a.data());
    if ((peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) < 0)
        return std::nullopt;
    a.set_size(len);
    return a;
}

void close_fd(int fd) noexcept {
    if (fd < 0)
        return;
    if (aio::detail::t_loop)
        get_running_loop().io().forget_fd(fd);
    ::close(fd);
}

std::exception_ptr make_io_error(int err, const std::string& what) {
    const std::error_code code(err, std::system_category());
    switch (err) {
    case ECONNRESET:
        return std::make_exception_ptr(connection_reset_error(code, what));
    case EPIPE:
        return std::make_exception_ptr(broken_pipe_error(code, what));
    case ECONNREFUSED:
        return std::make_exception_ptr(connection_refused_error(code, what));
    case ECONNABORTED:
        return std::make_exception_ptr(connection_aborted_error(code, what));
    default:
        return std::make_exception_ptr(io_error(code, what));
    }
}

void throw_io_error(int err, const std::string& what) {
    std::rethrow_exception(make_io_error(err, what));
}

unique_fd open_socket(int family, int type, const char* who) {
    const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw_io_error(errno, std::string(who) + ": socket");
    return unique_fd(fd);
}

} // namespace aio::net::detail
