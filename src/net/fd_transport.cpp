// fd_transport: the transport over a socket or a pipe (see transport.hpp for the contract).
#include "net/io.hpp"
#include "net/transport.hpp"

#include <aio/core/error.hpp>

#include <algorithm>
#include <sys/socket.h>

namespace aio::net::detail {

namespace {

// io_uring takes 32-bit lengths; one operation never needs more.
constexpr std::size_t max_chunk = std::size_t{1} << 30;

class fd_transport final : public transport {
  public:
    fd_transport(int fd, bool socket) noexcept : m_fd(fd), m_socket(socket) {}
    ~fd_transport() override {
        if (m_fd >= 0) close_fd(m_fd);
    }

    task<std::size_t> read_some(std::span<std::byte> buf) override {
        op_awaiter a(m_socket ? op_kind::recv : op_kind::read, m_fd, buf.data(),
                     std::min(buf.size(), max_chunk));
        m_read = &a;
        const int r = co_await a;
        m_read = nullptr;
        if (r >= 0) co_return static_cast<std::size_t>(r);
        if (a.cancel_requested()) throw cancelled_error();
        throw_io_error(-r, m_socket ? "aio::net::stream: recv" : "aio::net::stream: read");
    }

    task<std::size_t> write_some(std::span<const std::byte> buf) override {
        op_awaiter a(m_socket ? op_kind::send : op_kind::write, m_fd,
                     const_cast<std::byte*>(buf.data()), std::min(buf.size(), max_chunk));
        m_write = &a;
        const int r = co_await a;
        m_write = nullptr;
        if (r >= 0) co_return static_cast<std::size_t>(r);
        if (a.cancel_requested()) throw cancelled_error();
        throw_io_error(-r, m_socket ? "aio::net::stream: send" : "aio::net::stream: write");
    }

    task<void> shutdown() override {
        if (m_fd < 0) co_return;
        if (m_socket) {
            // ENOTCONN: the peer already went away; the half-close is moot.
            if (::shutdown(m_fd, SHUT_WR) < 0 && errno != ENOTCONN) {
                throw_io_error(errno, "aio::net::stream::write_eof: shutdown");
            }
        } else {
            // A pipe only goes one way: its end of file is closing it.
            close_fd(std::exchange(m_fd, -1));
        }
    }

    task<void> close() override {
        if (m_fd >= 0) close_fd(std::exchange(m_fd, -1));
        co_return;
    }

    void cancel_io() noexcept override {
        if (m_read) m_read->cancel_op();
        if (m_write) m_write->cancel_op();
    }

    int native_handle() const noexcept override { return m_fd; }

  private:
    int m_fd;
    bool m_socket;
    op_awaiter* m_read = nullptr;
    op_awaiter* m_write = nullptr;
};

} // namespace

std::unique_ptr<transport> make_fd_transport(int fd, bool socket) {
    return std::make_unique<fd_transport>(fd, socket);
}

} // namespace aio::net::detail
