// fd_transport: the transport over a socket or a pipe (see fd_transport.hpp).
#include "net/fd_transport.hpp"

#include <string>

#include <sys/socket.h>

namespace aio::net::detail {

std::string io_what(op_kind kind) {
    const bool socket = kind == op_kind::recv || kind == op_kind::send;
    const bool reading = kind == op_kind::recv || kind == op_kind::read;
    return std::string("aio::net::stream: ") +
           (socket ? (reading ? "recv" : "send") : (reading ? "read" : "write"));
}

void fd_transport::io_awaiter::fail(int r) const {
    if (cancel_requested())
        throw cancelled_error();
    throw_io_error(-r, io_what(m_kind));
}

fd_transport::~fd_transport() {
    if (m_fd >= 0)
        close_fd(m_fd);
}

task<std::size_t> fd_transport::read_some(std::span<std::byte> buf) {
    co_return co_await read_op(buf);
}

task<std::size_t> fd_transport::write_some(std::span<const std::byte> buf) {
    co_return co_await write_op(buf);
}

task<void> fd_transport::shutdown() {
    if (m_fd < 0)
        co_return;
    if (m_socket) {
        // ENOTCONN: the peer already went away; the half-close is moot.
        if (::shutdown(m_fd, SHUT_WR) < 0 && errno != ENOTCONN)
            throw_io_error(errno, "aio::net::stream::write_eof: shutdown");
    } else {
        // A pipe only goes one way: its end of file is closing it.
        close_fd(std::exchange(m_fd, -1));
    }
}

task<void> fd_transport::close() {
    if (m_fd >= 0)
        close_fd(std::exchange(m_fd, -1));
    co_return;
}

void fd_transport::cancel_io() noexcept {
    if (m_read)
        m_read->cancel_op();
    if (m_write)
        m_write->cancel_op();
}

std::unique_ptr<transport> make_fd_transport(int fd, bool socket, bool tcp) {
    return std::make_unique<fd_transport>(fd, socket, tcp);
}

} // namespace aio::net::detail
